"""`python -m prguard.cli` runs the `prguard` command line."""

import sys

from prguard.cli import main

sys.exit(main())
