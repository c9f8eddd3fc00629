"""Solution markers: placeholders that still run, and strict errors naming notebook and cell."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from workbook.assign import make_exercise
from workbook.markers import MarkerError, Where, has_markers, strip_solutions

FIXTURES = Path(__file__).parent / "fixtures" / "markers"
HERE = Where("solutions/99_test.ipynb", 3)


def run(source: str) -> dict:
    """Execute stripped code and return its namespace: a placeholder must still run."""
    namespace: dict = {}
    exec(compile(source, "<exercise>", "exec"), namespace)
    return namespace


def test_single_line_assignment_keeps_the_name() -> None:
    out = strip_solutions("answer = {'a': 1}  # SOLUTION\ncheck('x.q1', answer)", HERE)
    assert out.splitlines()[0] == "answer = ...  # YOUR CODE HERE"
    assert "{'a': 1}" not in out
    assert run(out.replace("check('x.q1', answer)", ""))["answer"] is Ellipsis


def test_single_line_return_and_expression() -> None:
    assert strip_solutions("    return x * 2  # SOLUTION", HERE) == "    return ...  # YOUR CODE HERE"
    assert strip_solutions("print(42)  # SOLUTION", HERE) == "...  # YOUR CODE HERE"


def test_block_inside_function_becomes_return_ellipsis() -> None:
    source = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n"
    out = strip_solutions(source, HERE)
    assert "x + 1" not in out
    assert run(out)["f"](3) is Ellipsis


def test_top_level_block_keeps_every_name_it_defines() -> None:
    source = ("### BEGIN SOLUTION\nimport math\ndef area(r):\n    return math.pi * r * r\n"
              "total = area(2)\nlabels: list = ['a']\n### END SOLUTION\nprint('after')")
    out = strip_solutions(source, HERE)
    assert "math.pi" not in out and "['a']" not in out
    namespace = run(out)
    assert namespace["area"](1) is Ellipsis
    assert namespace["total"] is Ellipsis and namespace["labels"] is Ellipsis
    assert out.endswith("print('after')")


def test_block_with_indented_loop_in_function() -> None:
    source = "def g(xs):\n    out = []\n    for x in xs:\n        ### BEGIN SOLUTION\n        out.append(x)\n        ### END SOLUTION\n    return out\n"
    out = strip_solutions(source, HERE)
    assert "out.append" not in out
    assert run(out)["g"]([1]) is Ellipsis


def test_block_inside_a_dict_literal_becomes_a_template() -> None:
    source = ('stage_of = {\n    ### BEGIN SOLUTION\n    "Raw data": "data collection",\n'
              '    "TensorRT": ("deploy"\n                 "ment"),\n    ### END SOLUTION\n}\nprint(stage_of)')
    out = strip_solutions(source, HERE)
    assert "collection" not in out and "deploy" not in out
    assert run(out)["stage_of"] == {"Raw data": ..., "TensorRT": ...}


def test_block_inside_a_list_or_call_in_a_function() -> None:
    source = "def f():\n    return [\n        ### BEGIN SOLUTION\n        1, 2,\n        ### END SOLUTION\n    ]\n"
    out = strip_solutions(source, HERE)
    assert "1, 2" not in out
    assert run(out)["f"]() == [...]


def test_code_without_markers_is_unchanged() -> None:
    source = "x = 1\n# a SOLUTION is discussed in this comment, not marked\ny = 2"
    assert not has_markers("x = 1\ny = 2")
    assert strip_solutions("x = 1\ny = 2", HERE) == "x = 1\ny = 2"
    assert strip_solutions(source, HERE) == source


@pytest.mark.parametrize(
    "fixture, words",
    [
        ("nested", "nested '### BEGIN SOLUTION' at line 4"),
        ("unclosed", "never closed"),
        ("stray_end", "without a BEGIN"),
        ("line_in_block", "inside a solution block"),
        ("malformed", "malformed solution marker"),
    ],
)
def test_bad_marker_names_notebook_and_cell(fixture: str, words: str) -> None:
    nb = nbformat.read(FIXTURES / f"{fixture}.ipynb", as_version=4)
    with pytest.raises(MarkerError) as err:
        make_exercise(nb, f"{fixture}.ipynb")
    message = str(err.value)
    assert message.startswith(f"solutions/{fixture}.ipynb: cell 3: "), message
    assert words in message
    assert "\n" not in message


def test_make_exercise_stamps_clears_and_locks() -> None:
    nb = nbformat.read(FIXTURES / "nested.ipynb", as_version=4)
    nb.cells = nb.cells[:3]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="leak")]
    nb.cells[2].execution_count = 7
    out = make_exercise(nb, "nested.ipynb")
    assert "DO NOT EDIT" in out.cells[0].source and "solutions/nested.ipynb" in out.cells[0].source
    assert "DO NOT EDIT" in out.metadata["workbook"]["generated"]
    answer = out.cells[3]
    assert answer.source == "ok = ...  # YOUR CODE HERE"
    assert answer.outputs == [] and answer.execution_count is None
    assert answer.metadata["workbook"]["locked"] is False
    assert out.cells[2].metadata["workbook"]["locked"] is True  # the parameters cell is given code
    assert nb.cells[2].source == "ok = 1  # SOLUTION"  # the source notebook is untouched
