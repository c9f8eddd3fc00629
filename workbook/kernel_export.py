"""The grader's exporter, as it runs inside a student's kernel (imported by the grader's first cell).

``install(name)`` runs before any student code: it takes the standard-library functions the export
needs (the JSON encoder, ``signal``, ``copy.deepcopy``, IPython's display publisher) as they are
then, builds the export function from them and parks it on a module ``sys.modules[name]`` (a random
name). The grader's last cells call ``sys.modules[name].answer(nonce, qid, item)`` once per question.

``answer`` publishes ``{"nonce", "qid", "answer"}`` as one display message of type :data:`MIME` on
the kernel's IOPub channel, where the grader's own client reads it while that cell runs; nothing is
written to a file. An answer is one of ``{"value": v}``, ``{"missing": why}``,
``{"unserialisable": type}``, ``{"not_callable": type}``, ``{"too_large": bytes}`` or, for a
function, ``{"outputs": [{"value"} | {"error"} | {"missing"}, ...]}`` in the order of
``item["calls"]``. Values are canonical plain JSON (``workbook.normalize.canonical`` at 12
decimals; no NaN or infinity), the same forms the learner's check builds with
``workbook.kinds.collect`` (a function that returns an unserialisable value is an ``error`` output).

This module runs in the student's process, so a determined student can replace it; the grader
therefore trusts nothing it says beyond plain values the student could have assigned anyway (see
``workbook.export.parse_payload``).
"""

from __future__ import annotations

from typing import Any

MIME = "application/vnd.workbook.answer+json"
CALL_SECONDS = 10  # a function answer gets this long per case during the export
MAX_ANSWER_BYTES = 2_000_000  # one question's encoded answer; a larger one is reported, not sent


def install(name: str) -> None:
    """Build the exporter from the interpreter as it is now and register it as ``sys.modules[name]``."""
    import builtins
    import copy
    import json
    import signal
    import sys
    import types

    from IPython import get_ipython

    from .normalize import NotCanonical, canonical, is_missing

    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    decode = json.JSONDecoder().decode
    callable_, deepcopy, len_, type_, str_ = builtins.callable, copy.deepcopy, builtins.len, builtins.type, builtins.str
    setitimer, set_handler, real = signal.setitimer, signal.signal, signal.ITIMER_REAL
    shell = get_ipython()
    publish, user_ns = shell.display_pub.publish, shell.user_ns

    class Slow(Exception):
        pass

    def alarm(signum: int, frame: Any) -> None:
        raise Slow()

    def plain(value: Any) -> dict[str, Any]:
        if is_missing(value):
            return {"missing": "not attempted"}
        try:
            return {"value": decode(encode(canonical(value)))}
        except (NotCanonical, TypeError, ValueError, RecursionError):
            return {"unserialisable": type_(value).__name__}

    def call(func: Any, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        old = set_handler(signal.SIGALRM, alarm)
        setitimer(real, CALL_SECONDS)
        try:
            got = func(*deepcopy(args), **deepcopy(kwargs))
        except Slow:
            return {"error": f"took longer than {CALL_SECONDS} s"}
        except NotImplementedError:
            return {"missing": "not attempted"}
        except KeyboardInterrupt:  # the grader's per-cell timeout: this question's export ends here
            raise
        except BaseException as err:  # SystemExit too: a verdict on this case, not the end
            return {"error": type_(err).__name__ + ": " + str_(err)[:200]}
        finally:
            setitimer(real, 0)
            set_handler(signal.SIGALRM, old)
        result = plain(got)
        if "unserialisable" in result:
            return {"error": "returned a value of type " + result["unserialisable"]}
        return result

    def answer(nonce: str, qid: str, item: dict[str, Any]) -> None:
        names = user_ns
        if item["name"] not in names:
            result: dict[str, Any] = {"missing": "no variable named " + item["name"]}
        elif item.get("calls") is None:
            result = plain(names[item["name"]])
        elif not callable_(names[item["name"]]):
            result = {"not_callable": type_(names[item["name"]]).__name__}
        else:
            func = names[item["name"]]
            result = {"outputs": [call(func, c[0], c[1]) for c in item["calls"]]}
        text = encode(result)
        if len_(text) > MAX_ANSWER_BYTES:
            text = encode({"too_large": len_(text)})
        publish({MIME: {"nonce": nonce, "qid": qid, "answer": text}}, metadata={})

    module = types.ModuleType(name)
    module.answer = answer
    sys.modules[name] = module
