"""Refresh the README screenshots from a running demo (`make run`), in Debian's headless Chromium.

.venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from minqing.core.tests.browser import ARGS, CHROMIUM

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="zh-CN")
        page.goto(BASE + "/accounts/login/")
        page.fill("#id_username", "officer")
        page.fill("#id_password", "Minqing@2026")
        page.click("button[type=submit]")
        page.wait_for_url(BASE + "/")
        page.screenshot(path=str(OUT / "home.png"))
        page.goto(BASE + "/households/?feud=1")
        page.click("table tbody tr >> nth=0 >> a")
        page.wait_for_selector("#members")
        page.screenshot(path=str(OUT / "household.png"), full_page=True)
        page.goto(BASE + "/petitions/")
        page.screenshot(path=str(OUT / "petitions.png"))
        page.goto(BASE + "/petitions/?status=closed")
        page.click("table tbody tr >> nth=0 >> td >> nth=1 >> a")
        page.wait_for_selector(".timeline")
        page.screenshot(path=str(OUT / "petition.png"), full_page=True)
        page.goto(BASE + "/petitions/report/")
        page.screenshot(path=str(OUT / "report.png"))
        page.set_viewport_size({"width": 390, "height": 700})
        page.goto(BASE + "/p/submit/")
        page.screenshot(path=str(OUT / "public-submit.png"), full_page=True)
        page.goto(BASE + "/households/search/?q=zjg")
        page.screenshot(path=str(OUT / "search.png"))
        page.goto(BASE + "/households/import/")
        page.screenshot(path=str(OUT / "import.png"), full_page=True)
        browser.close()
    print(f"screenshots written to {OUT}")


if __name__ == "__main__":
    main()
