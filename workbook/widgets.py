"""Small builders over stock ipywidgets that keep each widget's logic a plain function.

Every builder renders the widget's output once at its default values, so a notebook executed headless
(papermill, handouts) shows a meaningful result without a click. In handout mode (``WORKBOOK_HANDOUT=1``,
set by ``workbook handouts``) the controls are not shown: the default-state output is displayed as
ordinary static output, with a line naming the defaults, so an HTML page needs no widget JavaScript.

``live`` puts its rendered result into the value of an ``ipywidgets.HTML`` widget (a figure as an
``<img>`` holding a PNG), never into an ``Output`` widget. Headless runners (nbclient, papermill) mimic
an ``Output`` widget by sending its new outputs back to the kernel on the shell channel while they wait
on that same socket for the cell's ``execute_reply``; now and then that reply is never read and the run
hangs for good (jupyter/nbclient#312, nteract/papermill#723). A stock widget's value involves no output
capture, so nothing is sent to the kernel while a cell runs.
"""

from __future__ import annotations

import base64
import html
import io
import os
import sys
import traceback
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

from .i18n import t

OUTPUT_CLASS = "workbook-live-output"  # CSS class of the HTML widget showing a live() result
ERROR_CLASS = "workbook-live-error"  # CSS class of the block showing an exception raised by fn


def handout_mode() -> bool:
    """True while ``workbook handouts`` executes the notebook."""
    return os.environ.get("WORKBOOK_HANDOUT") == "1"


def _show(result: Any) -> None:
    from IPython.display import display

    if result is None:
        return
    display(result)
    if type(result).__module__.startswith("matplotlib"):
        import matplotlib.pyplot as plt

        plt.close(result)


# ---------------------------------------------------------------------------------------------------
# Rendering a result to HTML
# ---------------------------------------------------------------------------------------------------

def _is_figure(obj: Any) -> bool:
    figure = sys.modules.get("matplotlib.figure")
    return figure is not None and isinstance(obj, figure.Figure)


def _close_figure(fig: Any) -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)  # also fine for a Figure pyplot does not manage


def _img(mime: str, data: str | bytes, alt: str, meta: Mapping[str, Any] | None = None) -> str:
    """An ``<img>`` holding ``data`` (base64 text or raw bytes) inline: no file, no network."""
    if isinstance(data, bytes):
        data = base64.b64encode(data).decode("ascii")
    size = "".join(f" {key}='{int(meta[key])}'" for key in ("width", "height")
                   if meta and isinstance(meta.get(key), (int, float)))
    return (f"<img src='data:{mime};base64,{html.escape(data.strip(), quote=True)}'{size}"
            f" alt='{html.escape(alt, quote=True)}' style='max-width:100%'>")


def _text(text: str) -> str:
    return f"<pre style='white-space:pre-wrap;margin:0'>{html.escape(text)}</pre>"


def _markdown(text: str) -> str:
    try:
        import mistune
    except ImportError:  # nbconvert brings mistune; without it show the source as text
        return _text(text)
    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])(text)


def figure_html(fig: Any, alt: str = "") -> str:
    """``fig`` (a matplotlib figure) as an inline PNG ``<img>``; the figure is closed afterwards."""
    try:
        png = _figure_png(fig)
        if not alt:
            titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
            suptitle = getattr(fig, "_suptitle", None)
            alt = suptitle.get_text() if suptitle is not None else (titles[0] if titles else "figure")
        return _img("image/png", png, alt)
    finally:
        _close_figure(fig)


def bundle_html(data: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> str:
    """The richest representation in a MIME bundle (``{mime: data}``, as ``display`` publishes it), as HTML."""
    metadata = metadata or {}
    if data.get("text/html"):
        return str(data["text/html"])
    for mime in ("image/png", "image/jpeg", "image/gif"):
        if data.get(mime):
            return _img(mime, data[mime], str(data.get("text/plain", "")), metadata.get(mime))
    if data.get("image/svg+xml"):
        svg = data["image/svg+xml"]
        return _img("image/svg+xml", svg.encode() if isinstance(svg, str) else svg, str(data.get("text/plain", "")))
    if data.get("text/markdown"):
        return _markdown(str(data["text/markdown"]))
    for mime in ("text/latex", "text/plain"):
        if data.get(mime):
            return _text(str(data[mime]))
    return ""


def _formatter() -> Any:
    from IPython import get_ipython
    from IPython.core.formatters import DisplayFormatter

    shell = get_ipython()
    return shell.display_formatter if shell is not None else DisplayFormatter()


def to_html(result: Any) -> str:
    """HTML showing ``result`` the way ``display(result)`` would: text escaped, a figure as an inline PNG
    (and closed), anything else through its own representations (``_repr_html_`` of a DataFrame or an
    ``IPython.display.HTML``, ``_repr_markdown_``, ``_repr_png_``, ...)."""
    if result is None:
        return ""
    if _is_figure(result):
        return figure_html(result)
    if isinstance(result, str):
        return _text(result)
    if callable(getattr(result, "_repr_html_", None)):
        shown = result._repr_html_()
        if isinstance(shown, tuple):  # (data, metadata)
            shown = shown[0]
        if shown:
            return str(shown)
    data, metadata = _formatter().format(result)
    return bundle_html(data, metadata)


@contextmanager
def _new_figures_closed() -> Iterator[None]:
    """Close every pyplot figure opened inside the block (so the inline backend does not show it again
    at the end of the cell)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    before = set(pyplot.get_fignums()) if pyplot is not None else set()
    try:
        yield
    finally:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            for number in set(pyplot.get_fignums()) - before:
                pyplot.close(number)


def _figure_png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


@contextmanager
def _figures_as_png(formatter: Any) -> Iterator[None]:
    """While the block runs, a matplotlib figure that ``fn`` displays itself is formatted as a PNG,
    whatever backend the kernel has (the formatter's registrations are restored afterwards)."""
    png = getattr(formatter, "formatters", {}).get("image/png")
    if png is None:
        yield
        return
    types, deferred = dict(png.type_printers), dict(png.deferred_printers)
    png.deferred_printers[("matplotlib.figure", "Figure")] = _figure_png
    figure = sys.modules.get("matplotlib.figure")
    if figure is not None:
        png.type_printers[figure.Figure] = _figure_png
    try:
        yield
    finally:
        png.type_printers.clear()
        png.type_printers.update(types)
        png.deferred_printers.clear()
        png.deferred_printers.update(deferred)


def full_text_table(frame: Any) -> Any:
    """A DataFrame shown with every cell in full, wrapped, left-aligned, without the index, text escaped:
    a Styler, because a DataFrame's own display cuts cells longer than ``display.max_colwidth`` (50)
    with "..."."""
    return (frame.style.hide(axis="index").format(escape="html").format_index(escape="html", axis=1)
            .set_properties(**{"text-align": "left", "white-space": "normal", "vertical-align": "top"})
            .set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))


def _error(text: str) -> str:
    return f"<pre class='{ERROR_CLASS}' style='white-space:pre-wrap;color:#b3261e;margin:0'>{html.escape(text)}</pre>"


def render(fn: Callable[..., Any], values: Mapping[str, Any]) -> str:
    """``fn(**values)`` as HTML: what it printed, what it displayed itself (captured, not published: IPython's
    ``capture_output``) and what it returned, in that order. Every figure it opened is closed. An exception
    becomes its traceback, in red, instead of leaving the output stale."""
    from IPython.utils.capture import capture_output

    parts: list[str] = []
    with _new_figures_closed(), _figures_as_png(_formatter()):
        with capture_output(stdout=True, stderr=True, display=True) as captured:
            try:
                result, error = fn(**values), None
            except Exception:
                result, error = None, traceback.format_exc()
        parts += [_text(text) for text in (captured.stdout, captured.stderr) if text]
        parts += [bundle_html(shown.data, shown.metadata) for shown in captured.outputs]
        if error is None:
            try:
                parts.append(to_html(result))
            except Exception:
                error = traceback.format_exc()
        if error is not None:
            parts.append(_error(error))
    return "".join(part for part in parts if part)


# ---------------------------------------------------------------------------------------------------
# live
# ---------------------------------------------------------------------------------------------------

def live(fn: Callable[..., Any], controls: dict[str, Any], *, caption: str = "") -> Any:
    """Show ``controls`` (name -> ipywidget with ``.value``) and ``fn(**values)`` below them, refreshed
    on every change. ``fn`` returns something displayable (text, a DataFrame, a figure, HTML or Markdown)
    or displays it itself. Returns the container widget (None in handout mode); its last child is the
    ``ipywidgets.HTML`` showing the result (also reachable as ``box.output``)."""
    import ipywidgets as w
    from IPython.display import Markdown, display

    values = lambda: {name: control.value for name, control in controls.items()}  # noqa: E731
    if handout_mode():
        shown = ", ".join(f"{name} = {value!r}" for name, value in values().items())
        note = t("Interactive in JupyterLab; shown here at its defaults", "JupyterLab에서 조작할 수 있습니다. 기본값으로 표시")
        display(Markdown(f"*{caption + ' — ' if caption else ''}{note}: {shown}*"))
        _show(fn(**values()))
        return None
    out = w.HTML()
    out.add_class(OUTPUT_CLASS)

    def refresh(_: Any = None) -> None:
        out.value = render(fn, values())

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    parts = ([w.HTML(f"<b>{html.escape(caption)}</b>")] if caption else []) + list(controls.values()) + [out]
    box = w.VBox(parts)
    box.output = out
    display(box)
    return box
