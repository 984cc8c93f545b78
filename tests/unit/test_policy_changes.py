"""A change that edits the policy file gets a note, and an invalid new file an error."""

from __future__ import annotations

from prguard.engine.model import ChangedFile
from prguard.policies.changes import check_policy_change


def changed(head: bytes | None, path: str = ".github/prguard.yml") -> ChangedFile:
    status = "removed" if head is None else "modified"
    return ChangedFile(path=path, status=status, head=head, base=b"version: 1\n")


def test_untouched_policy_file():
    assert check_policy_change([changed(b"x = 1\n", path="app.py")]) is None


def test_valid_edit_applies_after_merge():
    change = check_policy_change([changed(b"gate: {fail_on: medium}\n")])
    assert change is not None and change.error is None
    assert "applies after merge" in change.note


def test_invalid_edit_names_file_line_and_key():
    change = check_policy_change([changed(b"version: 1\ngate:\n  fail_on: sometimes\n")])
    assert change is not None and change.error is not None
    assert (change.error.source, change.error.line, change.error.key) == (
        ".github/prguard.yml in this change",
        3,
        "gate.fail_on",
    )
    assert "invalid" in change.note and "Fix it before merging" in change.note


def test_non_utf8_edit_is_an_error():
    change = check_policy_change([changed(b"gate: \xff\n")])
    assert change is not None and change.error is not None and "UTF-8" in change.error.message


def test_removed_policy_file():
    change = check_policy_change([changed(None)])
    assert change is not None and change.error is None and "removes" in change.note
