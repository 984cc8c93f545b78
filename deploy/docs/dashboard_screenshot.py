"""Regenerate docs/images/dashboard-org.png: the org page of the dashboard, signed in through the fake GitHub.

    .venv/bin/python deploy/docs/dashboard_screenshot.py   # needs Debian's chromium and chromium-driver

It starts what the browser test starts (tests/dashboard_browser.py: the fake GitHub's
OAuth pages, a SQLite ledger seeded with the demo org, the web app on a local port),
signs in with headless Chromium and saves the org page.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "images" / "dashboard-org.png"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.dashboard_browser import browser_available, chromium, running_dashboard, sign_in

    if not browser_available():
        print("needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)")
        return 1
    with running_dashboard(history=True) as dashboard, chromium(width=1160, height=1500) as driver:
        sign_in(driver, dashboard, "/orgs/Acme")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1160, min(int(height) + 20, 2400))
        OUT.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(OUT))
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
