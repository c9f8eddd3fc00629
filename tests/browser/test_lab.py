"""Each lecture as a learner meets it, in both editions: JupyterLab in Chromium, Run All Cells, then use
the widgets. The English edition runs in an English JupyterLab (``make lab EDITION=en``), the Korean one
in JupyterLab in Korean (``make lab``), whose menus must then be Korean.

Per lecture: no error output, no widget shown twice, the main widgets render, moving a control changes
that widget's output (the table ``LECTURES`` says which controls, with their Korean labels, and what
the English edition's output must then show), check results
carry their pass/fail styling, Hangul renders in a real font in the Korean edition, and a screenshot
goes to ``test-artifacts/screenshots/lab-<edition>-<lecture>.png``.
A lecture in the table that has not landed yet is skipped with a reason; a lecture that landed but is
missing from the table still gets the generic checks (and every one of its sliders is tried).
Then an exercise: type a wrong, then a correct answer into ``exercises/en/01_full_stack_ml.ipynb`` and
see the check go from failed to passed.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

import nbformat
import pytest
from handout_audit import hangul_missing

from workbook.check import _STYLE
from workbook.markers import BEGIN, END, LINE

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook tab in front
CELL = f"{PANEL} .jp-Notebook .jp-Cell"
# A traceback in an output area, or one that a live() widget shows in place of its result.
ERROR_OUTPUT = (f"{PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
                f" {PANEL} .workbook-live-error")
# What shows a widget's result: a live() HTML output, or an Output widget of a hand-built one.
WIDGET_OUTPUT = ".workbook-live-output, .widget-output"
RUN_TIMEOUT = 180_000  # ms, for Run All Cells of one lecture on a busy 2-core machine


@dataclass(frozen=True)
class Control:
    """One control of a lecture widget (its English ``description``) and what its output must show after
    the control changes (a regex; empty: only that it changed)."""

    label: str
    kind: str  # slider | dropdown | checkbox | button | text
    shows: str = ""
    text: str = ""  # what to type into a text control
    changes: str = ""  # a regex whose first group (a number the output shows) must differ after the change
    ko: str = ""  # the label in the Korean edition (default: the same)

    def korean(self) -> "Control":
        """This control in the Korean edition: its Korean label; the English output patterns left out."""
        return replace(self, label=self.ko or self.label, shows="", changes="")


@dataclass(frozen=True)
class Lecture:
    """What a lecture's widgets must offer: at least this many of each control, and these interactions."""

    sliders: int = 0
    dropdowns: int = 0
    buttons: int = 0
    controls: tuple[Control, ...] = field(default_factory=tuple)


LECTURES: dict[str, Lecture] = {
    "01_full_stack_ml": Lecture(
        sliders=7, dropdowns=1,
        controls=(Control("noise", "slider", ko="노이즈"),  # a figure: the new <img> differs
                  Control("new label", "dropdown", ko="새 라벨"),
                  Control("bits", "slider", ko="비트"),
                  Control("workers", "slider", changes=r"need\s+(\d+)\s+machine", ko="워커 수"))),
    "02_ai_ethics": Lecture(
        sliders=10, dropdowns=3,
        controls=(Control("threshold", "slider", shows=r"FPR",  # the COMPAS threshold moves the FPR shown
                          changes=r"Black\s+([\d.]+\s*%)", ko="임계값"),  # first column of the Black row: its FPR
                  Control("mechanism", "dropdown", ko="경로"),
                  Control("base rate", "slider", ko="기저율"),
                  Control("ε", "slider"),
                  Control("hide sex", "checkbox", ko="성별 숨기기"))),
    "03_career_building": Lecture(
        sliders=8, buttons=2,
        controls=(Control("Shipping products", "slider", ko="제품 출시"),
                  Control("I can keep digging at one problem even when no results come.", "checkbox",
                          ko="결과가 나오지 않아도 한 문제를 꾸준히 팔 수 있는 인내심이 있다."),
                  Control("Monitoring", "checkbox", ko="모니터링"),
                  Control("h / week", "slider", ko="주당 시간"),
                  Control("Export Markdown", "button", shows=r"my_learning_plan\.md", ko="Markdown 내보내기"))),
    "04_lm_training_evaluation": Lecture(
        sliders=10, dropdowns=2,
        controls=(Control("n", "slider"),
                  Control("temperature", "slider", ko="온도"),
                  Control("hypothesis", "text", text="오늘은 햇살이 좋다", ko="생성문"),
                  Control("BLEU tokenizer", "dropdown", shows=r"tok:(char|ko-mecab)", ko="BLEU 토크나이저"),
                  Control("B's error rate", "slider", ko="B의 오류율"),  # a figure: the new <img> differs
                  Control("benchmark", "dropdown", ko="벤치마크"))),
}
LANDED = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EDITIONS = ("en", "ko")


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def shutdown_kernels(lab: Any) -> None:
    """Stop every kernel the server runs, so the next notebook starts on an idle machine."""
    base = f"{lab.base}/api/kernels"
    with urllib.request.urlopen(f"{base}?token={lab.token}", timeout=10) as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(f"{base}/{kernel['id']}?token={lab.token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


@pytest.fixture
def lab_page(page: Any, jupyter_lab: Any) -> Iterator[Any]:
    yield page
    shutdown_kernels(jupyter_lab)


@pytest.fixture(params=EDITIONS)
def edition_lab(request: pytest.FixtureRequest, page: Any) -> Iterator[tuple[Any, Any]]:
    """(tab, lab) for each edition: the English lab for ``en``, the Korean one for ``ko``."""
    lab = request.getfixturevalue("jupyter_lab" if request.param == "en" else "jupyter_lab_ko")
    yield page, lab
    shutdown_kernels(lab)


def open_and_run_all(page: Any, url: str, ui: dict[str, str] | None = None) -> None:
    """Open a notebook, wait for its kernel, Run All Cells from the menu and wait until every cell ran.
    ``ui`` names the menu items and the idle status in JupyterLab's language (English by default)."""
    ui = ui or {"run": "Run", "run_all": "Run All Cells", "idle": "Idle"}
    page.goto(url)
    page.wait_for_selector(CELL, timeout=60_000)
    page.wait_for_selector(f"#jp-main-statusbar >> text={ui['idle']}", timeout=60_000)
    page.get_by_role("menuitem", name=ui["run"], exact=True).click()
    page.get_by_role("menuitem", name=ui["run_all"], exact=True).click()
    page.wait_for_function(
        """(panel) => { const p = [...document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputPrompt')]
                                    .map(e => e.textContent);
                        return p.length > 0 && p.some(t => /\\[\\d+\\]/.test(t)) && !p.some(t => t.includes('*')); }""",
        arg=PANEL, timeout=RUN_TIMEOUT)


def error_texts(page: Any) -> list[str]:
    """The first line of every traceback shown (stderr outputs that are not tracebacks are warnings)."""
    texts = page.locator(ERROR_OUTPUT).all_inner_texts()
    return [t.strip().splitlines()[0][:200] for t in texts if re.search(r"Traceback|\w+Error\b", t)]


def twice_shown(page: Any) -> list[int]:
    """Cells showing the same widget box twice (e.g. ``live(...)`` left as a cell's last expression:
    displayed once by ``live`` and again as the cell's value)."""
    return page.evaluate(
        """(panel) => [...document.querySelectorAll(panel + ' .jp-Cell')].flatMap((cell, i) => {
             const boxes = [...cell.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets')].map(b => b.innerText);
             return new Set(boxes).size < boxes.length ? [i] : []; })""", PANEL)


MIN_TRACK_PX = 100  # a slider whose track is narrower shows little more than its handle


def narrow_sliders(page: Any) -> list[str]:
    """Each shown slider whose track is at most MIN_TRACK_PX wide, as "label: width px" (a long label in
    the default 300 px slider once left a 0 px track: only the handle showed, a drag jumped to the end)."""
    return page.evaluate(
        """([panel, limit]) => [...document.querySelectorAll(panel + ' .widget-slider')].flatMap(slider => {
             const track = slider.querySelector('.noUi-target, .slider-container');
             if (!track || slider.offsetParent === null) return [];
             const width = track.getBoundingClientRect().width;
             const label = (slider.querySelector('.widget-label') || {}).textContent || '?';
             return width > limit ? [] : [`${label.trim()}: ${Math.round(width)} px`]; })""",
        [PANEL, MIN_TRACK_PX])


def cut_labels(page: Any) -> list[str]:
    """The text of each shown widget label or button whose text does not fit (the browser cuts it with
    "…", e.g. "temperat…" or "Export Markdo…")."""
    return page.evaluate(
        """(panel) => [...document.querySelectorAll(panel + ' .widget-label, ' + panel + ' .jupyter-widgets.jupyter-button')]
             .filter(el => el.offsetParent !== null && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
             .map(el => el.textContent.trim()).filter(text => text)""", PANEL)


def control_box(notebook: Any, label: str, kind: str) -> tuple[Any, Any]:
    """The control labelled ``label`` (its first view) and the whole widget box holding it."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    if kind == "checkbox":  # a checkbox carries its description beside the box, not in a widget-label
        control = notebook.locator(".widget-checkbox").filter(
            has=notebook.page.locator(".widget-label-basic span", has_text=exact)).first
    elif kind == "button":
        control = notebook.locator(".jupyter-widgets.jupyter-button").filter(has_text=exact).first
    else:
        control = notebook.locator(".widget-label").filter(has_text=exact).first.locator("xpath=..")
    # The outermost box: a live() box, or a hand-built one whose outputs sit in nested rows.
    box = control.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' widget-vbox ')][last()]")
    return control, box


def shown_beside(box: Any, control: Any) -> str:
    """What the widget box shows apart from the control itself (whose own readout changes anyway)."""
    return box.evaluate(
        """(box, control) => {
             const path = [];
             for (let x = control; x && x !== box; x = x.parentElement) path.unshift([...x.parentElement.children].indexOf(x));
             const copy = box.cloneNode(true);
             let target = copy;
             for (const i of path) target = target.children[i];
             target.remove();
             return copy.innerHTML; }""", control.element_handle())


def change(page: Any, control: Any, kind: str, text: str = "") -> None:
    """Change a control the way a learner does: keyboard on a slider, pick another option, tick, type."""
    if kind == "slider":
        handle = control.locator(".noUi-handle").first
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()
        page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    elif kind == "dropdown":
        select = control.locator("select")
        current = select.evaluate("s => s.selectedIndex")
        select.select_option(index=0 if current else 1)
    elif kind == "checkbox":
        control.locator("input[type=checkbox]").click()
    elif kind == "button":
        control.click()
    elif kind == "text":
        box = control.locator("input, textarea").first
        box.fill(text)
        box.press("Enter")
    else:
        raise ValueError(f"unknown control kind {kind!r}")


def wait_for_change(box: Any, control: Any, before: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        after = shown_beside(box, control)
        if after != before:
            return after
        time.sleep(0.25)
    return before


def _number(box: Any, pattern: str) -> str | None:
    match = re.search(pattern, box.inner_text()) if pattern else None
    return match.group(1) if match else None


def assert_check_styling(page: Any) -> int:
    """Every check result shows its status colour; returns how many there were."""
    found = page.eval_on_selector_all(
        f"{PANEL} .workbook-check", "els => els.map(e => [e.dataset.status, getComputedStyle(e).borderLeftColor,"
                           " getComputedStyle(e).backgroundColor])")
    for status, border, background in found:
        want_background, want_border, _ = _STYLE[status]
        assert (border, background) == (_rgb(want_border), _rgb(want_background)), status
    return len(found)


@pytest.mark.parametrize("lecture", sorted(set(LECTURES) | set(LANDED)))
def test_lecture_in_jupyterlab(lecture: str, edition_lab: tuple[Any, Any], screenshots: Path) -> None:
    if lecture not in LANDED:
        pytest.skip(f"notebooks/{lecture}.ipynb has not landed yet")
    (page, lab), expect = edition_lab, LECTURES.get(lecture, Lecture())
    open_and_run_all(page, lab.url(f"notebooks/{lab.edition}/{lecture}.ipynb"), lab.ui)
    assert error_texts(page) == [], f"{lab.edition}/{lecture}: error output after Run All"
    assert page.get_by_role("menuitem", name=lab.ui["run"], exact=True).count() == 1, \
        f"JupyterLab's menu bar has no {lab.ui['run']!r}: not in the {lab.edition} edition's language"
    if lab.edition == "ko":
        assert hangul_missing(page) == "", hangul_missing(page)
    if lab.edition == "ko":  # the same controls under their Korean labels
        expect = replace(expect, controls=tuple(c.korean() for c in expect.controls))
    assert twice_shown(page) == [], f"{lecture}: cells showing a widget twice"

    notebook = page.locator(PANEL)
    counts = {"sliders": notebook.locator(".widget-slider").count(),
              "dropdowns": notebook.locator(".widget-dropdown").count(),
              "buttons": notebook.locator(".jupyter-widgets.jupyter-button").count()}
    for kind, count in counts.items():
        assert count >= getattr(expect, kind), f"{lecture}: {count} {kind} rendered, expected ≥ {getattr(expect, kind)}"
    assert notebook.locator(WIDGET_OUTPUT).count() >= 1, f"{lecture}: no widget output rendered"
    assert narrow_sliders(page) == [], f"{lecture}: slider tracks of {MIN_TRACK_PX} px or less"
    assert cut_labels(page) == [], f"{lecture}: labels cut short"

    controls = expect.controls or tuple(
        Control(label, "slider") for label in
        notebook.locator(".widget-slider .widget-label").all_inner_texts() if label.strip())
    for spec in controls:
        control, box = control_box(notebook, spec.label, spec.kind)
        assert control.is_visible(), f"{lecture}: control {spec.label!r} not visible"
        control.scroll_into_view_if_needed()
        before, number = shown_beside(box, control), _number(box, spec.changes)
        change(page, control, spec.kind, spec.text)
        assert wait_for_change(box, control, before) != before, f"{lecture}: changing {spec.label!r} did not update its output"
        if spec.changes:
            assert number is not None, f"{lecture}: {spec.label!r} output shows no {spec.changes!r}"
            assert _number(box, spec.changes) != number, f"{lecture}: {spec.label!r} left {number!r} unchanged"
        if spec.shows:
            assert re.search(spec.shows, box.inner_text()), f"{lecture}: {spec.label!r} output lacks {spec.shows!r}"
    assert error_texts(page) == [], f"{lecture}: error output after using the widgets"
    assert_check_styling(page)
    if controls:
        control_box(notebook, controls[0].label, controls[0].kind)[0].scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"lab-{lab.edition}-{lecture}.png"))


def test_detectors_see_errors_and_widgets_shown_twice(lab_page: Any, jupyter_lab: Any) -> None:
    """The "no error output", "shown once" and "slider tracks" assertions mean something: each fault is seen."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as w\nfrom workbook.widgets import live"),
                nbformat.v4.new_code_cell("live(lambda x: x * 2, {'x': w.IntSlider(value=1, description='x')})"),
                nbformat.v4.new_code_cell("w.VBox([w.IntSlider(description='Publishing papers', style={'description_width': '16em'}),"
                                          " w.FloatSlider(description='temperature'), w.Button(description='Export Markdown', icon='download')])"),
                nbformat.v4.new_code_cell("1 / 0")]
    (jupyter_lab.root / "scratch").mkdir(exist_ok=True)
    nbformat.write(nb, jupyter_lab.root / "scratch" / "faults.ipynb")
    open_and_run_all(lab_page, jupyter_lab.url("scratch/faults.ipynb"))
    assert any("ZeroDivisionError" in line for line in lab_page.locator(ERROR_OUTPUT).all_inner_texts())
    assert error_texts(lab_page)
    assert twice_shown(lab_page) == [1]
    assert [s.split(":")[0] for s in narrow_sliders(lab_page)] == ["Publishing papers"]
    assert cut_labels(lab_page) == ["temperature", "Export Markdown"]


def _first_short_answer(solutions: Path) -> tuple[str, str]:
    """(check cell source, learner's answer code) of the question with the shortest solution cell; the
    answer has its markers removed, as a learner would type it."""
    cells = nbformat.read(solutions, as_version=4).cells
    pairs = [(cells[i].source, cells[i + 1].source) for i in range(len(cells) - 1)
             if cells[i].cell_type == "code" and "check(" in cells[i + 1].source and "SOLUTION" in cells[i].source]
    pairs.sort(key=lambda pair: pair[0].count("\n"))  # the shortest answer: quickest to type
    answer, check_source = pairs[0]
    lines = [(LINE.match(line).group("code") if LINE.match(line) else line) for line in answer.splitlines()
             if not (BEGIN.match(line) or END.match(line))]
    return check_source, "\n".join(lines)


def enter_and_check(page: Any, answer_cell: Any, code: str) -> None:
    """Replace the answer cell's code by typing ``code``, run it, then run the check cell below it."""
    answer_cell.scroll_into_view_if_needed()
    answer_cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    if "\n" in code:
        page.keyboard.insert_text(code)  # as pasted: the editor's auto-indent would re-indent typed lines
    else:
        page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")  # run the answer, move to the check cell
    page.keyboard.press("Shift+Enter")  # run the check


def test_exercise_answer_turns_check_to_passed(lab_page: Any, jupyter_lab: Any, screenshots: Path) -> None:
    name = "01_full_stack_ml.ipynb"
    if not (ROOT / "exercises" / "en" / name).exists():
        pytest.skip(f"exercises/en/{name} has not landed yet")
    page = lab_page
    check_source, answer = _first_short_answer(ROOT / "solutions" / name)
    open_and_run_all(page, jupyter_lab.url(f"exercises/en/{name}"))
    sources = [c.source for c in nbformat.read(ROOT / "exercises" / "en" / name, as_version=4).cells]
    index = sources.index(check_source)
    answer_cell, check_cell = page.locator(CELL).nth(index - 1), page.locator(CELL).nth(index)
    result = check_cell.locator(".workbook-check")
    assert result.get_attribute("data-status") == "not_attempted"

    assignment = re.match(r"^(\w+)\s*=", answer)
    if assignment and "\n" not in answer:  # first a wrong value: the check must say so, in its colours
        enter_and_check(page, answer_cell, f"{assignment.group(1)} = -1")
        check_cell.locator(".workbook-check[data-status='failed']").wait_for(timeout=60_000)
        assert assert_check_styling(page) >= 1
    enter_and_check(page, answer_cell, answer)
    check_cell.locator(".workbook-check[data-status='passed']").wait_for(timeout=60_000)
    assert assert_check_styling(page) >= 1
    assert error_texts(page) == []
    check_cell.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "lab-exercise-01_full_stack_ml.png"))
