"""Golden run of every edition of every notebook, headless with papermill, one kernel per edition.

The English and Korean lecture editions (``notebooks/en``, ``notebooks/ko``) must run without an error
output; the solutions, run in both languages, must pass every check; both exercise editions
(``exercises/en``, ``exercises/ko``) must say "not attempted" for every check and still run to the end.
Editions run with no injected parameters: the ``lang`` preset by ``workbook assign`` is what is tested.
Execution times go to ``test-artifacts/notebook_times.json`` (reported, never asserted).
"""

from __future__ import annotations

import faulthandler
import json
import time
from pathlib import Path

import nbformat
import pytest

from workbook.execute import check_results, error_outputs, execute_notebook

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "ko")
SOURCES = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
EDITIONS = [p for folder in ("notebooks", "exercises") for lang in LANGS for p in sorted((ROOT / folder / lang).glob("*.ipynb"))]
NOTEBOOKS = SOURCES + EDITIONS
# (notebook, language) for each run: an edition in its own language, a solution in both.
RUNS = [(p, p.parent.name) for p in EDITIONS] \
    + [(p, lang) for p in sorted((ROOT / "solutions").glob("*.ipynb")) for lang in LANGS]
TIMES: dict[str, dict[str, float]] = {}


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _run_id(run: tuple[Path, str]) -> str:
    path, lang = run
    return _id(path) if path.parent.name in LANGS else f"{_id(path)}:{lang}"


@pytest.fixture(scope="module", autouse=True)
def _record_times(artifacts: Path):
    yield
    target = artifacts / "notebook_times.json"
    old = json.loads(target.read_text()) if target.exists() else {}
    target.write_text(json.dumps({**old, **TIMES}, indent=1, sort_keys=True) + "\n")


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.slow
@pytest.mark.parametrize("run", RUNS, ids=_run_id)
def test_notebook_runs(run: tuple[Path, str], tmp_path: Path, artifacts: Path) -> None:
    path, lang = run
    edition = path.parent.name in LANGS
    kind = path.parent.parent.name if edition else path.parent.name
    start = time.perf_counter()
    # A run that takes a minute is stuck somewhere: leave every thread's stack for the record.
    record = artifacts / f"stall-{kind}-{lang}-{path.stem}.txt"
    with open(record, "w") as stall:
        faulthandler.dump_traceback_later(60, file=stall)
        try:
            nb = execute_notebook(path, output=tmp_path / path.name, parameters=None if edition else {"lang": lang})
        finally:
            faulthandler.cancel_dump_traceback_later()
    if record.stat().st_size == 0:
        record.unlink()
    durations = [c.metadata.get("papermill", {}).get("duration") or 0.0 for c in nb.cells]
    TIMES[_run_id(run)] = {"seconds": round(time.perf_counter() - start, 2),
                        "slowest_cell": durations.index(max(durations)), "slowest_cell_seconds": round(max(durations), 2)}
    assert error_outputs(nb) == []
    boxes = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if "missing from font" in o.get("text", "")]
    assert boxes == [], f"glyphs drawn as boxes: {boxes[0][:200]}" if boxes else ""
    results = check_results(nb)
    statuses = {r["qid"]: r["status"] for r in results}
    assert "error" not in statuses.values(), statuses
    if kind == "solutions":
        assert results, "a solution notebook must call check()"
        # a free-response answer (kind: manual) is recorded for the instructor, never "passed"
        assert set(statuses.values()) <= {"passed", "recorded"} and "passed" in statuses.values(), statuses
    elif kind == "exercises":
        assert results, "an exercise notebook must call check()"
        assert set(statuses.values()) == {"not_attempted"}, statuses


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_is_clean(path: Path) -> None:
    """Committed without outputs or execution counts, with kernelspec, and one parameters cell."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name} holds outputs"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    params = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, f"{path.name}: needs exactly one cell tagged 'parameters', found {len(params)}"
    assert params[0] <= 4, f"{path.name}: the parameters cell must be near the top"
    assert "lang" in nb.cells[params[0]].source
    if path.parent.name in LANGS:  # an edition: its language preset
        assert f'lang = "{path.parent.name}"' in nb.cells[params[0]].source


def test_every_source_has_both_editions() -> None:
    names = lambda d: sorted(p.name for p in (ROOT / d).glob("*.ipynb"))  # noqa: E731
    for lang in LANGS:
        assert names("solutions") == names(f"exercises/{lang}")
        assert names("notebooks") == names(f"notebooks/{lang}")
    assert names("exercises") == [], "exercises/ holds only its en/ and ko/ editions"
    for name in names("solutions"):
        assert (ROOT / "solutions" / "keys" / name.replace(".ipynb", ".yml")).exists(), f"{name} has no key"
