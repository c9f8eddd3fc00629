"""``workbook handouts`` without a browser: pages and index written, nothing fetched from the network,
math and plots inline, widgets shown statically, no solution code, bad input named."""

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


def test_pages_written_and_listed_in_the_index(demo_site: tuple[Path, list[Path]]) -> None:
    folder, pages = demo_site
    assert [p.name for p in pages] == ["00_demo.html", "index.html"]
    assert all(p.stat().st_mode & 0o444 == 0o444 for p in pages)  # readable by a web server
    links = BeautifulSoup((folder / "site" / "index.html").read_text(), "html.parser").find_all("a")
    assert [(a["href"], a.get_text()) for a in links] == [("00_demo.html", "Lecture 0 — Demo")]


def test_no_page_loads_anything_from_the_network(demo_site: tuple[Path, list[Path]]) -> None:
    _, pages = demo_site
    for page in pages:
        assert remote_sources(page.read_text()) == [], page.name


def test_remote_source_finder_sees_scripts_links_images_and_css() -> None:
    page = ("<script src='https://cdn.example/x.js'></script><link href='//cdn.example/a.css'>"
            "<img src='http://example/i.png'><style>@import 'https://example/f.css';</style>"
            "<img src='data:image/png;base64,AAAA'><script src='_static/local.js'></script>")
    assert remote_sources(page) == ["https://cdn.example/x.js", "//cdn.example/a.css", "http://example/i.png",
                                    "https://example/f.css"]


def test_math_plots_and_widgets_are_static(demo_site: tuple[Path, list[Path]]) -> None:
    folder, _ = demo_site
    page = (folder / "site" / "00_demo.html").read_text()
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
    assert "# Parameters" not in page_text((folder / "site" / "00_demo.html").read_text())


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
    pages = sorted(lecture_handouts.glob("*.html"))
    assert len(pages) == len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))) + 1
    for page in pages:
        html = page.read_text()
        assert leaked(page_text(html), snippets) == [], page.name
        assert remote_sources(html) == [], page.name


def test_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(HandoutError, match=f"^{tmp_path / 'nope'}: no such folder"):
        build_handouts(out=tmp_path / "site", notebooks=tmp_path / "nope")


def test_folder_without_lectures_is_named_by_the_cli(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["handouts", "--out", str(tmp_path / "site"), "--notebooks", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path}: no lecture notebooks (NN_topic.ipynb) to publish"


def test_failing_lecture_is_named_with_its_error(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(nb, tmp_path / "07_broken.ipynb")
    with pytest.raises(HandoutError, match=r"07_broken\.ipynb: failed while executing: ZeroDivisionError"):
        build_handouts(out=tmp_path / "site", notebooks=tmp_path)
    assert not (tmp_path / "site" / "index.html").exists()


def test_invalid_notebook_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "03_bad.ipynb").write_text("{ not json")
    with pytest.raises(HandoutError, match=r"03_bad\.ipynb: "):
        build_handouts(out=tmp_path / "site", notebooks=tmp_path)


def _widget_manager_available() -> bool:
    return (ROOT / ".cache" / "npm" / "node_modules" / "@jupyter-widgets" / "html-manager").exists() \
        or shutil.which("npm") is not None


@pytest.mark.skipif(not _widget_manager_available(), reason="--live-widgets needs npm (or a cached html-manager)")
def test_live_widgets_embed_a_local_widget_manager(tmp_path: Path) -> None:
    write_demo_lecture(tmp_path / "notebooks")
    build_handouts(out=tmp_path / "site", notebooks=tmp_path / "notebooks", live_widgets=True,
                   npm_cache=ROOT / ".cache" / "npm")
    page = (tmp_path / "site" / "00_demo.html").read_text()
    soup = BeautifulSoup(page, "html.parser")
    assert [s["src"] for s in soup.find_all("script", src=True)] == ["_static/html-manager/embed.js"]
    assert (tmp_path / "site" / "_static" / "html-manager" / "embed.js").exists()
    assert len(soup.find_all("script", type=WIDGET_VIEW)) >= 2
    assert remote_sources(page) == []
    assert widget_manager_dist(ROOT / ".cache" / "npm").name == "dist"
