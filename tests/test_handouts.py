"""``workbook handouts`` without a browser: both language sites and their indexes written, a language
switch on every page, nothing fetched from the network, math and plots inline, widgets shown
statically, no solution code, bad input named."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from handout_audit import leaked, page_text, remote_sources, solution_snippets, write_demo_lecture

from workbook.cli import main
from workbook.handouts import HandoutError, build_handouts, widget_manager_dist

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("handouts")
    write_demo_lecture(folder / "notebooks")
    nbformat.write(nbformat.v4.new_notebook(), folder / "notebooks" / "scratch.ipynb")  # not NN_topic: skipped
    return folder, build_handouts(out=folder / "site", notebooks=folder / "notebooks")


def _links(page: Path) -> list[tuple[str, str]]:
    return [(a["href"], a.get_text().strip()) for a in BeautifulSoup(page.read_text(), "html.parser").find_all("a")]


def test_pages_written_and_listed_in_the_indexes(demo_site: tuple[Path, list[Path]]) -> None:
    folder, pages = demo_site
    site = folder / "site"
    assert [str(p.relative_to(site)) for p in pages] == ["en/00_demo.html", "en/index.html", "ko/00_demo.html",
                                                         "ko/index.html", "index.html"]
    assert all(p.stat().st_mode & 0o444 == 0o444 for p in pages)  # readable by a web server
    assert _links(site / "en" / "index.html") == [("../ko/index.html", "한국어"), ("00_demo.html", "Lecture 0 — Demo")]
    assert _links(site / "ko" / "index.html") == [("../en/index.html", "English"), ("00_demo.html", "Lecture 0 — Demo")]
    assert _links(site / "index.html") == [("en/index.html", "English"), ("ko/index.html", "한국어")]
    assert "강의 자료" in (site / "ko" / "index.html").read_text()


def test_every_page_links_to_its_twin_in_the_other_language(demo_site: tuple[Path, list[Path]]) -> None:
    folder, pages = demo_site
    for page in pages:
        if page.parent.name not in ("en", "ko"):
            continue
        other = "ko" if page.parent.name == "en" else "en"
        switch = BeautifulSoup(page.read_text(), "html.parser").select("nav a[hreflang]")
        assert [a["href"] for a in switch] == [f"../{other}/{page.name}"], page
        assert (page.parent / switch[0]["href"]).resolve().exists()
        assert f'<html lang="{page.parent.name}"' in page.read_text()


def test_the_korean_page_is_the_korean_edition(demo_site: tuple[Path, list[Path]]) -> None:
    folder, _ = demo_site
    text = page_text((folder / "site" / "ko" / "00_demo.html").read_text())
    assert "기본값으로 표시" in text and "shown here at its defaults" not in text
    assert "In [" not in text  # the template's English prompts are left out


def test_no_page_loads_anything_from_the_network(demo_site: tuple[Path, list[Path]]) -> None:
    _, pages = demo_site
    for page in pages:
        assert remote_sources(page.read_text()) == [], page


def test_remote_source_finder_sees_scripts_links_images_and_css() -> None:
    page = ("<script src='https://cdn.example/x.js'></script><link href='//cdn.example/a.css'>"
            "<img src='http://example/i.png'><style>@import 'https://example/f.css';</style>"
            "<img src='data:image/png;base64,AAAA'><script src='_static/local.js'></script>")
    assert remote_sources(page) == ["https://cdn.example/x.js", "//cdn.example/a.css", "http://example/i.png",
                                    "https://example/f.css"]


def test_math_plots_and_widgets_are_static(demo_site: tuple[Path, list[Path]]) -> None:
    folder, _ = demo_site
    page = (folder / "site" / "en" / "00_demo.html").read_text()
    soup = BeautifulSoup(page, "html.parser")
    assert [m.get("display") for m in soup.find_all("math")] == ["inline", "block"]
    assert "\\frac" not in page_text(page)  # the TeX source is not left for a CDN MathJax to typeset
    assert len([i for i in soup.find_all("img") if i["src"].startswith("data:image/png;base64,")]) == 1
    assert soup.find_all("script", type=WIDGET_VIEW) == []  # no widget needing a manager to show
    text = page_text(page)
    assert "FPR at 0.50: 0.50" in text  # the slider's output at its default value
    assert "shown here at its defaults: threshold = 0.5" in text


def test_papermill_parameter_cell_is_not_published(demo_site: tuple[Path, list[Path]]) -> None:
    folder, _ = demo_site
    for lang in ("en", "ko"):
        assert "# Parameters" not in page_text((folder / "site" / lang / "00_demo.html").read_text())


def test_solution_finder_catches_a_leak(tmp_path: Path) -> None:
    """The leak test below would be empty if the finder missed solution lines: show it finds them."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "def kappa(a, b):\n    ### BEGIN SOLUTION\n    from sklearn.metrics import cohen_kappa_score\n"
        "    return cohen_kappa_score(a, b)\n    ### END SOLUTION\n"
        "stage_of = {'raw': 'data'}  # SOLUTION\nx = 1")]
    nbformat.write(nb, tmp_path / "01_x.ipynb")
    snippets = solution_snippets(tmp_path)
    assert snippets == ["return cohen_kappa_score(a, b)", "stage_of = {'raw': 'data'}"]
    shown = "<pre><span>return</span> <span>cohen_kappa_score</span>(a,  b)</pre>"
    assert leaked(page_text(shown), snippets) == ["return cohen_kappa_score(a, b)"]


@pytest.mark.slow
def test_lecture_handouts_hold_no_solution_code(lecture_handouts: Path) -> None:
    snippets = solution_snippets(ROOT / "solutions")
    if not snippets:
        pytest.skip("no solution notebooks with solution markers in solutions/ yet")
    pages = sorted(lecture_handouts.glob("*/*.html"))
    assert len(pages) == 2 * (len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))) + 1)
    for page in pages:
        html = page.read_text()
        assert leaked(page_text(html), snippets) == [], page.name
        assert remote_sources(html) == [], page.name


def test_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(HandoutError, match=f"^{tmp_path / 'nope'}: no such folder"):
        build_handouts(out=tmp_path / "site", notebooks=tmp_path / "nope")


def test_folder_without_editions_is_named_by_the_cli(tmp_path: Path) -> None:
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "01_source.ipynb")  # a source, but no editions
    result = CliRunner().invoke(main, ["handouts", "--out", str(tmp_path / "site"), "--notebooks", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {tmp_path}: no lecture notebooks (NN_topic.ipynb) to publish in en/ "
                                     "(the en editions are made by `workbook assign`)")


def test_editions_that_differ_are_named(tmp_path: Path) -> None:
    for lang, name in (("en", "01_a.ipynb"), ("ko", "02_b.ipynb")):
        (tmp_path / lang).mkdir()
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / lang / name)
    with pytest.raises(HandoutError, match=f"^{tmp_path}: the editions differ .*run `workbook assign`"):
        build_handouts(out=tmp_path / "site", notebooks=tmp_path)


def test_one_language_alone_has_no_switch(tmp_path: Path) -> None:
    write_demo_lecture(tmp_path / "notebooks")
    pages = build_handouts(out=tmp_path / "site", notebooks=tmp_path / "notebooks", langs=("ko",))
    assert [str(p.relative_to(tmp_path / "site")) for p in pages] == ["ko/00_demo.html", "ko/index.html", "index.html"]
    assert "hreflang" not in pages[0].read_text()


def _broken(folder: Path, name: str, text: str | None = None) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    for lang in ("en", "ko"):
        (folder / lang).mkdir(exist_ok=True)
        if text is None:
            nbformat.write(nb, folder / lang / name)
        else:
            (folder / lang / name).write_text(text)


def test_failing_lecture_is_named_with_its_error(tmp_path: Path) -> None:
    _broken(tmp_path, "07_broken.ipynb")
    with pytest.raises(HandoutError, match=r"en/07_broken\.ipynb: failed while executing: ZeroDivisionError"):
        build_handouts(out=tmp_path / "site", notebooks=tmp_path)
    assert not (tmp_path / "site" / "index.html").exists()


def test_invalid_notebook_file_is_named(tmp_path: Path) -> None:
    _broken(tmp_path, "03_bad.ipynb", "{ not json")
    with pytest.raises(HandoutError, match=r"en/03_bad\.ipynb: "):
        build_handouts(out=tmp_path / "site", notebooks=tmp_path)


def _widget_manager_available() -> bool:
    return (ROOT / ".cache" / "npm" / "node_modules" / "@jupyter-widgets" / "html-manager").exists() \
        or shutil.which("npm") is not None


@pytest.mark.skipif(not _widget_manager_available(), reason="--live-widgets needs npm (or a cached html-manager)")
def test_live_widgets_embed_a_local_widget_manager(tmp_path: Path) -> None:
    write_demo_lecture(tmp_path / "notebooks")
    build_handouts(out=tmp_path / "site", notebooks=tmp_path / "notebooks", live_widgets=True,
                   npm_cache=ROOT / ".cache" / "npm")
    page = (tmp_path / "site" / "en" / "00_demo.html").read_text()
    soup = BeautifulSoup(page, "html.parser")
    assert [s["src"] for s in soup.find_all("script", src=True)] == ["../_static/html-manager/embed.js"]
    assert (tmp_path / "site" / "_static" / "html-manager" / "embed.js").exists()
    assert len(soup.find_all("script", type=WIDGET_VIEW)) >= 2
    assert remote_sources(page) == []
    assert widget_manager_dist(ROOT / ".cache" / "npm").name == "dist"


def test_cached_cell_rendering_gives_the_page_a_fresh_exporter_gives() -> None:
    """Pages of one batch share cells; the exporter caches a cell's rendering by its input. A page
    rendered from the cache equals one rendered cold, and a changed cell is rendered anew."""
    from workbook.handouts import offline_exporter, to_html

    def page(code: str) -> nbformat.NotebookNode:
        nb = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell("# Title\n\nSome *text* with $x^2$ and <b>bold</b>."),
            nbformat.v4.new_code_cell(code)])
        nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
        for n, cell in enumerate(nb.cells):
            cell.id = f"cell-{n}"
        return nb

    offline_exporter.cache_clear()
    cold = to_html(page("x = 1  # zqfirstmark"), lang="en")
    assert to_html(page("x = 1  # zqfirstmark"), lang="en") == cold
    changed = to_html(page("y = 2  # zqsecondmark"), lang="en")
    assert "zqsecondmark" in changed and "zqfirstmark" not in changed
    offline_exporter.cache_clear()
    assert to_html(page("y = 2  # zqsecondmark"), lang="en") == changed
