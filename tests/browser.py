"""A real Streamlit server on the demo data, and headless Chromium to look at it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import CHROMIUM, ROOT, need

SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_etl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600, check=False)


@contextmanager
def streamlit_server(env: dict[str, str]) -> Iterator[str]:
    """Start ``dashboard/app.py`` on a free port; yield its URL; stop it."""
    port = free_port()
    log = (ROOT / "test-output")
    log.mkdir(exist_ok=True)
    with open(log / f"streamlit-{port}.log", "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.read() == b"ok":
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start; see test-output/streamlit-{port}.log")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def chromium() -> Iterator[object]:
    need(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def demo_site(data_dir: Path, **extra_env: str) -> Iterator[tuple[str, Path]]:
    """``python -m etl demo`` into ``data_dir`` (SQLite), then the app served on it: (url, data_dir)."""
    from tests.conftest import TODAY

    env = {"LEAD_DATA_DIR": str(data_dir), "LEAD_TODAY": TODAY,
           "LEAD_DATABASE_URL": f"sqlite:///{data_dir / 'lead.db'}", **extra_env}
    result = run_etl(env, "demo")
    assert result.returncode == 0, result.stderr
    with streamlit_server(env) as url:
        yield url, data_dir


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_until_settled(page, timeout: int = 30_000) -> None:
    """Wait until the app's script run has ended and no element of the run before is left on the page.

    While Streamlit reruns, the elements of the previous run stay (marked stale) until the new run
    replaces them, so a text on both sides of a rerun can be on the page twice for a moment.
    Call this after waiting for something only the new run shows (the run has begun by then)."""
    page.wait_for_function(
        """() => { const app = document.querySelector('[data-testid="stApp"]');
                   return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
                          && document.querySelector('[data-stale="true"]') === null; }""",
        timeout=timeout)


def sign_in(page, url: str, login: str, password: str | None = None) -> None:
    """Sign in through the real form, as a person would (demo password by default)."""
    from etl.demo import DEMO_PASSWORD

    page.goto(url)
    page.get_by_label("Login", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Signed in as").wait_for(timeout=30_000)
    wait_until_settled(page)
