"""The dotted names a file imports, as the App's imported-sources look-up reads them from the facts."""

from __future__ import annotations

from prguard.index.facts import extract
from prguard.index.imports import imported_names


def test_relative_imports_resolve_like_the_index_does() -> None:
    source = "from .client import f\nfrom ..outside import g\n"
    names = set(imported_names(extract("svc/users.py", source), "svc.users"))
    assert names == {"svc.client", "svc.client.f"}
    # `..outside` climbs above the top package: it names nothing, as in the repository index


def test_a_top_level_file_relative_import_is_its_sibling_module() -> None:
    names = set(imported_names(extract("tool.py", "from .helpers import run\n"), "tool"))
    assert names == {"helpers", "helpers.run"}


def test_a_dotted_import_reads_attribute_chains_from_its_top_package() -> None:
    source = "import svc.db\n\n\ndef load():\n    return svc.db.query()\n"
    names = set(imported_names(extract("app/views.py", source), "app.views"))
    assert "svc.db.query" in names and "svc.db.db.query" not in names
