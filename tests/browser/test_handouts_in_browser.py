"""Every generated handout, in both languages, opened in Chromium with the network cut off, as a
learner opens a file.

Each page must load with no request leaving the machine (every non-file request is aborted and
counted), show every figure and every widget's default-state output statically, hold no solution
code, link to its twin in the other language, and pass an axe-core scan with no "serious" or
"critical" violation. On Korean pages Hangul must render in a real font, not as boxes (the browser
needs a Hangul font: Debian's fonts-noto-cjk). A full-page screenshot of each goes to
``test-artifacts/screenshots/handout-<lang>-*.png``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest
from handout_audit import hangul_missing, leaked, solution_snippets, write_demo_lecture

from workbook.handouts import build_handouts

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NPM_CACHE = ROOT / ".cache" / "npm"
AXE = NPM_CACHE / "node_modules" / "axe-core" / "axe.min.js"
LECTURES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LANGS = ("en", "ko")
LOCAL = ("file:", "data:", "blob:", "about:")
BLOCKING = ("serious", "critical")
DEFAULTS_NOTE = {"en": "shown here at its defaults", "ko": "기본값으로 표시"}


def _live_calls(notebook: Path) -> int:
    """How many ``live(...)`` widgets a lecture builds: each must show one static default output."""
    nb = nbformat.read(notebook, as_version=4)
    return sum(len(re.findall(r"\blive\(", c.source)) for c in nb.cells if c.cell_type == "code")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry, cached in ``.cache/npm`` (``.ci/run`` installs it)."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip(f"{AXE} is missing and npm is not installed to fetch axe-core")
        subprocess.run([npm, "install", "--prefix", str(NPM_CACHE), "--no-save", "--no-audit", "--no-fund",
                        "axe-core@4"], check=True, capture_output=True)
    return AXE.read_text()


class Offline:
    """A tab whose every non-local request is aborted and recorded."""

    def __init__(self, page: Any) -> None:
        self.page, self.blocked = page, []
        page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, path: Path) -> None:
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        self.page.wait_for_load_state("networkidle")


def _broken_images(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 60))")


def _axe_violations(page: Any, axe: str) -> list[str]:
    page.add_script_tag(content=axe)  # injected as text: the scan itself fetches nothing
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['target']}"
            for v in result["violations"] if v["impact"] in BLOCKING]


def _static_widget_outputs(page: Any, lang: str = "en") -> list[str]:
    """For each widget shown at its defaults, the text and image count of the output that follows the note."""
    return page.evaluate(
        """(note) => [...document.querySelectorAll('.jp-OutputArea-output')]
             .filter(o => o.innerText.includes(note))
             .map(o => {
               const child = o.closest('.jp-OutputArea-child');
               const next = child && child.nextElementSibling;
               if (!next) return '';
               return next.innerText.trim() + ' img:' + next.querySelectorAll('img, svg').length;
             })""", DEFAULTS_NOTE[lang])


def _switch(page: Any) -> list[str]:
    return page.eval_on_selector_all("nav a[hreflang]", "links => links.map(a => a.getAttribute('href'))")


def _audit(page: Any, path: Path, axe: str, screenshot: Path, lang: str = "en") -> Offline:
    tab = Offline(page)
    tab.open(path)
    page.screenshot(path=str(screenshot), full_page=True)
    assert tab.blocked == [], f"{path.name} tried the network: {tab.blocked}"
    assert page.evaluate("document.documentElement.lang") == lang
    if lang == "ko":
        assert hangul_missing(page) == "", f"{path}: {hangul_missing(page)}"
    assert page.title(), f"{path.name} has no title"
    assert _broken_images(page) == [], f"{path.name}: figures that did not load"
    assert page.locator(".jupyter-widgets").count() == 0, f"{path.name}: a widget needing a widget manager"
    assert _axe_violations(page, axe) == [], f"{path.name}: accessibility violations"
    assert tab.blocked == [], f"{path.name} tried the network during the scan: {tab.blocked}"
    return tab


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo_lecture(folder / "notebooks")
    build_handouts(out=folder / "site", notebooks=folder / "notebooks")
    return folder / "site"


def test_demo_handout_offline(page: Any, demo_site: Path, axe_source: str, screenshots: Path) -> None:
    """The machinery on a small notebook of our own: math, a text widget and a figure widget."""
    _audit(page, demo_site / "en" / "00_demo.html", axe_source, screenshots / "handout-en-00_demo.png")
    assert page.locator("math").count() == 2
    assert page.eval_on_selector("math[display=block]", "m => m.getBoundingClientRect().height") > 10
    outputs = _static_widget_outputs(page)
    assert len(outputs) == 2
    assert outputs[0].startswith("'FPR at 0.50: 0.50'")
    assert outputs[1].endswith("img:1")
    assert _switch(page) == ["../ko/00_demo.html"]
    page.click("nav a[hreflang=ko]")  # the switch opens the Korean twin, offline too
    page.wait_for_load_state("load")
    assert page.url.endswith("/ko/00_demo.html") and page.evaluate("document.documentElement.lang") == "ko"


def test_hangul_check_fails_without_a_hangul_font(chromium_without_hangul: Any, chromium: Any, demo_site: Path) -> None:
    """The Hangul assertion means something: in a browser that has no Hangul font the same Korean page
    is caught (every syllable a box), while the test browser draws it."""
    bare = chromium_without_hangul.new_page()
    try:
        Offline(bare).open(demo_site / "ko" / "00_demo.html")
        assert "boxes" in hangul_missing(bare)
    finally:
        bare.close()
    tab = chromium.new_page()
    try:
        Offline(tab).open(demo_site / "ko" / "00_demo.html")
        assert hangul_missing(tab) == ""
    finally:
        tab.close()


def test_request_counter_sees_remote_requests(page: Any, tmp_path: Path) -> None:
    """The zero-request assertions above mean something: a page that fetches is caught."""
    (tmp_path / "fetching.html").write_text(
        "<!DOCTYPE html><html lang='en'><title>x</title><img alt='x' src='https://example.org/x.png'>"
        "<script src='http://127.0.0.1:9/x.js'></script></html>")
    tab = Offline(page)
    tab.open(tmp_path / "fetching.html")
    assert sorted(tab.blocked) == ["http://127.0.0.1:9/x.js", "https://example.org/x.png"]


def test_axe_scan_reports_serious_violations(page: Any, tmp_path: Path, axe_source: str) -> None:
    """The axe assertions mean something: an image without alt text and an unlabeled input are caught."""
    (tmp_path / "bad.html").write_text("<!DOCTYPE html><html><title>x</title><main>"
                                       "<img src='data:image/png;base64,iVBORw0KGgo='><input type='text'></main></html>")
    Offline(page).open(tmp_path / "bad.html")
    found = " ".join(_axe_violations(page, axe_source))
    assert "image-alt" in found and "label" in found


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("lecture", [p.stem for p in LECTURES] or ["(none yet)"])
def test_lecture_handout_offline(lecture: str, lang: str, page: Any, lecture_handouts: Path, axe_source: str,
                                 screenshots: Path) -> None:
    source = ROOT / "notebooks" / lang / f"{lecture}.ipynb"
    _audit(page, lecture_handouts / lang / f"{lecture}.html", axe_source, screenshots / f"handout-{lang}-{lecture}.png", lang)
    other = "ko" if lang == "en" else "en"
    assert _switch(page) == [f"../{other}/{lecture}.html"]
    outputs = _static_widget_outputs(page, lang)
    assert len(outputs) == _live_calls(source), f"{lecture}: not every widget shows its defaults statically"
    empty = [i for i, text in enumerate(outputs) if not text or text == "img:0"]
    assert empty == [], f"{lecture}: widgets {empty} show no default output"
    snippets = solution_snippets(ROOT / "solutions")
    assert leaked(page.inner_text("body"), snippets) == [], f"{lecture}: solution code in the handout"


@pytest.mark.parametrize("lang", LANGS)
def test_index_handout_offline(lang: str, page: Any, lecture_handouts: Path, axe_source: str, screenshots: Path) -> None:
    _audit(page, lecture_handouts / lang / "index.html", axe_source, screenshots / f"handout-{lang}-index.png", lang)
    hrefs = page.eval_on_selector_all("main a", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [f"{p.stem}.html" for p in LECTURES]
    assert _switch(page) == [f"../{'ko' if lang == 'en' else 'en'}/index.html"]


def test_root_index_offline(page: Any, lecture_handouts: Path, axe_source: str, screenshots: Path) -> None:
    _audit(page, lecture_handouts / "index.html", axe_source, screenshots / "handout-index.png")
    hrefs = page.eval_on_selector_all("main a", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["en/index.html", "ko/index.html"]
    assert hangul_missing(page) == ""  # the Korean link text renders


def test_live_widgets_render_offline(page: Any, tmp_path: Path, screenshots: Path) -> None:
    """``--live-widgets``: the embedded widget manager draws the controls from the saved widget state,
    with no network. (Without a kernel, moving a control does not recompute its output.)"""
    if shutil.which("npm") is None and not (NPM_CACHE / "node_modules" / "@jupyter-widgets").exists():
        pytest.skip("--live-widgets needs npm to fetch @jupyter-widgets/html-manager")
    write_demo_lecture(tmp_path / "notebooks")
    build_handouts(out=tmp_path / "site", notebooks=tmp_path / "notebooks", live_widgets=True, npm_cache=NPM_CACHE)
    tab = Offline(page)
    tab.open(tmp_path / "site" / "en" / "00_demo.html")
    page.locator(".widget-slider").first.wait_for(state="visible", timeout=15_000)
    page.screenshot(path=str(screenshots / "handout-00_demo-live-widgets.png"), full_page=True)
    assert tab.blocked == []
    assert page.locator(".widget-slider").count() >= 2
    assert page.locator(".workbook-live-output").first.inner_text().strip().startswith("FPR at 0.50: 0.50")
