"""Fixtures for the real-browser tests: Debian's Chromium driven by Playwright, and JupyterLab started
the way ``make lab`` starts it (127.0.0.1, here on a free port with a random token), in English
(``EDITION=en``) and in Korean (the default edition). Korean pages need a Hangul font in the browser:
Debian's ``fonts-noto-cjk``.

Without ``/usr/bin/chromium`` every test marked ``browser`` is skipped and the run ends with one line
saying why. ``playwright install`` cannot download browsers here; the system Chromium is used instead.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("WORKBOOK_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# JupyterLab user settings for a quiet, fully rendered notebook: no news or update pop-ups, and every
# cell attached to the page (windowing would leave off-screen cells out of the DOM).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def why_no_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (install it with `apt-get install -y chromium`; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the python package playwright is not installed (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = why_no_browser()
    if reason:
        for item in items:
            if item.get_closest_marker("browser"):
                item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reason = why_no_browser()
    if reason:  # one visible line, whatever the -r options: a skipped browser suite is never silent
        terminalreporter.write_line(f"BROWSER TESTS SKIPPED: {reason}", yellow=True, bold=True)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """The session's one Playwright driver (a second one cannot run beside it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def chromium(playwright: Any) -> Iterator[Any]:
    """One headless Chromium with a fresh profile for the whole session (a browser context)."""
    profile = tempfile.mkdtemp(prefix="workbook-chromium-")
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True,
        viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(30_000)
    yield context
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium_without_hangul(playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Chromium that sees only the DejaVu fonts (a fontconfig of its own): the machine without a
    Hangul font, for showing that the font checks fail there."""
    folder = tmp_path_factory.mktemp("fontconfig")
    dejavu = next((d for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu") if Path(d).is_dir()), None)
    if dejavu is None:
        pytest.skip("no DejaVu fonts folder to build a font set without Hangul from")
    (folder / "fonts.conf").write_text(f"<?xml version='1.0'?>\n<fontconfig><dir>{dejavu}</dir>"
                                       f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>\n")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True,
                                         env={**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")})
    yield browser
    browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A new tab, closed after the test."""
    tab = chromium.new_page()
    yield tab
    tab.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer {url} within {timeout:.0f} s:\n{log.read_text()[-2000:]}")


class Lab:
    """A running JupyterLab: its base URL, token and the folder it serves."""

    def __init__(self, base: str, token: str, root: Path, edition: str = "en") -> None:
        self.base, self.token, self.root, self.edition = base, token, root, edition
        self.ui = LAB_UI[edition]

    def url(self, path: str) -> str:
        """The URL that opens ``path`` (relative to the served folder) in JupyterLab, alone in a fresh
        workspace (so tabs opened by earlier tests do not come back)."""
        workspace = secrets.token_hex(4)
        return f"{self.base}/lab/workspaces/{workspace}/tree/{path}?token={self.token}&reset"


# What the tests click and wait for, in the language JupyterLab shows (its Korean language pack).
LAB_UI = {"en": {"run": "Run", "run_all": "Run All Cells", "idle": "Idle"},
          "ko": {"run": "실행", "run_all": "모든 셀 실행", "idle": "대기"}}


def _lab(tmp_path_factory: pytest.TempPathFactory, edition: str) -> Iterator[Lab]:
    """JupyterLab as ``make lab EDITION=<edition>`` starts it (its locale setting written by
    ``make lab-settings``, the edition as the default URL), serving a copy of ``notebooks/`` and
    ``exercises/``: running cells in the browser autosaves outputs, which must never touch the
    committed notebooks."""
    if why_no_browser():
        pytest.skip(why_no_browser())
    root = tmp_path_factory.mktemp(f"lab-{edition}")
    for folder in ("notebooks", "exercises"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, root / folder)
    settings = root / ".lab-settings"
    subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "lab-settings", f"EDITION={edition}",
                    f"LAB_SETTINGS_DIR={settings}"], check=True, capture_output=True)
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTERLAB_WORKSPACES_DIR": str(root / ".lab-workspaces"), "MPLBACKEND": INLINE_BACKEND}
    command = [str(Path(sys.executable).with_name("jupyter")), "lab", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--ServerApp.root_dir={root}",
               f"--LabApp.default_url=/lab/tree/notebooks/{edition}", f"--LabApp.user_settings_dir={settings}",
               f"--IdentityProvider.token={token}", "--no-browser"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = root.parent / f"jupyter-lab-{edition}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{base}/api/status?token={token}", proc, log)
        yield Lab(base, token, root, edition)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab as ``make lab EDITION=en`` starts it (English)."""
    yield from _lab(tmp_path_factory, "en")


@pytest.fixture(scope="session")
def jupyter_lab_ko(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab as ``make lab`` starts it: the Korean edition, JupyterLab in Korean."""
    yield from _lab(tmp_path_factory, "ko")
