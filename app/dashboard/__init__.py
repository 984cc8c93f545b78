"""The dashboard: org pages for members, signed in with GitHub, and the same data as a JSON API.

`register()` is called by `create_app()` only when GITHUB_OAUTH_CLIENT_ID is set, so a
receiver without the dashboard loads none of this (no SQLAlchemy, no templates) and
its webhook path does no extra work either way: every hook here is blueprint-scoped.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from prguard.config import Settings


def register(
    flask_app: Flask,
    settings: Settings,
    *,
    engine: Any = None,
    github: Any = None,
    clock: Any = None,
) -> None:
    """Mount the pages and the API; `engine`, `github` and `clock` are for tests."""
    from prguard.app.dashboard.api import api_blueprint
    from prguard.app.dashboard.context import Dashboard
    from prguard.app.dashboard.pages import pages_blueprint

    dashboard = Dashboard.build(settings, engine=engine, github=github, clock=clock)
    flask_app.extensions["prguard_dashboard"] = dashboard
    flask_app.register_blueprint(pages_blueprint(dashboard))
    flask_app.register_blueprint(api_blueprint(dashboard))
