"""`prguard trace`: tracebacks really raised in a fixture repository's code, a Sentry event in the
shape Sentry documents, and OpenTelemetry exceptions, traced through local git history."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from prguard.cli import main
from prguard.cli.trace_git import repo_path
from prguard.engine.functions import changed_functions, enclosing_function
from prguard.ledger.frames import FrameError, parse_frames

from tests.unit.test_cli_review import commit, git

CART_V1 = """import json


def load(path):
    with open(path) as handle:
        items = json.load(handle)
    return total(items)


def total(items):
    return sum(item["price"] for item in items) / len(items)
"""

CART_V2 = CART_V1.replace(
    'def total(items):\n    return sum(item["price"] for item in items) / len(items)\n',
    'def total(items):\n    amount = sum(item["price"] for item in items)\n'
    "    return round(amount / len(items), 2)\n",
)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit(path, {"shop/__init__.py": "", "shop/cart.py": CART_V1}, "Add the cart: load() and total()")
    commit(
        path,
        {"shop/cart.py": CART_V2},
        "Fix rounding (#42)\n\nRound the average to cents.\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    )
    return path


def _real_traceback(repo: Path, tmp_path: Path) -> str:
    """Run the fixture repository's own code so that it raises (an empty cart divides by zero)."""
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    script = (
        f"import sys; sys.path.insert(0, {str(repo)!r}); from shop.cart import load; load({str(empty)!r})"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "ZeroDivisionError" in proc.stderr
    return proc.stderr


def _trace(repo: Path, input_path: Path, capsys, *extra: str) -> dict:
    code = main(
        [
            "trace",
            "--repo",
            str(repo),
            "--file",
            str(input_path),
            "--format",
            "json",
            "--source",
            "git",
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_done_when_traceback_names_pr_42_by_claude_for_total_and_a_human_change_for_load(
    shop, tmp_path, capsys
):
    tb = tmp_path / "tb.txt"
    tb.write_text(_real_traceback(shop, tmp_path))
    result = _trace(shop, tb, capsys)
    by_function = {f["function"]: f for f in result["frames"]}
    assert set(by_function) == {"load", "total"}  # the -c frame is not in the repository
    total = by_function["total"]
    assert total["path"] == "shop/cart.py"
    newest = total["changes"][0]
    assert newest["pull"] == 42 and newest["title"] == "Fix rounding"
    assert newest["ai_authored"] is True and newest["agents"] == ["claude_code"]
    assert newest["ai_line_share"] == pytest.approx(2 / 3, abs=0.01)  # 2 of total()'s 3 lines
    assert newest["date"] and len(newest["commit"]) == 40
    assert {"pull", "commit", "title", "date", "ai_authored", "agents", "ai_line_share", "findings"} <= set(
        newest
    )
    assert total["changes"][1]["ai_authored"] is False  # the first version came with the human commit
    (load_change,) = by_function["load"]["changes"]
    assert load_change["ai_authored"] is False and load_change["agents"] == [] and load_change["pull"] is None
    assert load_change["ai_line_share"] == 0.0


def test_text_format_reads(shop, tmp_path, capsys):
    tb = tmp_path / "tb.txt"
    tb.write_text(_real_traceback(shop, tmp_path))
    code = main(["trace", "--repo", str(shop), "--file", str(tb), "--source", "git"])
    out = capsys.readouterr().out
    assert code == 0
    assert "shop/cart.py" in out and "in total" in out and "PR #42" in out and "AI (claude_code)" in out


def test_sentry_event_frames(shop, tmp_path, capsys):
    event = {
        "event_id": "fc6d8c0c43fc4630ad850ee518f1b9d0",
        "platform": "python",
        "exception": {
            "values": [
                {
                    "type": "ZeroDivisionError",
                    "value": "division by zero",
                    "module": "builtins",
                    "mechanism": {"type": "generic", "handled": False},
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "shop/cart.py",
                                "abs_path": "/srv/shop/shop/cart.py",
                                "function": "load",
                                "module": "shop.cart",
                                "lineno": 7,
                                "in_app": True,
                            },
                            {
                                "filename": "shop/cart.py",
                                "abs_path": "/srv/shop/shop/cart.py",
                                "function": "total",
                                "module": "shop.cart",
                                "lineno": 12,
                                "in_app": True,
                            },
                        ]
                    },
                }
            ]
        },
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    result = _trace(shop, path, capsys)
    assert result["input"] == "sentry"
    assert [f["function"] for f in result["frames"]] == ["load", "total"]
    assert result["frames"][1]["changes"][0]["pull"] == 42


def test_opentelemetry_exception_event_and_code_attributes(shop, tmp_path, capsys):
    stacktrace = _real_traceback(shop, tmp_path)
    span_event = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "name": "GET /cart",
                                "events": [
                                    {
                                        "name": "exception",
                                        "attributes": [
                                            {
                                                "key": "exception.type",
                                                "value": {"stringValue": "ZeroDivisionError"},
                                            },
                                            {
                                                "key": "exception.stacktrace",
                                                "value": {"stringValue": stacktrace},
                                            },
                                        ],
                                    }
                                ],
                            }
                        ]
                    }
                ]
            }
        ]
    }
    path = tmp_path / "otel.json"
    path.write_text(json.dumps(span_event))
    result = _trace(shop, path, capsys)
    assert result["input"] == "opentelemetry" and {f["function"] for f in result["frames"]} == {
        "load",
        "total",
    }
    log_record = {
        "attributes": [
            {"key": "code.function.name", "value": {"stringValue": "shop.cart.total"}},
            {"key": "code.file.path", "value": {"stringValue": "/srv/shop/shop/cart.py"}},
            {"key": "code.line.number", "value": {"intValue": "12"}},
        ]
    }
    path.write_text(json.dumps(log_record))
    (frame,) = _trace(shop, path, capsys)["frames"]
    assert frame["function"] == "total" and frame["changes"][0]["pull"] == 42


def test_merge_commit_pull_requests(tmp_path, capsys):
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"m.py": "def f():\n    return 1\n"}, "init")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(
        repo,
        {"m.py": "def f():\n    return 2\n"},
        "Return two\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
    )
    git(repo, "checkout", "-q", "main")
    git(
        repo,
        "merge",
        "-q",
        "--no-ff",
        "feature",
        "-m",
        "Merge pull request #7 from acme/feature\n\nReturn two from f",
    )
    tb = tmp_path / "tb.txt"
    tb.write_text('Traceback (most recent call last):\n  File "/deploy/m.py", line 2, in f\nValueError: x\n')
    (frame,) = _trace(repo, tb, capsys)["frames"]
    newest = frame["changes"][0]
    assert newest["pull"] == 7 and newest["title"] == "Return two from f"
    assert newest["agents"] == ["cursor"] and newest["ai_line_share"] == 0.5


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "x.json"
    path.write_text('{"message": "no frames here"}')
    assert main(["trace", "--file", str(path), "--source", "git"]) == 2
    assert "Sentry event" in capsys.readouterr().err
    with pytest.raises(FrameError):
        parse_frames("just words")


def test_helpers():
    assert repo_path("/srv/app/shop/cart.py", ["shop/cart.py", "cart.py"]) == "shop/cart.py"
    assert repo_path("/usr/lib/python3/site-packages/shop/cart.py", ["shop/cart.py"]) is None
    span = enclosing_function("class A:\n    def m(self):\n        return 1\n", 3)
    assert span is not None and (span.name, span.start, span.end) == ("A.m", 2, 3)


def test_changed_functions_are_the_innermost_holding_changed_lines():
    source = (
        "def outer():\n    x = 1\n\n    def inner():\n        return 2\n\n    return inner\n\n\n"
        "def other():\n    pass\n"
    )
    assert [s.name for s in changed_functions(source, {5})] == ["outer.inner"]
    assert [s.name for s in changed_functions(source, {2, 11})] == ["outer", "other"]
