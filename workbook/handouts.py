"""Build HTML handouts: execute each lecture notebook and convert it with nbconvert.

Only ``notebooks/`` (the lectures) is published: solutions never reach a learner's handout. Widgets are
replaced by their default-state output (the notebook runs in handout mode), images are inlined, and
cells tagged ``remove-cell`` / ``remove-input`` / ``hide-input`` follow the Jupyter Book convention.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from .assign import write_atomic
from .execute import execute_notebook

REMOVE_CELL = ("remove-cell", "workbook-stamp")
REMOVE_INPUT = ("remove-input", "hide-input")


def title_of(nb: Any, fallback: str) -> str:
    """The first Markdown heading of a notebook, or ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if match:
                return match.group(1).strip()
    return fallback


def to_html(nb: Any) -> str:
    """One self-contained HTML page for an executed notebook."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    remover = TagRemovePreprocessor(remove_cell_tags=REMOVE_CELL, remove_input_tags=REMOVE_INPUT)
    remover.enabled = True
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def index_page(pages: list[tuple[str, str]]) -> str:
    """The ``index.html`` listing every handout."""
    items = "\n".join(f'    <li><a href="{html.escape(href)}">{html.escape(title)}</a></li>' for href, title in pages)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>ML course workbook — handouts</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.5;color:#202124}a{color:#0b57d0}</style></head>\n<body>\n<main>\n"
        "<h1>ML course workbook — handouts</h1>\n<p>boostcamp AI Tech special lectures. "
        "Each page is a lecture notebook executed with its widgets at their default values.</p>\n"
        f"<ul>\n{items}\n</ul>\n</main>\n</body>\n</html>\n"
    )


def build_handouts(*, out: Path, notebooks: Path = Path("notebooks"), lang: str = "en") -> list[Path]:
    """Execute every ``notebooks/NN_*.ipynb`` in handout mode and write ``out/NN_*.html`` and
    ``out/index.html``; return the pages written. A failing notebook raises, naming the file."""
    sources = sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"{notebooks}: no lecture notebooks (NN_topic.ipynb) to publish")
    written, pages = [], []
    for source in sources:
        nb = execute_notebook(source, parameters={"lang": lang}, env={"WORKBOOK_HANDOUT": "1"})
        page = Path(out) / f"{source.stem}.html"
        write_atomic(page, to_html(nb))
        written.append(page)
        pages.append((page.name, title_of(nb, source.stem)))
    index = Path(out) / "index.html"
    write_atomic(index, index_page(pages))
    return written + [index]
