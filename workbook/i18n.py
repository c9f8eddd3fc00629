"""The learner's language (English or Korean) and the messages checks show."""

from __future__ import annotations

import os
from typing import Any

LANGS = ("en", "ko")
_current = {"lang": os.environ.get("WORKBOOK_LANG", "en") if os.environ.get("WORKBOOK_LANG") in LANGS else "en"}

MESSAGES: dict[str, dict[str, str]] = {
    "passed": {"en": "Correct", "ko": "정답입니다"},
    "failed": {"en": "Not quite", "ko": "아직 아닙니다"},
    "not_attempted": {"en": "Not attempted yet", "ko": "아직 풀지 않았습니다"},
    "error": {"en": "Cannot check", "ko": "확인할 수 없습니다"},
    "fill_in": {"en": "Replace the ... with your answer, then run the cell again.",
                "ko": "... 을 답으로 바꾼 뒤 셀을 다시 실행하세요."},
    "hint": {"en": "Hint", "ko": "힌트"},
    "items_right": {"en": "{right} of {total} correct", "ko": "{total}개 중 {right}개 정답"},
    "wrong_items": {"en": "Check again: {items}", "ko": "다시 확인해 보세요: {items}"},
    "missing_items": {"en": "Still to fill in: {items}", "ko": "아직 채우지 않은 항목: {items}"},
    "cases_right": {"en": "{right} of {total} test cases pass", "ko": "테스트 {total}개 중 {right}개 통과"},
    "case_failed": {"en": "For input {args} your function returned {got}",
                    "ko": "입력 {args} 에 대해 함수가 {got} 을(를) 반환했습니다"},
    "case_expected": {"en": "For input {args} your function returned {got}, expected {want}",
                      "ko": "입력 {args} 에 대해 함수가 {got} 을(를) 반환했습니다 (기대값 {want})"},
    "raised": {"en": "Your code raised {error}", "ko": "코드에서 오류가 발생했습니다: {error}"},
    "not_callable": {"en": "Expected a function, got {type}", "ko": "함수가 필요하지만 {type} 이(가) 주어졌습니다"},
    "bad_type": {"en": "This answer cannot be checked: {error}", "ko": "이 답은 확인할 수 없습니다: {error}"},
    "unknown_question": {"en": "Unknown question id {qid!r} (is the workbook package up to date?)",
                         "ko": "알 수 없는 문제 번호 {qid!r} (workbook 패키지가 최신인가요?)"},
    "points": {"en": "points", "ko": "점"},
}


def set_lang(lang: str) -> None:
    """Set the language for checks, widgets and plots: "en" or "ko". Korean also registers the
    shipped Hangul font with matplotlib (:mod:`workbook.fonts`), so Korean plot text renders."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    _current["lang"] = lang
    if lang == "ko":
        from .fonts import use_hangul_font

        use_hangul_font()


def get_lang() -> str:
    """The language now in force."""
    return _current["lang"]


def msg(key: str, lang: str | None = None, **fields: Any) -> str:
    """The message ``key`` in ``lang`` (default: the current language), formatted with ``fields``."""
    return MESSAGES[key][lang or get_lang()].format(**fields)


def t(en: str, ko: str, lang: str | None = None) -> str:
    """Pick the English or Korean text, for widget labels and narrative strings."""
    return ko if (lang or get_lang()) == "ko" else en


def pick(text: str | dict[str, str] | None, lang: str | None = None) -> str:
    """A ``{"en": ..., "ko": ...}`` mapping (or a plain string) in the requested language."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang or get_lang()) or text.get("en", "")
