"""`prguard policy`: validate a policy file and show the effective policy; print the JSON Schema."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from prguard.cli import EXIT_OK, CliError
from prguard.policies.composer import PUBLISHED_SCHEMA, schema_text
from prguard.policies.loader import decode_policy_bytes, load_policy

POLICY_PATH = ".github/prguard.yml"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("policy", help="validate policy files, print the policy JSON Schema")
    commands = parser.add_subparsers(dest="policy_command", required=True, metavar="ACTION")

    check = commands.add_parser(
        "check",
        help="validate a policy file and print the effective policy",
        description=(
            "Validate a policy file (default: .github/prguard.yml of the repository in the current "
            "directory) and print the effective policy (built-in default <- preset <- org <- repo) as YAML. "
            "Exit status 2 with the error (file:line: key: problem) on stderr when it is invalid."
        ),
    )
    check.add_argument("file", nargs="?", metavar="FILE", help=f"policy file (default: {POLICY_PATH})")
    check.add_argument("--org", metavar="FILE", help="an org-wide policy file to merge under FILE")
    check.set_defaults(handler=run_check)

    schema = commands.add_parser(
        "schema",
        help="print the policy JSON Schema (for editors)",
        description=(
            "Print the JSON Schema (draft 2020-12) of policy files, composed from every analyzer's fragment."
        ),
    )
    schema.add_argument(
        "--write",
        action="store_true",
        help=f"also update {PUBLISHED_SCHEMA.name} in the source tree (after adding a schema fragment)",
    )
    schema.set_defaults(handler=run_schema)

    keys = commands.add_parser(
        "keys",
        help="print every policy key with its default and meaning (Markdown table)",
        description="Print every policy key with its default and meaning (from the schema and the defaults).",
    )
    keys.set_defaults(handler=run_keys)


def run_check(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else _default_policy_path()
    if not path.is_file():
        raise CliError(f"{path}: no such policy file")
    org_text = _read(Path(args.org)) if args.org else None
    policy = load_policy(
        org_text=org_text,
        org_source=args.org or "<org>/.github/prguard.yml",
        repo_text=_read(path),
        repo_source=str(path),
    )
    sys.stdout.write(f"# {path}: valid\n# effective policy: {' <- '.join(policy.sources)}\n")
    sys.stdout.write(policy.to_yaml())
    return EXIT_OK


def run_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.write:
        PUBLISHED_SCHEMA.write_text(text, encoding="utf-8")
        print(f"wrote {PUBLISHED_SCHEMA}", file=sys.stderr)
    sys.stdout.write(text)
    return EXIT_OK


def run_keys(args: argparse.Namespace) -> int:
    # loaded on use (`prguard` start-up time)
    from prguard.policies.docs import keys_markdown

    sys.stdout.write(keys_markdown())
    return EXIT_OK


def _default_policy_path() -> Path:
    """`.github/prguard.yml` at the root of the repository around the current directory."""
    proc = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False, timeout=30
    )
    root = Path(proc.stdout.strip()) if proc.returncode == 0 and proc.stdout.strip() else Path.cwd()
    return root / POLICY_PATH


def _read(path: Path) -> str:
    return decode_policy_bytes(path.read_bytes(), str(path))
