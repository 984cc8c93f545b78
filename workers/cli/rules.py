"""`prguard rules`: the rule catalogue (every rule prguard's analyzers can report)."""

from __future__ import annotations

import argparse
import sys

from prguard.catalogue import catalogue
from prguard.catalogue.render import to_json, to_markdown, to_text, to_text_detail
from prguard.cli import EXIT_OK, CliError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="list the rules prguard can report (id, severity, CWE, why, examples, fix)",
        description=(
            "Print the rule catalogue. With RULE ids (a rule's id or the id it is reported as), "
            "print those rules in full. docs/reference/rules.md is `--format markdown`."
        ),
    )
    parser.add_argument("rule_ids", nargs="*", metavar="RULE", help="rule ids to show in full")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    rules = catalogue()
    chosen = list(rules)
    if args.rule_ids:
        missing = [rule_id for rule_id in args.rule_ids if rules.get(rule_id) is None]
        if missing:
            raise CliError(f"no such rule: {', '.join(missing)} (`prguard rules` lists them)")
        chosen = [rules.get(rule_id) for rule_id in dict.fromkeys(args.rule_ids)]  # type: ignore[misc]
    if args.format == "json":
        sys.stdout.write(to_json(chosen))
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(chosen))
    elif args.rule_ids:
        sys.stdout.write("\n".join(to_text_detail(rule) for rule in chosen))
    else:
        sys.stdout.write(to_text(chosen))
    return EXIT_OK
