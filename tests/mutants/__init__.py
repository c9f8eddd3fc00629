"""Mutants: answers a learner plausibly gives, wrong ones and right ones written differently.

One module per lecture (``full_stack``, ``ethics``, ``career``, ``lm``), each with ``MUTANTS``: a list
of :class:`Mutant`. ``tests/test_mutants.py`` runs every mutant through the learner's ``check`` and
through the grader's ``judge`` (fed exactly what the export sends) and fails on a wrong answer that
passes either, a right answer that fails either, or a disagreement between the two on the public
cases. Every question has at least two wrong mutants and one right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mutant:
    qid: str  # "<prefix>.<question>"
    label: str  # what the learner did
    right: bool  # True: a right answer written differently; False: a wrong one
    value: Any  # the variable's value (a function for a function question)


def right(qid: str, label: str, value: Any) -> Mutant:
    return Mutant(qid, label, True, value)


def wrong(qid: str, label: str, value: Any) -> Mutant:
    return Mutant(qid, label, False, value)


LECTURES = ("full_stack", "ethics", "career", "lm")
