"""Regenerate the README pictures from prguard's own output on the bundled example pull request.

    .venv/bin/python deploy/docs/render_screenshots.py      # needs `apt-get install -y chromium`

It reviews the example exactly like `prguard review --example`, takes the check
run title, summary and buttons the App would publish, and the first inline
comment it would post (the highest-severity finding, with its code), renders
that Markdown to HTML in a GitHub-like page, and screenshots each page with
headless Chromium into docs/images/check-run.png and docs/images/inline-comment.png.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt

OUT = Path(__file__).resolve().parents[2] / "docs" / "images"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
]
CSS = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328;
       margin: 0; padding: 24px; background: #fff; width: 920px; }
.box { border: 1px solid #d1d9e0; border-radius: 6px; overflow: hidden; }
.head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 12px 16px; }
.head b { font-size: 16px; } .muted { color: #59636e; }
.fail { color: #d1242f; font-weight: 600; }
.body { padding: 8px 16px 16px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d1d9e0; padding: 4px 10px; }
th { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 4px; padding: 1px 4px; font: 12px ui-monospace, Menlo, monospace; }
pre { background: #f6f8fa; border-radius: 6px; padding: 10px; overflow: hidden; }
pre code { background: none; padding: 0; }
.buttons { padding: 10px 16px; border-top: 1px solid #d1d9e0; }
.button { display: inline-block; border: 1px solid #d1d9e0; border-radius: 6px; padding: 3px 12px;
          margin-right: 8px; background: #f6f8fa; font-weight: 500; }
.diff { font: 12px/20px ui-monospace, Menlo, monospace; width: 100%; border-collapse: collapse; }
.diff td { border: none; padding: 0 8px; white-space: pre; }
.diff .num { color: #59636e; text-align: right; width: 40px; }
.diff .add { background: #dafbe1; } .diff .del { background: #ffebe9; }
.comment { margin: 8px 16px 16px 56px; border: 1px solid #d1d9e0; border-radius: 6px; }
.comment .who { background: #f6f8fa; padding: 8px 12px; border-bottom: 1px solid #d1d9e0; }
.comment .text { padding: 4px 12px 8px; }
.suggestion { border: 1px solid #d1d9e0; border-radius: 6px; margin: 8px 0; }
.suggestion .title { background: #f6f8fa; padding: 6px 10px; border-bottom: 1px solid #d1d9e0; }
"""


def _review():
    """The example reviewed as `prguard review --example` does; returns the example and the result."""
    from prguard.cli.example import load_example
    from prguard.engine.review import review
    from prguard.policies.loader import load_policy

    example = load_example()
    policy = load_policy()
    result = review(example.files, policy, example.pull)
    if result.policy is None:
        result.policy = policy
    return example, result


def _markdown(text: str) -> str:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    return md.render(text)


def check_run_page(result) -> str:
    from prguard.publish.checkrun import actions_for, verdict_title
    from prguard.report.markdown import render_summary

    summary = _markdown(render_summary(result))
    buttons = "".join(
        f'<span class="button">{html.escape(a["label"])}</span>' for a in actions_for("failure")
    )
    return (
        f"<style>{CSS}</style><div class='box'><div class='head'><span class='fail'>✖</span> "
        f"<b>prguard</b> <span class='muted'>— {html.escape(verdict_title(result))}</span></div>"
        f"<div class='body'>{summary}</div><div class='buttons'>{buttons}</div></div>"
    )


def inline_comment_page(example, result) -> str:
    """The first inline comment (highest severity) and the first one carrying a one-click suggestion."""
    from prguard.publish.review import diffs_by_path, plan_inline_comments

    plan = plan_inline_comments(result.findings, diffs_by_path(example.files), limit=20)
    shown = [plan.comments[0]]
    with_fix = next((c for c in plan.comments if "```suggestion" in c.body), None)
    if with_fix is not None and with_fix is not shown[0]:
        shown.append(with_fix)
    return f"<style>{CSS}</style>" + "".join(_comment_box(example, comment) for comment in shown)


def _comment_box(example, comment) -> str:
    changed = next(f for f in example.files if f.path == comment.path)
    lines = (changed.head or b"").decode("utf-8").splitlines()
    first = max(1, (comment.start_line or comment.line) - 3)
    rows = "".join(
        f"<tr class='add'><td class='num'>{n}</td><td>+ {html.escape(lines[n - 1])}</td></tr>"
        for n in range(first, comment.line + 1)
    )
    body = re.sub(r"<!--.*?-->", "", comment.body, flags=re.DOTALL)  # the hidden fingerprint marker
    body_html = _markdown(body)
    suggestion = re.search(r'<pre><code class="language-suggestion">(.*?)</code></pre>', body_html, re.DOTALL)
    if suggestion:
        start = comment.start_line or comment.line
        old = "".join(
            f"<tr class='del'><td class='num'>{n}</td><td>- {html.escape(lines[n - 1])}</td></tr>"
            for n in range(start, comment.line + 1)
        )
        new = "".join(
            f"<tr class='add'><td class='num'></td><td>+ {text}</td></tr>"
            for text in suggestion.group(1).rstrip("\n").split("\n")
        )
        box = (
            "<div class='suggestion'><div class='title'><b>Suggested change</b> "
            "<span class='button' style='float:right'>Commit suggestion</span></div>"
            f"<table class='diff'>{old}{new}</table></div>"
        )
        body_html = body_html.replace(suggestion.group(0), box)
    return (
        "<div class='box' style='margin-bottom:16px'>"
        f"<div class='head'><b>{html.escape(comment.path)}</b></div>"
        f"<table class='diff'>{rows}</table>"
        f"<div class='comment'><div class='who'><b>prguard</b> <span class='muted'>bot · commented</span>"
        f"</div><div class='text'>{body_html}</div></div></div>"
    )


def screenshot(page: str, target: Path, height: int) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium not found: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(f"<!doctype html><meta charset='utf-8'>{page}", encoding="utf-8")
        subprocess.run(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", f"--window-size=970,{height}",
             f"--screenshot={target}", source.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    print(f"wrote {target}")


def main() -> None:
    example, result = _review()
    screenshot(check_run_page(result), OUT / "check-run.png", 800)
    screenshot(inline_comment_page(example, result), OUT / "inline-comment.png", 900)


if __name__ == "__main__":
    main()
