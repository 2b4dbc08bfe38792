"""Real headless Chromium (Debian's ``chromium`` + ``chromium-driver``) driven by Selenium, for end-to-end tests.

No browser download: Selenium is pointed at the system binaries, so the
tests run offline as the office box would be.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"


def chromium(download_dir: Path):
    """A headless Chromium that saves downloads in ``download_dir`` (skips when it is not installed)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # pragma: no cover - the test extras include selenium
        pytest.skip("selenium is not installed (pip install -e .[test])")
    if not CHROMIUM or not Path(CHROMEDRIVER).exists():
        pytest.skip("chromium/chromium-driver not installed (scripts/bootstrap.sh --test installs them)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-extensions", "--no-first-run",
                "--window-size=1280,1000", "--lang=id"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                           "download.prompt_for_download": False,
                                           "safebrowsing.enabled": False})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    driver.implicitly_wait(0)
    return driver


class Page:
    """Small verbs over a Selenium driver, named as a user would say them."""

    def __init__(self, driver, base: str):
        self.d = driver
        self.base = base.rstrip("/")

    def open(self, path: str) -> None:
        self.d.get(self.base + path)

    def css(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.d.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.d.find_elements(By.CSS_SELECTOR, selector)

    def type(self, selector: str, text: str, clear: bool = True) -> None:
        el = self.css(selector)
        if clear:
            el.clear()
        el.send_keys(text)

    def choose(self, selector: str, *, text: str | None = None, value: str | None = None) -> None:
        from selenium.webdriver.support.ui import Select

        sel = Select(self.css(selector))
        if text is not None:
            sel.select_by_visible_text(text)
        else:
            sel.select_by_value(value)

    def click(self, selector: str) -> None:
        self.css(selector).click()

    def click_text(self, text: str, tag: str = "*") -> None:
        """Click the first button or link whose visible text contains ``text``."""
        from selenium.webdriver.common.by import By

        el = self.d.find_element(By.XPATH, f"//{tag}[(self::button or self::a or self::input) and "
                                           f"contains(normalize-space(.), {_xpath_str(text)})]")
        el.click()

    @property
    def text(self) -> str:
        return self.css("body").text

    def wait_for(self, predicate, timeout: float = 20.0, what: str = "condition", every: float = 0.2):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except Exception as exc:  # noqa: BLE001 - elements come and go while the page updates
                last = exc
            time.sleep(every)
        raise AssertionError(f"timed out waiting for {what}; last: {last!r}\nURL {self.d.current_url}\n"
                             f"{self.text[:1500]}")

    def wait_text(self, text: str, timeout: float = 20.0) -> None:
        self.wait_for(lambda: text in self.text, timeout, f"text {text!r}")

    def accept_confirm(self) -> None:
        self.wait_for(lambda: self.d.switch_to.alert, 5, "a confirm dialog").accept()


def _xpath_str(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    return "concat('" + "', \"'\", '".join(text.split("'")) + "')"
