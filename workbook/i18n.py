"""The learner's language (English or Korean) and the messages checks show."""

from __future__ import annotations

import os
from typing import Any

LANGS = ("en", "ko")
_current = {"lang": os.environ.get("WORKBOOK_LANG", "en") if os.environ.get("WORKBOOK_LANG") in LANGS else "en"}

MESSAGES: dict[str, dict[str, str]] = {
    "passed": {"en": "Correct", "ko": "정답입니다"},
    "failed": {"en": "Not quite", "ko": "아직 아닙니다"},
    "passed_public": {"en": "Public cases pass", "ko": "공개 테스트 통과"},
    "not_attempted": {"en": "Not attempted yet", "ko": "아직 풀지 않았습니다"},
    "error": {"en": "Cannot check", "ko": "확인할 수 없습니다"},
    "fill_in": {"en": "Replace the ... with your answer, then run the cell again.",
                "ko": "... 을 답으로 바꾼 뒤 셀을 다시 실행하세요."},
    "hint": {"en": "Hint", "ko": "힌트"},
    "items_right": {"en": "{right} of {total} correct", "ko": "{total}개 중 {right}개 정답"},
    "wrong_items": {"en": "Check again: {items}", "ko": "다시 확인해 보세요: {items}"},
    "missing_items": {"en": "Still to fill in: {items}", "ko": "아직 채우지 않은 항목: {items}"},
    "cases_right": {"en": "{right} of {total} public cases pass", "ko": "공개 테스트 {total}개 중 {right}개 통과"},
    "case_expected": {"en": "Case {n}: {call} should return {want}, but returned {got}",
                      "ko": "테스트 {n}: {call} 의 기댓값은 {want} 인데 {got} 을(를) 반환했습니다"},
    "case_raised": {"en": "Case {n}: {call} raised {error}", "ko": "테스트 {n}: {call} 에서 오류가 발생했습니다: {error}"},
    "public_cases_pass": {"en": "Passes the {n} public cases; more cases are used when graded.",
                          "ko": "공개 테스트 {n}개를 모두 통과했습니다. 채점할 때는 테스트를 더 사용합니다."},
    "all_cases_pass": {"en": "all {n} cases pass ({hidden} hidden)", "ko": "테스트 {n}개 모두 통과 (숨은 테스트 {hidden}개 포함)"},
    "hidden_fail": {"en": "every public case passes; the failing cases are hidden (their inputs are not shown)",
                    "ko": "공개 테스트는 모두 통과했고, 실패한 테스트는 숨은 테스트입니다 (입력은 보여 주지 않습니다)"},
    "output_count": {"en": "expected {want} outputs, found {found}", "ko": "출력이 {want}개여야 하는데 {found}개입니다"},
    "raised": {"en": "Your code raised {error}", "ko": "코드에서 오류가 발생했습니다: {error}"},
    "not_callable": {"en": "Expected a function, got {type}", "ko": "함수가 필요하지만 {type} 이(가) 주어졌습니다"},
    "unserialisable": {"en": "An answer of type {type} cannot be checked: give numbers, strings, lists or dicts",
                       "ko": "{type} 형식의 답은 확인할 수 없습니다. 숫자, 문자열, 리스트, 딕셔너리로 답하세요"},
    "set_found": {"en": "{found} of {total} found", "ko": "{total}개 중 {found}개를 찾았습니다"},
    "set_unknown": {"en": "Not among the expected items: {items}", "ko": "정답 목록에 없는 항목: {items}"},
    "set_repeated": {"en": "Named more than once: {items}", "ko": "두 번 이상 적은 항목: {items}"},
    "set_missing": {"en": "{n} still missing", "ko": "아직 {n}개가 빠져 있습니다"},
    "extra_items": {"en": "Not asked for (remove): {items}", "ko": "묻지 않은 항목입니다 (지우세요): {items}"},
    "tolerance": {"en": "Numbers are accepted within ±{tol} of the exact value.",
                  "ko": "숫자는 정확한 값과의 차이가 ±{tol} 이내이면 정답으로 인정합니다."},
    "tolerance_exact": {"en": "Numbers must be exact.", "ko": "숫자는 정확히 같아야 합니다."},
    "problem_unfilled": {"en": "a ... is still to be filled in", "ko": "아직 채우지 않은 ...이 남아 있습니다"},
    "problem_no_match": {"en": "the answer does not match", "ko": "답이 일치하지 않습니다"},
    "problem_want_dict": {"en": "give a dict (with keys {keys}), not a {type}",
                          "ko": "{type} 말고 딕셔너리(키: {keys})로 답하세요"},
    "problem_want_list": {"en": "give a list of {n} items, not a {type}", "ko": "{type} 말고 항목 {n}개짜리 리스트로 답하세요"},
    "problem_wrong_length": {"en": "{got} items where {n} are expected", "ko": "항목이 {n}개여야 하는데 {got}개입니다"},
    "problem_extra_keys": {"en": "keys not asked for: {keys}", "ko": "묻지 않은 키가 있습니다: {keys}"},
    "problem_missing_keys": {"en": "keys missing: {keys}", "ko": "빠진 키가 있습니다: {keys}"},
    "problem_string_for_number": {"en": "{got} is a string; a number is expected (write it without quotes)",
                                  "ko": "{got}: 문자열입니다. 숫자로 답하세요(따옴표 없이 적으세요)"},
    "problem_not_finite": {"en": "{got} is not a finite number (NaN or infinity): return a number",
                           "ko": "유한한 숫자가 아닙니다({got}, NaN 또는 무한대). 숫자를 반환하세요"},
    "problem_want_number": {"en": "a number is expected, not a {type}", "ko": "{type} 말고 숫자로 답하세요"},
    "problem_want_text": {"en": "a string is expected, not a {type}", "ko": "{type} 말고 문자열로 답하세요"},
    "unknown_question": {"en": "Unknown question id {qid!r} (is the workbook package up to date?)",
                         "ko": "알 수 없는 문제 번호 {qid!r} (workbook 패키지가 최신인가요?)"},
    "points": {"en": "points", "ko": "점"},
    # --- the grader: verdict statuses, record statuses, the judge's reasons, feedback pages, report.html
    "status_passed": {"en": "passed", "ko": "통과"},
    "status_partial": {"en": "partial", "ko": "부분 점수"},
    "status_failed": {"en": "failed", "ko": "오답"},
    "status_not_attempted": {"en": "not attempted", "ko": "풀지 않음"},
    "status_missing": {"en": "missing", "ko": "답 없음"},
    "status_error": {"en": "error", "ko": "채점 오류"},
    "status_timeout": {"en": "timeout", "ko": "시간 초과"},
    "status_kernel_died": {"en": "kernel died", "ko": "커널 중단"},
    "status_graded": {"en": "graded", "ko": "채점 완료"},
    "status_invalid": {"en": "invalid", "ko": "무효"},
    "status_duplicate": {"en": "duplicate", "ko": "중복 제출"},
    # --- free-response questions (workbook/kinds/manual.py) and their review
    "recorded": {"en": "Recorded", "ko": "제출되었습니다"},
    "status_manual": {"en": "awaiting review", "ko": "채점 대기"},
    "status_reviewed": {"en": "reviewed", "ko": "채점 완료"},
    "status_overridden": {"en": "score set by the instructor", "ko": "강사가 점수 조정"},
    "manual_recorded": {"en": "Your answer ({n} characters) is recorded; the instructor will read it.",
                        "ko": "답안({n}자)이 기록되었습니다. 강사가 직접 읽고 채점합니다."},
    "manual_short": {"en": "It is shorter than the {n} characters asked for.",
                     "ko": "요구한 {n}자보다 짧습니다."},
    "manual_empty": {"en": "Write your answer in the string, then run the cell again.",
                     "ko": "문자열 안에 답을 쓴 뒤 셀을 다시 실행하세요."},
    "manual_not_text": {"en": "The answer must be text (a str), not {type}.",
                        "ko": "답은 {type} 이(가) 아니라 텍스트(str)여야 합니다."},
    "stats_line": {"en": "{n} learners · mean {mean}, median {median}, quartiles {q1} – {q3} of {top} points",
                   "ko": "학습자 {n}명 · 평균 {mean}, 중앙값 {median}, 사분위 {q1} – {q3} ({top}점 만점)"},
    "col_title": {"en": "title", "ko": "제목"},
    "col_mean": {"en": "mean", "ko": "평균"},
    "col_median": {"en": "median", "ko": "중앙값"},
    "col_quartiles": {"en": "quartiles", "ko": "사분위"},
    "col_difficulty": {"en": "difficulty (share earned)", "ko": "난이도 (득점 비율)"},
    "col_discrimination": {"en": "discrimination (item-rest r)", "ko": "변별도 (문항-나머지 상관)"},
    "col_read": {"en": "read", "ko": "채점함"},
    "col_days_late": {"en": "days late", "ko": "지연 일수"},
    "col_penalty": {"en": "penalty", "ko": "감점"},
    "col_submitted": {"en": "submitted", "ko": "제출 시각"},
    "items_chart": {"en": "Difficulty and discrimination per question", "ko": "문항별 난이도와 변별도"},
    "axis_share": {"en": "share of the maximum", "ko": "만점 대비 비율"},
    "axis_learners": {"en": "learners", "ko": "학습자 수"},
    "reading_progress": {"en": "Free-response answers read", "ko": "서술형 답안 채점 진행"},
    "late_submissions": {"en": "Late submissions ({n})", "ko": "늦은 제출 ({n}건)"},
    "release_title": {"en": "Your feedback", "ko": "나의 피드백"},
    "release_total": {"en": "Total", "ko": "총점"},
    "release_late": {"en": "Submitted {days} day(s) late: {percent}% off (before: {raw})",
                     "ko": "{days}일 늦게 제출: {percent}% 감점 (감점 전 {raw}점)"},
    "release_page": {"en": "Your notebook with the automatic checks", "ko": "자동 채점 결과가 담긴 내 노트북"},
    "release_auto": {"en": "automatic", "ko": "자동 채점"},
    "release_final": {"en": "score", "ko": "점수"},
    "release_notes": {"en": "answer, rubric and comments", "ko": "답안, 채점 기준, 코멘트"},
    "release_override": {"en": "Score set by the instructor", "ko": "강사가 점수를 조정했습니다"},
    "release_comment": {"en": "Instructor's comment", "ko": "강사 코멘트"},
    "manual_awaiting": {"en": "{n} characters, to be read by the instructor", "ko": "{n}자, 강사가 읽고 채점합니다"},
    "judge_no_export": {"en": "no answer was exported (the notebook did not finish)",
                        "ko": "내보낸 답이 없습니다 (노트북이 끝까지 실행되지 않았습니다)"},
    "judge_stopped_timeout": {"en": "the answer did not finish exporting within the per-cell time limit",
                              "ko": "셀당 제한 시간 안에 답을 내보내지 못했습니다"},
    "judge_stopped_kernel_died": {"en": "the kernel died before this answer was exported",
                                  "ko": "이 답을 내보내기 전에 커널이 중단되었습니다"},
    "judge_stopped_not_exported": {"en": "the notebook stopped before this answer was exported",
                                   "ko": "이 답을 내보내기 전에 노트북 실행이 멈췄습니다"},
    "judge_stopped_rejected": {"en": "the export of this answer was rejected (tampered with?)",
                               "ko": "이 답의 내보내기가 거부되었습니다 (조작되었나요?)"},
    "judge_malformed": {"en": "the exported answer is malformed (was the export tampered with?)",
                        "ko": "내보낸 답의 형식이 잘못되었습니다 (내보내기가 조작되었나요?)"},
    "judge_non_finite": {"en": "the exported answer holds a non-finite number (NaN or infinity)",
                         "ko": "내보낸 답에 유한하지 않은 수(NaN 또는 무한대)가 있습니다"},
    "judge_too_large": {"en": "the answer is too large to grade ({size} bytes exported)",
                        "ko": "답이 너무 커서 채점할 수 없습니다 (내보낸 크기 {size}바이트)"},
    "judge_no_variable": {"en": "no variable named {name} (renamed or deleted?)",
                          "ko": "{name} 변수가 없습니다 (이름을 바꾸거나 지웠나요?)"},
    "judge_missing": {"en": "{detail} (renamed or deleted?)", "ko": "답을 찾을 수 없습니다: {detail} (이름을 바꾸거나 지웠나요?)"},
    "judge_not_attempted": {"en": "not attempted", "ko": "아직 풀지 않았습니다"},
    "judge_cases": {"en": "{right} of {total} cases pass ({hidden_right} of {hidden} hidden)",
                    "ko": "테스트 {total}개 중 {right}개 통과 (숨은 테스트 {hidden}개 중 {hidden_right}개)"},
    "judge_key_error": {"en": "grader could not judge this question: {error}",
                        "ko": "채점기가 이 문제를 판정하지 못했습니다: {error}"},
    "tamper_changed": {"en": "locked cell {index} changed ({first})", "ko": "잠긴 셀 {index}이(가) 바뀌었습니다 ({first})"},
    "tamper_deleted": {"en": "locked cell {index} deleted ({first})", "ko": "잠긴 셀 {index}이(가) 지워졌습니다 ({first})"},
    "feedback_title": {"en": "Feedback: {notebook} · {student}", "ko": "피드백: {notebook} · {student}"},
    "score": {"en": "Score", "ko": "점수"},
    "status": {"en": "status", "ko": "상태"},
    "flagged": {"en": "Flagged", "ko": "변경 감지"},
    "check_cell_missing": {"en": "Questions whose check cell is missing:", "ko": "확인 셀이 없는 문제:"},
    "frames_hidden": {"en": "[{n} frame(s) in installed code not shown]", "ko": "[설치된 코드의 프레임 {n}개는 표시하지 않음]"},
    "report_title": {"en": "Grading report", "ko": "채점 보고서"},
    "report_summary": {"en": "{n} submissions · isolation:", "ko": "제출 {n}건 · 격리 수준:"},
    "warning": {"en": "Warning", "ko": "경고"},
    "score_distribution": {"en": "Score distribution (share of {top} points)", "ko": "점수 분포 ({top}점 만점 대비 비율)"},
    "score_chart": {"en": "score distribution", "ko": "점수 분포"},
    "pass_rate": {"en": "Pass rate per question", "ko": "문제별 통과율"},
    "slowest_cells": {"en": "Slowest cells", "ko": "가장 느린 셀"},
    "bad_submissions": {"en": "Failed, invalid or flagged submissions ({n})", "ko": "실패, 무효, 변경 감지된 제출 ({n}건)"},
    "col_question": {"en": "question", "ko": "문제"},
    "col_passed": {"en": "passed", "ko": "통과"},
    "col_rate": {"en": "rate", "ko": "비율"},
    "col_time": {"en": "time", "ko": "시간"},
    "col_student": {"en": "student", "ko": "학생"},
    "col_notebook": {"en": "notebook", "ko": "노트북"},
    "col_cell": {"en": "cell", "ko": "셀"},
    "col_status": {"en": "status", "ko": "상태"},
    "col_reason": {"en": "reason", "ko": "사유"},
    "seconds": {"en": "{s:.2f} s", "ko": "{s:.2f}초"},
    # --- handouts
    "handouts_title": {"en": "ML course workbook — handouts", "ko": "ML 코스 워크북 — 강의 자료"},
    "handouts_intro": {"en": "boostcamp AI Tech special lectures. Each page is a lecture notebook executed with its widgets at their default values.",
                       "ko": "부스트캠프 AI Tech 특강. 각 페이지는 위젯을 기본값으로 두고 실행한 강의 노트북입니다."},
    "languages_intro": {"en": "Choose a language.", "ko": "언어를 고르세요."},
}
# The name of each language in itself, for language switches.
LANG_NAMES = {"en": "English", "ko": "한국어"}


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


def status_label(status: str, lang: str | None = None) -> str:
    """A verdict's or a record's status as a reader sees it (the raw status when the catalogue has none)."""
    key = f"status_{status}"
    return msg(key, lang) if key in MESSAGES else status.replace("_", " ")


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
