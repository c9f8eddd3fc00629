"""Small builders over stock ipywidgets that keep each widget's logic a plain function.

Every builder renders the widget's output once at its default values, so a notebook executed headless
(papermill, handouts) shows a meaningful result without a click. In handout mode (``WORKBOOK_HANDOUT=1``,
set by ``workbook handouts``) the controls are not shown: the default-state output is displayed as
ordinary static output, with a line naming the defaults, so an HTML page needs no widget JavaScript.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from .i18n import t


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


def live(fn: Callable[..., Any], controls: dict[str, Any], *, caption: str = "") -> Any:
    """Show ``controls`` (name -> ipywidget with ``.value``) and ``fn(**values)`` below them, refreshed
    on every change. ``fn`` returns something displayable (text, a DataFrame, a figure, HTML) or
    displays it itself. Returns the container widget (None in handout mode)."""
    import ipywidgets as w
    from IPython.display import Markdown, display

    values = lambda: {name: control.value for name, control in controls.items()}  # noqa: E731
    if handout_mode():
        shown = ", ".join(f"{name} = {value!r}" for name, value in values().items())
        note = t("Interactive in JupyterLab; shown here at its defaults", "JupyterLab에서 조작할 수 있습니다. 기본값으로 표시")
        display(Markdown(f"*{caption + ' — ' if caption else ''}{note}: {shown}*"))
        _show(fn(**values()))
        return None
    out = w.Output()

    def refresh(_: Any = None) -> None:
        with out:
            out.clear_output(wait=True)
            _show(fn(**values()))

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    parts = ([w.HTML(f"<b>{caption}</b>")] if caption else []) + list(controls.values()) + [out]
    box = w.VBox(parts)
    display(box)
    return box
