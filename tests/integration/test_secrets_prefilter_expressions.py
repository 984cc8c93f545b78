"""Every expression a secrets detector reports from, against lines generated from it: the pre-filter
hands each such line to that detector. Integration because it draws examples for each of several dozen
expressions (half a minute); tests/unit/test_secrets_prefilter.py keeps the hand-picked lines."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from prguard.analyzers.secrets import _plugin_names, _plugins
from prguard.analyzers.secrets_prefilter import candidates

from tests.unit.secrets_helpers import one_line

pytestmark = pytest.mark.integration


def _expressions():
    """Every regular expression a format or keyword detector reports from (it reports nothing
    on a line none of its expressions matches)."""
    from detect_secrets.plugins import keyword

    for plugin in _plugins():
        for regex in getattr(plugin, "denylist", ()) or ():
            name = type(plugin).__name__
            yield pytest.param(name, regex, id=f"{name}:{regex.pattern[:30]}")
    seen = set()
    for groups in keyword.REGEX_BY_FILETYPE.values():
        for regex in groups:
            if regex.pattern not in seen:
                seen.add(regex.pattern)
                yield pytest.param("KeywordDetector", regex, id=f"KeywordDetector:{regex.pattern[:30]}")


@pytest.mark.parametrize(("detector", "regex"), list(_expressions()))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_a_line_any_detector_expression_matches_is_given_to_that_detector(detector, regex, data):
    line = one_line(data.draw(st.from_regex(regex)))
    assume(regex.search(line))
    assert detector in candidates([line], _plugin_names()).get(0, ())
