"""`python -m workers.cli` runs the `prguard` command line."""

import sys

from workers.cli import main

sys.exit(main())
