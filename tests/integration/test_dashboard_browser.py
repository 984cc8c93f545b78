"""The dashboard in headless Chromium: sign in through the fake GitHub, read the org page, follow a
pattern, be refused another org. Debian's chromium + chromium-driver; CI installs them."""

from __future__ import annotations

import pytest

from tests.dashboard_browser import browser_available, chromium, running_dashboard, sign_in
from tests.dashboard_helpers import TIMEOUT_PATTERN

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not browser_available(), reason="needs Debian's chromium and chromium-driver"),
]


def test_sign_in_read_the_org_follow_a_pattern_and_be_refused_another_org(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    with running_dashboard() as dashboard, chromium() as driver:
        sign_in(driver, dashboard, "/orgs/acme")
        assert driver.current_url == dashboard.url + "/orgs/acme"
        assert driver.find_element(By.TAG_NAME, "h1").text == "acme"
        chart = driver.find_element(By.CSS_SELECTOR, "svg.chart")
        assert chart.get_attribute("aria-label").startswith("Findings introduced per week")
        assert chart.size["height"] > 100 and chart.size["width"] > 300  # drawn, not an empty box
        bars = driver.find_elements(By.CSS_SELECTOR, "svg.chart rect[fill]")
        assert len(bars) >= 4
        rows = driver.find_elements(By.CSS_SELECTOR, "table.patterns tbody tr")
        assert "HTTP call without a timeout" in rows[0].text and "PG-TIMEOUT001" in rows[0].text
        driver.save_screenshot(str(tmp_path / "org.png"))
        assert (tmp_path / "org.png").stat().st_size > 10_000

        rows[0].find_element(By.TAG_NAME, "a").click()
        WebDriverWait(driver, 20).until(lambda d: "/patterns/" in d.current_url)
        assert driver.current_url == f"{dashboard.url}/orgs/acme/patterns/{TIMEOUT_PATTERN}"
        occurrences = driver.find_elements(By.CSS_SELECTOR, "table.occurrences tbody tr")
        assert len(occurrences) == 3
        links = {row.find_element(By.TAG_NAME, "a").text for row in occurrences}
        assert links == {"Acme/api#11", "Acme/api#12", "Acme/web#4"}
        agents = {row.find_elements(By.TAG_NAME, "td")[2].text for row in occurrences}
        assert agents == {"devin", "copilot"}

        driver.get(dashboard.url + "/orgs/other")
        assert "Not Found" in driver.title or "Not Found" in driver.page_source
        assert "secret-project" not in driver.page_source

        driver.get(dashboard.url + "/orgs/acme")
        driver.find_element(By.CSS_SELECTOR, "header form button").click()  # sign out (CSRF form)
        WebDriverWait(driver, 10).until(lambda d: d.current_url == dashboard.url + "/")
        assert "Sign in with GitHub" in driver.page_source
        driver.get(dashboard.url + "/orgs/acme")
        assert driver.current_url.startswith(dashboard.fake.url + "/login/oauth/authorize")
    # the browser asks the fake GitHub's consent page for a favicon, which the fake does not serve
    assert [f for f in dashboard.fake.validation_failures if f.path != "/favicon.ico"] == []
