"""A check of `request.GET.get("next")` holds where the same item is read again, through `and`,
through `(x or "")`, and for subscript and `.get` readings alike."""

from __future__ import annotations

import pytest

from tests.unit.taint_helpers import rules_of, taint

HEAD = (
    "from django.shortcuts import redirect\n"
    "from django.utils.http import url_has_allowed_host_and_scheme\n"
    "import ckan.plugins.toolkit as toolkit\n\n\n"
)


def _redirects(body: str) -> bool:
    code = HEAD + "def view(request):\n" + "".join(f"    {line}\n" for line in body.splitlines())
    return "taint-open-redirect" in rules_of(taint(code))


@pytest.mark.parametrize(
    ("body", "found"),
    [
        # the same item read again after the check, as `.get` or as a subscript
        (
            'if url_has_allowed_host_and_scheme(request.GET.get("next"), allowed_hosts=None):\n'
            '    return redirect(request.GET.get("next"))\nreturn redirect("/")',
            False,
        ),
        (
            'if url_has_allowed_host_and_scheme(request.GET.get("next", ""), None):\n'
            '    return redirect(request.GET["next"])\nreturn redirect("/")',
            False,
        ),
        # on the right of `and`
        (
            'if "next" in request.GET and url_has_allowed_host_and_scheme(request.GET.get("next"), None):\n'
            '    return redirect(request.GET.get("next"))\nreturn redirect("/")',
            False,
        ),
        # a constant standing in for an empty value: a prefix under a named folder of the site
        (
            'return redirect(request.POST.get("next") if (request.POST.get("next") or "")'
            '.startswith("/control/") else "/")',
            False,
        ),
        # CKAN's helper, and names like it
        (
            'came_from = request.args.get("came_from")\nif toolkit.h.url_is_local(came_from):\n'
            '    return toolkit.redirect_to(came_from)\nreturn toolkit.redirect_to("/")',
            False,
        ),
        # another item, the branch where the check failed, and a prefix that proves nothing
        (
            'if url_has_allowed_host_and_scheme(request.GET.get("back"), None):\n'
            '    return redirect(request.GET.get("next"))\nreturn redirect("/")',
            True,
        ),
        (
            'if not url_has_allowed_host_and_scheme(request.GET.get("next"), None):\n'
            '    return redirect(request.GET.get("next"))\nreturn redirect("/")',
            True,
        ),
        (
            'return redirect(request.POST.get("next") if (request.POST.get("next") or "")'
            '.startswith("/") else "/")',
            True,
        ),
        (
            'came_from = request.args.get("came_from")\nif not toolkit.h.url_is_local(came_from):\n'
            '    return toolkit.redirect_to(came_from)\nreturn toolkit.redirect_to("/")',
            True,
        ),
    ],
)
def test_a_checked_item_is_checked_where_it_is_read_again(body: str, found: bool) -> None:
    assert _redirects(body) is found
