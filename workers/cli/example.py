"""The bundled example pull request: base files, head files and metadata JSON, read as data.

The example's code is never imported or executed; it is only read as bytes and
diffed, exactly as a change fetched from GitHub would be.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

import prguard.examples
from prguard.engine.model import ChangedFile, CommitInfo, Person, PullRequestInfo

EXAMPLES_DIR = Path(prguard.examples.__file__).resolve().parent
DEFAULT_EXAMPLE = "invoice_export"


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    files: list[ChangedFile]
    pull: PullRequestInfo
    note: str


def load_example(name: str = DEFAULT_EXAMPLE) -> Example:
    root = EXAMPLES_DIR / name
    meta = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    base = _tree(root / "base")
    head = _tree(root / "head")
    files = [
        _changed_file(path, base.get(path), head.get(path)) for path in sorted(base.keys() | head.keys())
    ]
    files = [f for f in files if f is not None]
    pull_meta = meta.get("pull", {})
    commits = tuple(
        CommitInfo(
            sha=c["sha"],
            message=c["message"],
            author=Person(**c.get("author", {})),
            committer=Person(**c.get("committer", {})),
        )
        for c in meta.get("commits", [])
    )
    pull = PullRequestInfo(
        number=pull_meta.get("number"),
        title=pull_meta.get("title", ""),
        body=pull_meta.get("body", ""),
        author_login=pull_meta.get("author_login", ""),
        author_type=pull_meta.get("author_type", ""),
        head_ref=pull_meta.get("head_ref", ""),
        base_ref=pull_meta.get("base_ref", ""),
        labels=tuple(pull_meta.get("labels", ())),
        commits=commits,
    )
    note = f"Example pull request #{pull.number} “{pull.title}”: {meta.get('description', '')}".strip()
    return Example(name, files, pull, note)


def _tree(root: Path) -> dict[str, bytes]:
    if not root.is_dir():
        return {}
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        # an installed copy has byte-code caches next to the example sources: not part of the change
        if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc":
            files[relative.as_posix()] = path.read_bytes()
    return files


def _changed_file(path: str, base: bytes | None, head: bytes | None) -> ChangedFile | None:
    if base == head:
        return None
    status = "added" if base is None else "removed" if head is None else "modified"
    return ChangedFile(path=path, status=status, head=head, base=base, patch=unified_patch(base, head))


def unified_patch(base: bytes | None, head: bytes | None) -> str | None:
    """Hunks of a unified diff with 3 lines of context, the shape of GitHub's `patch` field."""
    try:
        old = (base or b"").decode("utf-8").splitlines()
        new = (head or b"").decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None  # binary: GitHub gives no patch either
    lines = list(difflib.unified_diff(old, new, n=3, lineterm=""))
    return "\n".join(lines[2:]) + "\n" if len(lines) > 2 else None
