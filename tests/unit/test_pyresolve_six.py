"""`six.moves` names are the standard library's: one table, used by every analyzer's imports."""

from __future__ import annotations

from prguard.analyzers.pyresolve.known import canonical_import

from tests.unit.taint_helpers import taint


def test_six_moves_names_are_the_standard_librarys() -> None:
    assert canonical_import("six.moves.http_client.HTTPConnection") == "http.client.HTTPConnection"
    assert canonical_import("six.moves.urllib.parse.urlsplit") == "urllib.parse.urlsplit"
    assert canonical_import("six.moves.cPickle.loads") == "pickle.loads"
    assert canonical_import("six.moves.urllib_parse") == "urllib.parse"
    assert canonical_import("six.moves.reduce") == "six.moves.reduce"  # not a module this table knows
    assert canonical_import("sixty.moves.http_client") == "sixty.moves.http_client"


def test_a_connection_to_a_request_given_host_through_six_is_ssrf() -> None:
    code = """
from django.http import HttpResponse
from six.moves.http_client import HTTPConnection
from six.moves.urllib.parse import urlsplit

def fetch(request):
    proto, server, path, query, frag = urlsplit(request.GET["url"])
    conn = HTTPConnection(server)
    conn.request("GET", path)
    return HttpResponse("sent")
"""
    assert [(f.rule_id, f.start_line) for f in taint(code)] == [("taint-ssrf", 7)]
