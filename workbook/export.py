"""Export a student's answers from their kernel as plain data, for judging in the grader's process.

Two cells are added to the submission before it runs:

* the *prelude*, first of all cells, before any student code: it builds the export function from
  the standard library as it is before the student can patch it (``json``'s encoder, ``open``,
  ``os.replace``, ``signal``) and parks it on a module object under a random name;
* the *export cell*, last: it calls that function with the question plan (names, and the argument
  lists a function answer is called on, hidden cases included) and a one-time nonce.

The function writes ``{"nonce", "answers": {qid: ...}}`` to a file in a fresh folder the grader
chose, rewriting it after each question so a hang late in the export keeps what came before. Each
answer is one of ``{"value": ...}``, ``{"missing": why}``, ``{"unserialisable": type}``, or for a
function ``{"outputs": [{"value"} | {"error"} | {"missing"}, ...]}`` in the plan's case order.
Values are canonicalised (``workbook.normalize.canonical`` at 12 decimals): plain JSON only.

The grader reads the file only if it carries the nonce, and never reads a verdict from the kernel.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

EXPORT_FILE = "answers.json"
GRADER_TAG = "workbook-grader"  # the tag on the two cells the grader adds
MAX_BYTES = 20_000_000  # a larger answers file is not read (the student's function returned a flood)
CALL_SECONDS = 10  # a function answer gets this long per case during the export

_PRELUDE = '''\
def _workbook_prelude():
    import builtins, copy, json, os, signal, sys, types
    from workbook.normalize import NotCanonical, Rule, canonical, is_missing
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    decode = json.JSONDecoder().decode
    replace, open_, callable_, deepcopy = os.replace, builtins.open, builtins.callable, copy.deepcopy
    fine = Rule(decimals=12)

    class _Slow(Exception):
        pass

    def _alarm(signum, frame):
        raise _Slow()

    def plain(value):
        if is_missing(value):
            return {{"missing": "not attempted"}}
        try:
            return {{"value": decode(encode(canonical(value, fine)))}}
        except (NotCanonical, TypeError, ValueError, RecursionError):
            return {{"unserialisable": type(value).__name__}}

    def call(func, args, kwargs):
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, {seconds})
        try:
            got = func(*deepcopy(args), **deepcopy(kwargs))
        except _Slow:
            return {{"error": "took longer than {seconds} s"}}
        except NotImplementedError:
            return {{"missing": "not attempted"}}
        except KeyboardInterrupt:  # the per-cell timeout: stop the export, keep what is written
            raise
        except BaseException as err:  # SystemExit too: a verdict on this case, not the end
            return {{"error": type(err).__name__ + ": " + str(err)[:200]}}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        return plain(got)

    def export(path, nonce, plan, names):
        answers = {{}}
        for qid, item in plan.items():
            if item["name"] not in names:
                answers[qid] = {{"missing": "no variable named " + item["name"]}}
            elif item.get("calls") is None:
                answers[qid] = plain(names[item["name"]])
            elif not callable_(names[item["name"]]):
                answers[qid] = {{"not_callable": type(names[item["name"]]).__name__}}
            else:
                func = names[item["name"]]
                answers[qid] = {{"outputs": [call(func, c[0], c[1]) for c in item["calls"]]}}
            with open_(path + ".tmp", "w", encoding="utf-8") as handle:
                handle.write(encode({{"nonce": nonce, "answers": answers}}))
            replace(path + ".tmp", path)

    module = types.ModuleType({name!r})
    module.export = export
    sys.modules[{name!r}] = module


_workbook_prelude()
del _workbook_prelude
'''

_EXPORT = '''\
# Added by the grader: export the answers as plain data (this cell is not shown in feedback).
__import__("sys").modules[{name!r}].export({path!r}, {nonce!r}, {plan!r}, globals())
'''


def plan_of(key: dict[str, Any], hidden: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What to export for each question: the name, and for a function answer the calls to make
    (``[args, kwargs]`` pairs: public cases, then ``hidden[qid]``)."""
    plan: dict[str, Any] = {}
    for qid, spec in key["questions"].items():
        item: dict[str, Any] = {"name": spec["name"]}
        cases = list(spec.get("cases") or []) + list(hidden.get(str(qid), []))
        if spec["kind"] == "function" or (spec["kind"] == "property" and spec.get("cases")):
            item["calls"] = [[c["args"], c.get("kwargs", {})] for c in cases]
        plan[str(qid)] = item
    return plan


def export_cells(plan: dict[str, Any], path: Path) -> tuple[str, str, str]:
    """Source of the prelude and export cells for one run, and the nonce the answers file must carry."""
    name = f"_wb_{secrets.token_hex(8)}"
    nonce = secrets.token_hex(16)
    prelude = _PRELUDE.format(name=name, seconds=CALL_SECONDS)
    # repr() of plain JSON data is valid Python for the literal plan (true/false/null become Python's)
    export = _EXPORT.format(name=name, path=str(path), nonce=nonce, plan=json.loads(json.dumps(plan)))
    return prelude, export, nonce


def read_answers(path: Path, nonce: str) -> dict[str, Any] | None:
    """The exported answers, or None when the file is missing, unreadable or not from this run."""
    try:
        if Path(path).stat().st_size > MAX_BYTES:
            return None
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("nonce") != nonce or not isinstance(data.get("answers"), dict):
        return None
    return data["answers"]
