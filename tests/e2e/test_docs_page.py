"""/docs in a real browser (Debian's chromium, headless): Swagger UI renders every operation
from files the API serves itself (no CDN), and "Try it out" calls the running API, in
development as make run starts it (no key needed from this machine)."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Literal

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from harness.processes import Process
from tests.fixtures.processes import DEV_KEY

pytestmark = pytest.mark.slow
BROWSER, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
OPERATIONS = ["topup", "bonus", "spend", "batch", "getRequest", "getBalance", "getHistory"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    if not (os.path.exists(BROWSER) and os.path.exists(DRIVER)) and not _install():
        pytest.skip("chromium and chromium-driver are missing and could not be installed")
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    # Chromium's profile and its singleton socket's folder go to a temporary directory of
    # the test run's, not /tmp.
    scratch = tmp_path_factory.mktemp("chromium")
    options.add_argument(f"--user-data-dir={scratch / 'profile'}")
    service = Service(DRIVER, env={**os.environ, "TMPDIR": str(scratch)})
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def _install() -> bool:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"]
    if subprocess.run(install, env=env, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        return subprocess.run(install, env=env, capture_output=True).returncode == 0
    return True


def wait_for(browser: WebDriver, css: str, count: int = 1) -> list[WebElement]:
    def found(driver: WebDriver) -> list[WebElement] | Literal[False]:
        elements = driver.find_elements(By.CSS_SELECTOR, css)
        return elements if len(elements) >= count else False

    elements: list[WebElement] = WebDriverWait(browser, 30).until(found)
    return elements


def try_it_out(browser: WebDriver, operation_id: str) -> tuple[str, str]:
    """Open an operation, press Try it out then Execute with its example; the answer."""
    block = f"#operations-default-{operation_id}"
    wait_for(browser, f"{block} .opblock-summary")[0].click()
    wait_for(browser, f"{block} .try-out__btn")[0].click()
    wait_for(browser, f"{block} .execute")[0].click()
    status = wait_for(browser, f"{block} .live-responses-table tr.response .response-col_status")[0]
    body = wait_for(browser, f"{block} .live-responses-table .microlight")[0]
    return status.text.split()[0], body.text


def test_the_docs_render_every_operation_from_the_apis_own_files(
    browser: WebDriver, development_api: tuple[str, int]
) -> None:
    url, _ = development_api
    browser.get(f"{url}/docs")
    wait_for(browser, ".opblock", count=len(OPERATIONS))
    for operation_id in OPERATIONS:
        assert browser.find_elements(By.CSS_SELECTOR, f"#operations-default-{operation_id}")
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert loaded and all(name.startswith(url) for name in loaded), loaded
    assert DEV_KEY in browser.find_element(By.CSS_SELECTOR, ".info").text


def test_try_it_out_calls_the_running_api_with_the_seed_examples(
    browser: WebDriver, development_api: tuple[str, int], worker: Process
) -> None:
    url, _ = development_api
    browser.get(f"{url}/docs")
    wait_for(browser, ".opblock", count=len(OPERATIONS))
    status, body = try_it_out(browser, "getBalance")
    assert status == "200" and '"accountNumber": "USR-001"' in body
    status, body = try_it_out(browser, "topup")
    assert status in ("200", "202") and '"idempotencyKey": "topup-1"' in body
