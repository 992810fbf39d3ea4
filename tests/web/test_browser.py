"""End to end in headless Chromium: analyse the seeds through the form, inspect the story page,
and check that hostile article HTML is shown as text and runs nothing.

Needs Debian's chromium (installed by scripts/test-setup.sh); Playwright drives it, no browser
download. A screenshot of the story page is saved to test-artifacts/story.png.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TOKEN = "browser-token"
CHROME_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
EVIL = (
    "Bericht über einen Angriff im Netz. <script>alert(1)</script> Außerdem ein Bild "
    "<img src=x onerror=alert(1)> und ein Link <a href=\"javascript:alert(1)\">hier klicken</a>. "
) * 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (run scripts/test-setup.sh as root)")
    import uvicorn

    from quellenlage.settings import load_settings
    from quellenlage.web.app import create_app

    settings = load_settings(db=str(tmp_path_factory.mktemp("browser") / "b.db"), api_token=TOKEN)
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield b
        b.close()


def test_analyse_seeds_through_the_form_and_see_the_conflict(server, browser, seed_paths):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/")
    page.set_input_files("#files", [str(p) for p in seed_paths])
    page.fill("#token", TOKEN)
    page.set_default_navigation_timeout(180_000)
    # Record (in sessionStorage, which survives the navigation) that the progress note was shown
    # while the server worked; checking visibility after the click would race a fast analysis.
    page.evaluate(
        """() => { const p = document.getElementById('progress');
                   new MutationObserver(() => { if (!p.hidden) sessionStorage.setItem('progressShown', '1'); })
                     .observe(p, {attributes: true}); }"""
    )
    page.click("#analyse-button", no_wait_after=True)
    page.wait_for_url("**/stories/*", timeout=180_000)
    assert page.evaluate("sessionStorage.getItem('progressShown')") == "1"

    sides = page.locator(".conflict-side")
    texts = sides.all_inner_texts()
    assert "legitime Kampfziele" in texts and "legitime militärische Ziele" in texts
    assert page.locator(".conflict-side", has_text="legitime militärische Ziele").first.is_visible()
    # both sides are also highlighted inside the article texts
    in_articles = page.locator(".article-text .conflict").all_inner_texts()
    assert any("Kampfziele" in t for t in in_articles) and any("militärische Ziele" in t for t in in_articles)
    # selecting a corroborated claim highlights its counterpart in the other article
    claim = page.locator(".article-text .claim-corroborated[data-group]").first
    claim.click()
    group = claim.get_attribute("data-group")
    highlighted = page.locator(f'.article-text .hl[data-group="{group}"]')
    aids = {highlighted.nth(i).get_attribute("data-aid") for i in range(highlighted.count())}
    assert len(aids) == 2
    assert page.get_by_role("heading", name="Wer ist Maria Sacharowa?").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "story.png"), full_page=False)
    assert not errors, errors
    page.close()


def test_hostile_article_is_shown_as_text_and_runs_nothing(server, browser):
    response = httpx.post(f"{server}/api/analyze", json={"texts": [EVIL]},
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=180)
    assert response.status_code == 201, response.text
    key = response.json()["key"]
    article_id = response.json()["story"]["story"]["articles"][0]["id"]
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in (f"/stories/{key}", f"/articles/{article_id}"):
        page_response = page.goto(f"{server}{path}")
        assert "script-src 'self'" in page_response.headers["content-security-policy"]
        assert page.get_by_text("<script>alert(1)</script>").first.is_visible()
        assert page.locator("img[src=x]").count() == 0
        assert page.locator("a[href^='javascript:']").count() == 0
        links = page.get_by_text("hier klicken")
        if links.count():
            links.first.click()
        page.wait_for_timeout(300)
    assert dialogs == []
    page.close()


def test_screenshot_is_kept_for_the_readme():
    """Copies the story screenshot to docs/ when asked (QUELLENLAGE_UPDATE_SCREENSHOT=1)."""
    import os

    shot = ARTIFACTS / "story.png"
    if os.environ.get("QUELLENLAGE_UPDATE_SCREENSHOT") != "1":
        pytest.skip("set QUELLENLAGE_UPDATE_SCREENSHOT=1 to refresh docs/screenshot-story.png")
    assert shot.exists()
    docs = Path(__file__).resolve().parents[2] / "docs"
    docs.mkdir(exist_ok=True)
    shutil.copy(shot, docs / "screenshot-story.png")
