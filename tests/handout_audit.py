"""What a handout must not contain, read from its HTML: remote sources and solution code; and, in a
browser, Hangul drawn as boxes.

Shared by ``tests/test_handouts.py`` (HTML parsed with BeautifulSoup) and the browser tests (the text
Chromium shows).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
from bs4 import BeautifulSoup

from workbook.assign import make_lecture
from workbook.markers import BEGIN, END, LINE

REMOTE = re.compile(r"^\s*(https?:)?//", re.I)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.I)
# Tags whose attribute makes the browser fetch something on load.
FETCHING = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "audio": "src",
            "video": "src", "embed": "src", "object": "data", "track": "src", "input": "src"}
MIN_SNIPPET = 16  # shorter solution lines ("return x", "pass") also occur in honest lecture code
# Imports inside a solution block give nothing away and are shared with lecture code; they are skipped.


def remote_sources(page: str) -> list[str]:
    """Every http(s) or protocol-relative URL that loading ``page`` would fetch (tags and CSS)."""
    soup = BeautifulSoup(page, "html.parser")
    found = [tag.get(attr, "") for name, attr in FETCHING.items() for tag in soup.find_all(name)]
    found += [tag.get("srcset", "") for tag in soup.find_all(["img", "source"])]
    css = [style.get_text() for style in soup.find_all("style")] + [t["style"] for t in soup.find_all(style=True)]
    found += [url for text in css for url in CSS_URL.findall(text)]
    return [url for url in found if url and REMOTE.match(url)]


# Whether Hangul renders: a Hangul string measured in the font of the element that shows Korean text,
# against the same number of code points no font has (U+10FFFD draws the missing-glyph box). With no
# Hangul font the two widths are equal: every syllable is a box. (document.fonts.check is no help: it
# answers true for a font that is not installed at all.)
HANGUL_PROBE = r"""() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT,
    {acceptNode: n => /[\uac00-\ud7a3]/.test(n.textContent) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP});
  const node = walker.nextNode();
  const element = node ? node.parentElement : document.body;
  const context = document.createElement('canvas').getContext('2d');
  context.font = '32px ' + getComputedStyle(element).fontFamily;
  return {found: !!node, hangul: context.measureText('가나다라마').width,
          boxes: context.measureText('\u{10FFFD}'.repeat(5)).width};
}"""
FONTS_PACKAGE = "fonts-noto-cjk"


def hangul_missing(page: Any) -> str:
    """Why Hangul on this page shows as boxes, or "" when it renders."""
    probe = page.evaluate(HANGUL_PROBE)
    if not probe["found"]:
        return "no Hangul text on the page"
    if abs(probe["hangul"] - probe["boxes"]) < 1:
        return f"Hangul is drawn as boxes (no Hangul font in the browser; install {FONTS_PACKAGE}): {probe}"
    return ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def solution_snippets(solutions: Path) -> list[str]:
    """The solution lines of every ``solutions/*.ipynb`` (inside BEGIN/END SOLUTION blocks, and the code
    of ``# SOLUTION`` lines), whitespace-squashed, at least ``MIN_SNIPPET`` characters long."""
    snippets: list[str] = []
    for path in sorted(Path(solutions).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            inside = False
            for line in cell.source.splitlines():
                if BEGIN.match(line) or END.match(line):
                    inside = BEGIN.match(line) is not None
                    continue
                single = LINE.match(line)
                code = line if inside else (single.group("code") if single else "")
                code = _squash(code)
                if len(code) >= MIN_SNIPPET and not code.startswith(("#", "import ", "from ")):
                    snippets.append(code)
    return sorted(set(snippets))


def leaked(text: str, snippets: list[str]) -> list[str]:
    """The snippets that occur in ``text`` (a page's visible text), whitespace-insensitively."""
    shown = _squash(text)
    return [s for s in snippets if s in shown]


def page_text(page: str) -> str:
    """The text a reader sees in an HTML page (scripts and styles left out)."""
    soup = BeautifulSoup(page, "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return soup.get_text("")  # no separator: highlighted code is split into many spans


def write_demo_lecture(folder: Path) -> Path:
    """A small lecture notebook in ``folder`` (and its ``en/`` and ``ko/`` editions) exercising what
    handouts must render offline: inline and display math, a ``live`` widget with text output and one
    with a figure."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('lang = "en"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Lecture 0 — Demo\n\nThe false positive rate (위양성률) "
                                      "$\\mathrm{FPR} = \\frac{FP}{FP+TN}$.\n\n$$\\sum_i x_i^2$$"),
        params,
        nbformat.v4.new_code_cell("from workbook import check, set_lang, t\nset_lang(lang)\n"
                                  "import ipywidgets as w\nimport matplotlib.pyplot as plt\n"
                                  "from workbook.widgets import live"),
        nbformat.v4.new_code_cell("def fpr_report(threshold):\n    return f'FPR at {threshold:.2f}: {1 - threshold:.2f}'\n\n"
                                  "_ = live(fpr_report, {'threshold': w.FloatSlider(value=0.5, min=0, max=1, step=0.05, "
                                  "description='threshold')}, caption='Threshold')"),
        nbformat.v4.new_code_cell("def line_plot(n):\n    fig, ax = plt.subplots(figsize=(3, 2))\n"
                                  "    ax.plot(range(n))\n    ax.set_title(f'{n} points')\n    return fig\n\n"
                                  "_ = live(line_plot, {'n': w.IntSlider(value=5, min=2, max=10, description='points')})"),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "00_demo.ipynb"
    nbformat.write(nb, path)
    for lang in ("en", "ko"):  # its editions, as `workbook assign` makes them
        (folder / lang).mkdir(exist_ok=True)
        nbformat.write(make_lecture(nb, path.name, lang), folder / lang / path.name)
    return path
