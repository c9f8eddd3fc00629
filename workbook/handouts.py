"""Build HTML handouts in both languages: execute each lecture edition and convert it with nbconvert.

``notebooks/en/`` and ``notebooks/ko/`` (the editions ``workbook assign`` makes of the lectures) become
``site/en/`` and ``site/ko/``: one page per lecture and an index each, every page with a link to the
same page in the other language, and a root ``site/index.html`` to choose the language. Only the
lectures are published: solutions never reach a learner's handout. Widgets are
replaced by their default-state output (the notebook runs in handout mode), images are inlined, and
cells tagged ``remove-cell`` / ``remove-input`` / ``hide-input`` follow the Jupyter Book convention.

A page needs no network: the ``lab`` template's CSS is inlined, its CDN scripts (require.js, MathJax,
mermaid) are left out, and LaTeX in Markdown is turned into MathML at build time, which browsers draw
natively. With ``live_widgets`` the notebook runs in normal mode instead, its widget state is embedded
and the widget manager of the npm package ``@jupyter-widgets/html-manager`` (fetched into a local cache
at build time, never committed) is copied beside the pages, so the controls render offline too.
"""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .atomic import write_atomic
from .editions import LANGS
from .execute import error_outputs, execute_notebook
from .i18n import LANG_NAMES, msg

REMOVE_CELL = ("remove-cell", "workbook-stamp", "injected-parameters")  # papermill's copy of the parameters
REMOVE_INPUT = ("remove-input", "hide-input")
WIDGET_MANAGER = "@jupyter-widgets/html-manager@^1.0"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
CACHED_CELLS = 4096  # rendered cells kept per exporter (a batch's pages share the release's cells)
WIDGET_ASSETS = "_static/html-manager"  # beside the pages, relative to ``out``

# The lab template without its CDN scripts; the widget manager only when asked for, from a local file.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}
{%- if resources.workbook_widget_script and "widgets" in nb.metadata -%}
<script defer src="{{ resources.workbook_widget_script }}"></script>
{%- endif -%}
{%- endblock jupyter_widgets -%}
{%- block body_header -%}
{{ super() }}
{%- if resources.workbook_switch -%}
<nav class="workbook-lang" aria-label="{{ resources.workbook_switch.label }}" style="text-align:right;padding:4px 16px;font-family:system-ui,sans-serif">
<a href="{{ resources.workbook_switch.href }}" hreflang="{{ resources.workbook_switch.lang }}" lang="{{ resources.workbook_switch.lang }}">{{ resources.workbook_switch.name }}</a>
</nav>
{%- endif -%}
{%- endblock body_header -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
<style type="text/css">
/* WCAG AA contrast (4.5:1 on the code background #f5f5f5) for the lab theme's lighter colours */
:root {
  --jp-mirror-editor-atom-color: #5c5cd6; --jp-mirror-editor-bracket-color: #6b6b52;
  --jp-mirror-editor-comment-color: #366b6b; --jp-mirror-editor-error-color: #d00000;
  --jp-mirror-editor-meta-color: #8f1bd6; --jp-mirror-editor-operator-color: #8f1bd6;
  --jp-mirror-editor-number-color: #007a00; --jp-mirror-editor-quote-color: #007a00;
  --jp-cell-inprompt-font-color: #2a6fab; --jp-cell-outprompt-font-color: #a94e33;
  --jp-cell-prompt-not-active-opacity: 1;
}
</style>
{%- endblock html_head_css -%}
"""


class HandoutError(Exception):
    """A handout cannot be built; the message names the file or folder and the problem."""


def title_of(nb: Any, fallback: str) -> str:
    """The first Markdown heading of a notebook, or ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if match:
                return match.group(1).strip()
    return fallback


def tex_to_mathml(tex: str, *, display: bool) -> str:
    """MathML for a LaTeX formula; the escaped source in ``<code>`` when it cannot be converted."""
    from latex2mathml.converter import convert

    try:
        return convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises many types on unsupported TeX; the page must still build
        return f"<code class='workbook-tex'>{html.escape(tex)}</code>"


@functools.lru_cache(maxsize=None)
def offline_exporter(lang: str) -> Any:
    """An nbconvert HTML exporter that writes pages needing no network (built once per language:
    loading its templates costs about a second)."""
    from jinja2 import DictLoader, pass_context
    from nbconvert import HTMLExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    from nbconvert.preprocessors import TagRemovePreprocessor

    class MathMLRenderer(IPythonRenderer):
        """Markdown math as MathML instead of ``$...$`` left for MathJax."""

        def block_math(self, body: str) -> str:
            return tex_to_mathml(body, display=True)

        def inline_math(self, body: str) -> str:
            return tex_to_mathml(body, display=False)

        def latex_environment(self, name: str, body: str) -> str:
            return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

        def task_list_item(self, text: str, checked: bool = False) -> str:
            """A read-only checkbox wrapped in a label with its text, so screen readers name it."""
            box = f"<input class='task-list-item-checkbox' type='checkbox' disabled{' checked' if checked else ''}>"
            inner = text[3:-4] if text.startswith("<p>") and text.endswith("</p>") else text
            return f"<li class='task-list-item'><label>{box} {inner}</label></li>\n"

    class OfflineHTMLExporter(HTMLExporter):
        """The pages of one batch share most cells (every learner's copy of the release): the pure
        steps of rendering a cell (Markdown, sanitising, highlighting) are cached by their input."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._markdown: dict[tuple[str, str], str] = {}
            self._highlighters: dict[str | None, Any] = {}

        def default_filters(self) -> Any:
            for name, function in super().default_filters():
                yield name, (functools.lru_cache(maxsize=CACHED_CELLS)(function) if name == "clean_html" else function)

        @pass_context  # jinja hands the template context (the cell, its attachments) to the filter
        def markdown2html(self, context: Any, source: str) -> str:
            cell = context.get("cell", {})
            path = context.get("resources", {}).get("metadata", {}).get("path", "")
            # an image may be read from disk (embed_images): such cells are rendered each time
            pure = not cell.get("attachments") and "![" not in source and "<img" not in source.lower()
            if pure and (source, path) in self._markdown:
                return self._markdown[(source, path)]
            renderer = MathMLRenderer(
                escape=False, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
                path=path, anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links,
            )
            html_text = MarkdownWithMath(renderer=renderer).render(source)
            if pure:
                if len(self._markdown) >= CACHED_CELLS:
                    self._markdown.clear()
                self._markdown[(source, path)] = html_text
            return html_text

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> Any:
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            if lexer not in self._highlighters:  # one cached highlighter per lexer
                self._highlighters[lexer] = CachedHighlight(pygments_lexer=lexer, parent=self)
            self.filters = {**self.filters, "highlight_code": self._highlighters[lexer]}
            return super().from_notebook_node(nb, resources, **kw)

    class CachedHighlight(Highlight2HTML):
        @functools.lru_cache(maxsize=CACHED_CELLS)  # noqa: B019 - one instance per lexer, for the process's life
        def _highlight(self, source: str, language: str | None, metadata: str) -> str:
            return super().__call__(source, language, json.loads(metadata))

        def __call__(self, source: str, language: str | None = None, metadata: Any = None) -> str:
            return self._highlight(source, language, json.dumps(metadata or {}, sort_keys=True, default=str))

    exporter = OfflineHTMLExporter(
        template_name="lab", template_file="workbook_handout.html.j2", embed_images=True,
        extra_loaders=[DictLoader({"workbook_handout.html.j2": _TEMPLATE})], language_code=lang,
        # The template's prompts read "In [n]:" / "Out [n]:": left out of pages in another language.
        exclude_input_prompt=lang != "en", exclude_output_prompt=lang != "en",
    )
    remover = TagRemovePreprocessor(remove_cell_tags=REMOVE_CELL, remove_input_tags=REMOVE_INPUT)
    remover.enabled = True
    exporter.register_preprocessor(remover, enabled=True)
    return exporter


def other_lang(lang: str) -> str:
    """The other language of the two."""
    return next(other for other in LANGS if other != lang)


def language_switch(href: str, lang: str) -> dict[str, str]:
    """The link to the same page in ``lang``, as the page template takes it."""
    return {"href": href, "lang": lang, "name": LANG_NAMES[lang], "label": LANG_NAMES[lang]}


def to_html(nb: Any, *, lang: str = "en", widget_script: str | None = None,
            switch: dict[str, str] | None = None) -> str:
    """One self-contained HTML page for an executed notebook. ``widget_script`` is the (relative) URL
    of a widget manager to load when the notebook holds widget state; None leaves widgets out.
    ``switch`` (see :func:`language_switch`) adds a link to the page in the other language."""
    exporter = offline_exporter(lang)
    body, _ = exporter.from_notebook_node(nb, resources={"workbook_widget_script": widget_script,
                                                         "workbook_switch": switch})
    return body


_INDEX = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#202124}
a{color:#0b57d0}nav{text-align:right}</style></head>
<body>
{% if switch %}<nav aria-label="{{ switch.label }}"><a href="{{ switch.href }}" hreflang="{{ switch.lang }}" lang="{{ switch.lang }}">{{ switch.name }}</a></nav>
{% endif %}<main>
<h1>{{ title }}</h1>
<p>{{ intro }}</p>
<ul>
{% for href, text, item_lang in pages %}    <li><a href="{{ href }}"{% if item_lang %} hreflang="{{ item_lang }}" lang="{{ item_lang }}"{% endif %}>{{ text }}</a></li>
{% endfor %}</ul>
</main>
</body>
</html>
"""


def _index(lang: str, title: str, intro: str, pages: list[tuple[str, str, str]], switch: dict[str, str] | None) -> str:
    from jinja2 import Environment

    template = Environment(autoescape=True, keep_trailing_newline=True).from_string(_INDEX)
    return template.render(lang=lang, title=title, intro=intro, pages=pages, switch=switch)


def index_page(pages: list[tuple[str, str]], lang: str = "en", switch: dict[str, str] | None = None) -> str:
    """A language's ``index.html`` listing every handout (``(href, title)``), in that language."""
    return _index(lang, msg("handouts_title", lang), msg("handouts_intro", lang),
                  [(href, title, "") for href, title in pages], switch)


def root_index(langs: tuple[str, ...] = LANGS) -> str:
    """The site's ``index.html``: one link per language edition, each in its own language."""
    title = " / ".join(msg("handouts_title", lang) for lang in langs)
    intro = " / ".join(msg("languages_intro", lang) for lang in langs)
    return _index(langs[0], title, intro, [(f"{lang}/index.html", LANG_NAMES[lang], lang) for lang in langs], None)


def widget_manager_dist(cache: Path) -> Path:
    """The ``dist/`` folder of the npm package ``@jupyter-widgets/html-manager``, installed into
    ``cache`` with npm on first use (a build-time download from the registry; nothing is committed)."""
    dist = Path(cache) / "node_modules" / "@jupyter-widgets" / "html-manager" / "dist"
    if (dist / "embed.js").exists():
        return dist
    npm = shutil.which("npm")
    if npm is None:
        raise HandoutError(f"{cache}: --live-widgets needs the npm package {WIDGET_MANAGER}, and npm is not installed")
    Path(cache).mkdir(parents=True, exist_ok=True)
    run = subprocess.run([npm, "install", "--prefix", str(cache), "--no-save", "--no-audit", "--no-fund",
                          "--ignore-scripts", WIDGET_MANAGER], capture_output=True, text=True)
    if run.returncode != 0 or not (dist / "embed.js").exists():
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        raise HandoutError(f"{cache}: npm could not install {WIDGET_MANAGER}: {last}")
    return dist


def _execute(source: Path, lang: str, live_widgets: bool) -> Any:
    """Run one lecture notebook for its handout; errors name the file."""
    import nbformat

    # The inline backend whatever the caller set (MPLBACKEND=Agg would turn figures into "<Figure ...>").
    env = {"WORKBOOK_HANDOUT": "0" if live_widgets else "1", "MPLBACKEND": INLINE_BACKEND}
    try:
        nb = execute_notebook(source, parameters={"lang": lang}, env=env)
    except nbformat.reader.NotJSONError as err:
        raise HandoutError(f"{source}: not a notebook ({err})") from None
    except Exception as err:  # papermill's error text holds the traceback; keep the line that says what
        ename, evalue = getattr(err, "ename", type(err).__name__), getattr(err, "evalue", str(err))
        raise HandoutError(f"{source}: failed while executing: {ename}: {evalue}") from None
    errors = error_outputs(nb)
    if errors:
        raise HandoutError(f"{source}: shows an error output: {errors[0]}")
    return nb


def editions(notebooks: Path, langs: tuple[str, ...] = LANGS) -> dict[str, list[Path]]:
    """The lecture editions to publish, ``{lang: [notebooks/<lang>/NN_*.ipynb, ...]}``; raises
    :class:`HandoutError` naming the folder when one is missing or empty, or when the two languages
    do not hold the same lectures."""
    notebooks = Path(notebooks)
    if not notebooks.is_dir():
        raise HandoutError(f"{notebooks}: no such folder of lecture notebooks")
    found = {lang: sorted((notebooks / lang).glob("[0-9][0-9]_*.ipynb")) for lang in langs}
    for lang, sources in found.items():
        if not sources:
            raise HandoutError(f"{notebooks}: no lecture notebooks (NN_topic.ipynb) to publish in {lang}/ "
                               f"(the {lang} editions are made by `workbook assign`)")
    names = {lang: [p.name for p in sources] for lang, sources in found.items()}
    if len({tuple(n) for n in names.values()}) > 1:
        raise HandoutError(f"{notebooks}: the editions differ ({'; '.join(f'{k}: {v}' for k, v in names.items())}); "
                           "run `workbook assign`")
    return found


def build_handouts(*, out: Path, notebooks: Path = Path("notebooks"), langs: tuple[str, ...] = LANGS,
                   live_widgets: bool = False, npm_cache: Path = Path(".cache/npm")) -> list[Path]:
    """Execute every lecture edition ``notebooks/<lang>/NN_*.ipynb`` in handout mode and write
    ``out/<lang>/NN_*.html`` and ``out/<lang>/index.html`` for each language, each page linking to its
    twin in the other language, and ``out/index.html``; return the pages written. Bad input raises
    :class:`HandoutError` naming the folder or file. ``live_widgets`` embeds interactive widget
    controls (see the module docstring)."""
    found = editions(notebooks, langs)
    widget_script = None
    if live_widgets:
        assets = Path(out) / WIDGET_ASSETS
        shutil.copytree(widget_manager_dist(npm_cache), assets, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.map", "*-amd.js"))
        widget_script = f"../{WIDGET_ASSETS}/embed.js"
    built = {lang: [(source, _execute(source, lang, live_widgets)) for source in sources] for lang, sources in found.items()}
    written: list[Path] = []
    for lang, executed in built.items():
        other = other_lang(lang)
        switch = other in built
        pages = []
        for source, nb in executed:
            page = Path(out) / lang / f"{source.stem}.html"
            twin = language_switch(f"../{other}/{page.name}", other) if switch else None
            write_atomic(page, to_html(nb, lang=lang, widget_script=widget_script, switch=twin))
            written.append(page)
            pages.append((page.name, title_of(nb, source.stem)))
        index = Path(out) / lang / "index.html"
        write_atomic(index, index_page(pages, lang, language_switch(f"../{other}/index.html", other) if switch else None))
        written.append(index)
    root = Path(out) / "index.html"
    write_atomic(root, root_index(tuple(built)))
    return written + [root]
