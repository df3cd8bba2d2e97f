"""The production server (`kamerzoek serve`, gunicorn) in a subprocess, for browser, hostile and load tests."""
from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

SERVING = re.compile(r"Kamerzoek op http://[^:]+:(\d+)/")


class LiveServer:
    """`kamerzoek serve --port 0` on 127.0.0.1; the port is read from the server's log line."""

    def __init__(self, exe: str, index_dir: Path, log_path: Path, env: dict | None = None,
                 args: tuple = ()):
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [exe, "serve", "--index", str(index_dir), "--host", "127.0.0.1", "--port", "0", *args],
            stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        self.port = self._wait_for_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_until_answering()

    def _wait_for_port(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = SERVING.search(self.log())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                raise RuntimeError(f"kamerzoek serve exited with {self.process.returncode}:\n{self.log()}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"kamerzoek serve did not start within {timeout} s:\n{self.log()}")

    def _wait_until_answering(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/help", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def require_chromium() -> None:
    """Skip when Debian's Chromium or Playwright is missing; under CI=true that is a failure."""
    import pytest
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium; `make test` installs it as root)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install -e '.[test]')"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run under CI: {problem}")
        pytest.skip(f"browser tests skipped: {problem}")


def launch_chromium(playwright):
    """Debian's headless Chromium (a downloaded browser is never used)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def submit_query(page, base_url: str, q: str) -> None:
    """From the start page: the query in the box, Enter, and wait for the results' count."""
    page.goto(base_url + "/")
    box = page.locator("#q")
    box.fill(q)
    box.press("Enter")
    page.wait_for_url(lambda url: "q=" in url)
    page.locator("#count").wait_for()
