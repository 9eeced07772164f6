"""What the browser tests share: Debian's Chromium (never a downloaded browser; the `browser` and `live_server`
fixtures are in conftest), signing in through the real form, screenshots into test-artifacts/screenshots/."""

import os
import shutil
from pathlib import Path

import pytest

from .depth import DEEP

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "test-artifacts" / "screenshots"
if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("CI needs Debian's chromium for the browser tests: apt-get install -y chromium")
BROWSER_MARKS = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed: apt-get install chromium"),
    pytest.mark.real_clock,
]


def sign_in(browser, base, email):
    """A new desktop-sized page signed in as `email` through the sign-in form, on its start page."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def shot(page, name):
    """A full-page screenshot, test-artifacts/screenshots/<name>.png (not committed): in the deep tier, or when
    TRACKER_TEST_SCREENSHOTS=1 (each costs a few hundred milliseconds)."""
    if not (DEEP or os.environ.get("TRACKER_TEST_SCREENSHOTS")):
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
