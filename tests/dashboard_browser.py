"""A real dashboard for a real browser: the fake GitHub, a seeded SQLite ledger, the web app on a port,
and headless Debian Chromium driven by Selenium through /usr/bin/chromedriver.

Nothing downloads a browser: the driver and browser paths are given explicitly and
SE_OFFLINE stops Selenium Manager from reaching the network.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from prguard.app import create_app
from werkzeug.serving import make_server

from tests.dashboard_helpers import CLIENT_ID, CLIENT_SECRET, dashboard_settings, seed_demo, sqlite_engine
from tests.fake_github.oauth import FakeOAuth, oauth_of
from tests.fake_github.server import FakeGitHub

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"


def browser_available() -> bool:
    return Path(CHROMEDRIVER).exists() and Path(CHROMIUM).exists()


@dataclass
class RunningDashboard:
    url: str  # http://localhost:PORT (Chromium accepts Secure cookies from localhost over http)
    fake: FakeGitHub
    oauth: FakeOAuth


@contextmanager
def running_dashboard(*, history: bool = False) -> Iterator[RunningDashboard]:
    """`history` adds twelve weeks of pull requests to the demo org (for the documentation's picture)."""
    workdir = Path(tempfile.mkdtemp(prefix="prguard-dashboard-"))
    fake = FakeGitHub().start()
    engine = sqlite_engine(str(workdir / "ledger.sqlite3"))
    server = None
    try:
        seed_demo(engine, history=history)
        oauth = oauth_of(fake)
        oauth.configure(CLIENT_ID, CLIENT_SECRET)
        oauth.add_user("alice", {"Acme": "active"})
        oauth.sign_in("alice")
        app = create_app(
            dashboard_settings(fake.url), redis_client=redis.Redis(), dashboard={"engine": engine}
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, name="dashboard", daemon=True).start()
        yield RunningDashboard(f"http://localhost:{server.server_port}", fake, oauth)
    finally:
        if server is not None:
            server.shutdown()
        fake.stop()
        engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def chromium(width: int = 1200, height: int = 1400) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def sign_in(driver: Any, dashboard: RunningDashboard, path: str = "/orgs/acme") -> None:
    """Open a dashboard page, get sent to the fake GitHub's consent page, press Authorize."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    driver.get(dashboard.url + path)
    assert driver.current_url.startswith(dashboard.fake.url + "/login/oauth/authorize"), driver.current_url
    assert driver.find_element(By.ID, "login").text == "alice"
    driver.find_element(By.ID, "authorize").click()
    # a click does not wait for the navigation it starts: wait until the browser is back on the page
    WebDriverWait(driver, 20).until(lambda d: d.current_url == dashboard.url + path)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
