"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, for tests marked `browser`.

Screenshots go to test-output/screenshots/ so a person can look at what the pages show.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from minqing.core.tests.factories import PASSWORD

CHROMIUM = os.environ.get("MINQING_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[3] / "test-output" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}; CI must run the browser tests (make browser installs it)"
        )
    pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium); browser tests skipped")


@pytest.fixture
def browser_page(live_server, monkeypatch) -> Iterator[object]:
    """A fresh phone-sized page (390×844, zh-CN) against the live server."""
    executable = chromium_or_skip()
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN", accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url
        try:
            yield page
        finally:
            context.close()
            browser.close()


def shot(page: object, name: str) -> Path:
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: object, username: str, password: str = PASSWORD) -> None:
    """Log in as `username`, whoever was logged in before. The current page is left first: a request it fired on
    load (htmx) may still be answered, and as sessions are saved on every request its Set-Cookie would log the
    previous user back in after the cookies were cleared — the login page then redirects them home."""
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")
