"""``live`` at the trait level: the result sits in a stock HTML widget's value (no Output widget, so a
headless runner never sends outputs back to the kernel), refreshed when a control's value changes."""

from __future__ import annotations

import sys
from typing import Any, Iterator

import ipywidgets as w
import matplotlib

matplotlib.use("Agg")  # this test process only; kernels choose their own backend
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from workbook import widgets  # noqa: E402
from workbook.widgets import ERROR_CLASS, OUTPUT_CLASS, live  # noqa: E402


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """No kernel here: record what ``display`` is given instead of printing it."""
    import IPython.display

    shown: list[Any] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: shown.extend(objs))
    monkeypatch.delenv("WORKBOOK_HANDOUT", raising=False)
    yield shown
    plt.close("all")


@pytest.fixture
def shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[Any]:
    """An IPython shell (as in a kernel), so ``display`` inside ``fn`` publishes rich output."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    hooks = sys.displayhook, sys.excepthook
    instance = InteractiveShell.instance(config=Config({"HistoryManager": {"enabled": False}}))
    yield instance
    InteractiveShell.clear_instance()
    sys.displayhook, sys.excepthook = hooks


def slider(value: int = 1) -> w.IntSlider:
    return w.IntSlider(value=value, min=0, max=10, description="x")


def test_renders_at_defaults_and_refreshes_on_change(_quiet: list[Any]) -> None:
    calls: list[int] = []

    def fn(x: int) -> str:
        calls.append(x)
        return f"x is {x} <b>"

    controls = {"x": slider(3)}
    box = live(fn, controls, caption="Doubling & more")
    assert calls == [3] and _quiet == [box]  # drawn once without a click, the box displayed once
    out = box.children[-1]
    assert out is box.output and isinstance(out, w.HTML) and OUTPUT_CLASS in out._dom_classes
    assert "x is 3 &lt;b&gt;" in out.value  # text escaped
    controls["x"].value = 7
    assert calls == [3, 7] and "x is 7" in out.value and "x is 3" not in out.value
    assert box.children[0].value == "<b>Doubling &amp; more</b>"
    assert not any(isinstance(child, w.Output) for child in box.children)


def test_dataframe_html_and_markdown() -> None:
    from IPython.display import HTML, Markdown

    box = live(lambda x: pd.DataFrame({"x": [x], "y": ["<i>"]}), {"x": slider(2)})
    assert "<table" in box.output.value and "&lt;i&gt;" in box.output.value  # the frame's own _repr_html_
    kinds = w.Dropdown(options=["html", "markdown", "none"], value="html")
    box = live(lambda kind: {"html": HTML("<i>raw</i>"), "markdown": Markdown("**bold** <script>"), "none": None}[kind],
               {"kind": kinds})
    assert box.output.value == "<i>raw</i>"
    kinds.value = "markdown"
    assert "<strong>bold</strong>" in box.output.value and "<script>" not in box.output.value
    kinds.value = "none"
    assert box.output.value == ""


@pytest.mark.parametrize("pyplot", [True, False], ids=["pyplot", "Figure"])
def test_figure_becomes_an_image_and_is_closed(pyplot: bool) -> None:
    made: list[Any] = []

    def fn(x: int) -> Any:
        if pyplot:
            fig, ax = plt.subplots()
        else:
            fig = Figure()
            ax = fig.add_subplot()
        ax.plot([0, x])
        ax.set_title(f"up to {x}")
        made.append(fig)
        return fig

    controls = {"x": slider(1)}
    box = live(fn, controls)
    first = box.output.value
    assert first.startswith("<img src='data:image/png;base64,") and "alt='up to 1'" in first
    assert plt.get_fignums() == []  # closed after rendering
    controls["x"].value = 9
    assert box.output.value != first and "alt='up to 9'" in box.output.value
    assert plt.get_fignums() == [] and len(made) == 2


def test_fn_that_displays_itself_is_captured(shell: Any) -> None:
    from IPython.core.display_functions import display  # the real one (the fixture patches IPython.display's)
    from IPython.display import Markdown

    def fn(x: int) -> None:
        print(f"printed {x}")
        display(Markdown(f"**verdict {x}**"))
        fig = Figure()
        fig.add_subplot().plot([0, x])
        display(fig)
        plt.figure()  # opened and left open: must not leak into the cell's output

    controls = {"x": slider(2)}
    box = live(fn, controls)
    value = box.output.value
    assert "printed 2" in value and "<strong>verdict 2</strong>" in value and "data:image/png;base64," in value
    assert value.index("printed 2") < value.index("verdict 2") < value.index("data:image/png")
    assert plt.get_fignums() == []
    controls["x"].value = 5
    assert "verdict 5" in box.output.value and "verdict 2" not in box.output.value
    # the shell's formatters are as they were: no figure printer left behind
    png = shell.display_formatter.formatters["image/png"]
    assert Figure not in png.type_printers and ("matplotlib.figure", "Figure") not in png.deferred_printers


def test_an_exception_is_shown_and_the_widget_keeps_working() -> None:
    controls = {"x": slider(1)}
    box = live(lambda x: f"{10 // x} & co", controls)
    assert "10 &amp; co" in box.output.value
    controls["x"].value = 0
    assert ERROR_CLASS in box.output.value and "ZeroDivisionError" in box.output.value
    controls["x"].value = 5
    assert "2 &amp; co" in box.output.value and ERROR_CLASS not in box.output.value


def test_handout_mode_shows_static_output(monkeypatch: pytest.MonkeyPatch, _quiet: list[Any]) -> None:
    from IPython.display import Markdown

    monkeypatch.setenv("WORKBOOK_HANDOUT", "1")
    assert widgets.handout_mode()

    def fn(x: int) -> Any:
        fig, ax = plt.subplots()
        ax.plot([0, x])
        return fig

    assert live(fn, {"x": slider(4)}, caption="Cap") is None
    note, figure = _quiet
    assert isinstance(note, Markdown) and "Cap" in note.data and "x = 4" in note.data
    assert isinstance(figure, Figure) and plt.get_fignums() == []


def test_no_widget_captures_output() -> None:
    """An Output widget with clear_output makes nbclient send comm messages mid-cell, and a headless
    run can then wait forever for an execute_reply (jupyter/nbclient#312): every widget in the
    package shows its result as a value instead."""
    from pathlib import Path

    import workbook

    offenders = [str(p) for p in Path(workbook.__file__).parent.rglob("*.py")
                 if "Output(" in p.read_text(encoding="utf-8") or "clear_output(" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_full_text_table_shows_long_cells_in_full() -> None:
    from workbook.widgets import full_text_table, to_html

    long = "a job function longer than pandas' fifty-character display limit, shown whole"
    frame = pd.DataFrame({"role": ["<b>x</b>"], "<unk> job": [long]})
    assert "..." in frame._repr_html_()  # what a DataFrame shows by itself
    shown = to_html(full_text_table(frame))  # what live() renders
    assert long.replace("'", "&#39;") in shown
    assert "..." not in shown and "white-space: normal" in shown
    assert "<b>x</b>" not in shown and "&lt;b&gt;x&lt;/b&gt;" in shown and "&lt;unk&gt; job" in shown  # escaped
