"""Parse solution markers in a code cell and replace each solution with a placeholder that runs.

Two forms, checked strictly (after nbgrader's clearsolutions):

    ### BEGIN SOLUTION          a block; every line up to the matching END is solution code
    ### END SOLUTION

    answer = 42  # SOLUTION     a single line

A nested BEGIN, an END without BEGIN, a BEGIN without END, or a ``# SOLUTION`` line inside a block
is a :class:`MarkerError` naming the notebook and the cell.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

BEGIN = re.compile(r"^(\s*)###\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*###\s*END SOLUTION\s*$")
LINE = re.compile(r"^(?P<code>.*?)\s*#\s*SOLUTION\s*$")
ANY_MARKER = re.compile(r"#\s*(BEGIN|END)\s+SOLUTION|#\s*SOLUTION\s*$")
PLACEHOLDER_NOTE = "# YOUR CODE HERE"


class MarkerError(ValueError):
    """A solution marker is nested, unclosed or stray."""


@dataclass(frozen=True)
class Where:
    """Names the place of a cell for error messages."""

    notebook: str
    cell: int

    def __str__(self) -> str:
        return f"{self.notebook}: cell {self.cell}"


def has_markers(source: str) -> bool:
    """True when any line of ``source`` carries a solution marker."""
    return any(ANY_MARKER.search(line) for line in source.splitlines())


def _top_level_stubs(block: list[str], indent: str) -> list[str]:
    """Placeholders that keep every name a top-level solution block defines: ``name = ...`` for an
    assignment, the signature with ``return ...`` for a function."""
    text = "\n".join(line[len(indent):] if line.startswith(indent) else line.lstrip() for line in block)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    stubs: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.body = [ast.Return(value=ast.Constant(value=...))]
            node.decorator_list = []
            stubs.extend(ast.unparse(node).splitlines())
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            stub = f"{target.id} = ..." if isinstance(target, ast.Name) else None
            if stub and stub not in stubs:
                stubs.append(stub)
    return stubs


def _in_function(lines: list[str], indent: str) -> bool:
    """True when a ``return`` at ``indent`` in place of the block would compile (we are in a def)."""
    probe = "\n".join(lines + [indent + "return ..."])
    try:
        compile(probe, "<probe>", "exec", dont_inherit=True)
    except SyntaxError as err:
        return "outside function" not in str(err)
    return True


def _in_brackets(lines: list[str]) -> bool:
    """True when the code before the block leaves a bracket open (the block is inside a literal)."""
    try:
        compile("\n".join(lines), "<probe>", "exec", dont_inherit=True)
    except SyntaxError as err:
        return "was never closed" in str(err)
    return False


def _literal_placeholder(block: list[str], indent: str) -> list[str]:
    """Inside a dict literal keep every key with ``...`` as its value (a template to fill in);
    inside a list or call, a single ``...`` item."""
    text = "\n".join(line.strip() for line in block)
    try:
        tree = ast.parse("{\n" + text + "\n}", mode="eval").body
    except SyntaxError:
        tree = None
    if isinstance(tree, ast.Dict) and all(key is not None for key in tree.keys):
        return [f"{indent}{ast.unparse(key)}: ...," for key in tree.keys]
    return [indent + "...,"]


def _block_placeholder(done: list[str], block: list[str], indent: str) -> list[str]:
    if _in_brackets(done):
        return [indent + PLACEHOLDER_NOTE] + _literal_placeholder(block, indent)
    if indent and _in_function(done, indent):
        return [indent + PLACEHOLDER_NOTE, indent + "return ..."]
    stubs = _top_level_stubs(block, indent) or ["..."]
    return [indent + PLACEHOLDER_NOTE] + [indent + stub for stub in stubs]


def _line_placeholder(code: str) -> str:
    indent = code[: len(code) - len(code.lstrip())]
    stubs = _top_level_stubs([code.strip()], "")
    if len(stubs) == 1 and stubs[0].endswith(" = ..."):
        return f"{indent}{stubs[0]}  {PLACEHOLDER_NOTE}"
    if code.strip().startswith("return "):
        return f"{indent}return ...  {PLACEHOLDER_NOTE}"
    return f"{indent}...  {PLACEHOLDER_NOTE}"


def strip_solutions(source: str, where: Where) -> str:
    """Return ``source`` with every solution replaced by a placeholder; raise MarkerError on bad markers."""
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    begin_line = 0
    for number, line in enumerate(source.splitlines(), start=1):
        begin = BEGIN.match(line)
        if begin:
            if block is not None:
                raise MarkerError(f"{where}: nested '### BEGIN SOLUTION' at line {number} (block opened at line {begin_line})")
            block, indent, begin_line = [], begin.group(1), number
            continue
        if END.match(line):
            if block is None:
                raise MarkerError(f"{where}: '### END SOLUTION' at line {number} without a BEGIN")
            out.extend(_block_placeholder(out, block, indent))
            block = None
            continue
        single = LINE.match(line)
        if single and not ANY_MARKER.search(single.group("code")):
            if block is not None:
                raise MarkerError(f"{where}: '# SOLUTION' line {number} inside a solution block")
            out.append(_line_placeholder(single.group("code")))
            continue
        if ANY_MARKER.search(line):
            raise MarkerError(f"{where}: malformed solution marker at line {number}: {line.strip()!r}")
        if block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise MarkerError(f"{where}: '### BEGIN SOLUTION' at line {begin_line} is never closed")
    return "\n".join(out)
