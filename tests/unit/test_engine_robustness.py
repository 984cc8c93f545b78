"""Bad input never crashes the engine: odd bytes, statuses and diffs all get a clear outcome."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prguard.engine.model import ChangedFile

from tests.unit.engine_helpers import engine_review, make_policy

PYTHONISH = st.text(
    alphabet=st.sampled_from(list("abcdefxy0123456789 ()[]{}:=+-*/'\"#\n\t.,\\@f")), max_size=300
)
STATUSES = st.sampled_from(["added", "modified", "removed", "renamed", "copied", "changed"])
PATCHES = st.one_of(
    st.none(),
    st.text(max_size=200),
    st.builds(
        lambda a, b, body: f"@@ -{a},3 +{b},4 @@\n{body}", st.integers(0, 50), st.integers(0, 50), PYTHONISH
    ),
)


@st.composite
def changed_files(draw):
    head = draw(st.one_of(st.none(), st.binary(max_size=200), PYTHONISH.map(str.encode)))
    base = draw(st.one_of(st.none(), st.binary(max_size=200), PYTHONISH.map(str.encode)))
    path = draw(
        st.sampled_from(["svc/a.py", "svc/b.py", "web/app.js", "vendor/x.py", "gen/x_pb2.py", "README"])
    )
    return ChangedFile(
        path, draw(STATUSES), head, base, draw(PATCHES), draw(st.one_of(st.none(), st.just("old.py")))
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(changed_files(), max_size=4, unique_by=lambda f: f.path),
    st.sampled_from(["changed_lines", "changed_files"]),
)
def test_review_always_concludes(files, scope):
    result = engine_review(files, make_policy({"scope": scope}))
    assert result.conclusion in {"success", "neutral", "failure", "action_required"}
    assert all(s.reason for s in result.skipped)
    result.to_dict()
