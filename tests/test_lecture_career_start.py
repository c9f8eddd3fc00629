"""Lecture 3, "how to start": the talk's checklist and Q&A, the job-posting plan checker and the résumé
line checker (each with a wrong answer that must fail and differently written right ones that pass),
and the UI fixes of the lecture's widgets (slider tracks, full table cells, button labels)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from tests.mutants import career as mutants
from workbook import keys
from workbook.check import check
from workbook.lectures import career
from workbook.lectures import career_start as cs

ROOT = Path(__file__).resolve().parents[1]
SOURCE_KEY = ROOT / "solutions" / "keys" / "03_career_building.yml"

ALL_NO = {item["key"]: False for item in cs.checklist()}


def answers(*yes: str) -> dict[str, bool]:
    return ALL_NO | {key: True for key in yes}


# ----------------------------------------------------------------------------- the talk's checklist

def test_checklist_is_the_talks_own() -> None:
    tracks = {item["key"]: set(item["tracks"]) for item in cs.checklist()}
    assert tracks == {"fundamentals": {"researcher"}, "patience": {"researcher"}, "business": {"engineer"},
                      "change_lives": {"engineer"}, "whole_process": {"researcher", "engineer"},
                      "grunt_work": {"researcher", "engineer"}}
    text = " ".join(item["en"] for item in cs.checklist())
    for words in ("fundamental", "no results", "business", "daily lives", "web work", "preprocessing", "grunt work"):
        assert words in text


@pytest.mark.parametrize("yes, reading", [
    (("fundamentals", "patience", "whole_process", "grunt_work"), "researcher"),
    (("business", "change_lives", "whole_process", "grunt_work"), "engineer"),
    (("fundamentals", "patience", "business", "change_lives", "whole_process", "grunt_work"), "both"),
    (("fundamentals", "patience", "business", "change_lives", "whole_process"), "not_yet"),  # no grunt work
    (("fundamentals", "patience", "grunt_work"), "not_yet"),  # modelling only: the talk's point
    (("fundamentals", "business", "whole_process", "grunt_work"), "undecided"),
    ((), "not_yet"),
])
def test_track_reading_follows_the_checklist(yes: tuple[str, ...], reading: str) -> None:
    assert cs.track_reading(answers(*yes)) == reading


def test_track_reading_refuses_a_partial_answer() -> None:
    partial = dict(ALL_NO)
    del partial["patience"]
    with pytest.raises(ValueError, match="patience"):
        cs.track_reading(partial)
    with pytest.raises(ValueError, match="answer every checklist question"):
        cs.track_reading(ALL_NO | {"salary": True})


def test_track_widget_controls_and_view() -> None:
    controls = cs.track_controls()
    assert list(controls) == [item["key"] for item in cs.checklist()]
    values = {key: c.value for key, c in controls.items()}
    assert cs.track_view(lang="en", **values) == (
        "researcher 0/2, engineer 0/2, both tracks 0/2\n" + cs.READINGS["not_yet"][0])
    controls["patience"].value = True  # one tick changes what the widget shows, before the reading does
    assert cs.track_view(lang="en", **{key: c.value for key, c in controls.items()}).startswith("researcher 1/2,")
    for key in ("fundamentals", "patience", "whole_process", "grunt_work"):
        controls[key].value = True
    shown = cs.track_view(lang="ko", **{key: c.value for key, c in controls.items()})
    assert "연구자" in shown


def test_qa_and_checklist_tables_hold_the_talks_advice_in_full() -> None:
    qa = cs.qa_table("en").to_html()
    for words in ("not required", "environment where you can grow", "when you need it", "work with"):
        assert words in qa
    assert "..." not in qa and "..." not in cs.checklist_table("ko").to_html()
    assert "필요할 때" in cs.qa_table("ko").to_html()


@pytest.mark.parametrize("change, words", [
    ("checklist track unknown", "checklist[0] needs 'tracks'"),
    ("qa without question", "qa[1] lacks its question"),
    ("requirement without must", "requirements[2] needs key, en, ko and must"),
    ("posting without provenance", "job_posting lacks provenance_en"),
    ("no budget", "positive 'budget_weeks'"),
])
def test_bad_new_talk_data_is_a_one_line_error(tmp_path: Path, change: str, words: str) -> None:
    data = copy.deepcopy(career.talk_data())
    if change == "checklist track unknown":
        data["checklist"][0]["tracks"] = ["manager"]
    elif change == "qa without question":
        del data["qa"][1]["q_ko"]
    elif change == "requirement without must":
        del data["job_posting"]["requirements"][2]["must"]
    elif change == "posting without provenance":
        del data["job_posting"]["provenance_en"]
    elif change == "no budget":
        data["job_posting"]["budget_weeks"] = 0
    path = tmp_path / "talk.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError) as err:
        career.load_talk_data(path)
    assert str(err.value).startswith(f"{path}: ") and words in str(err.value) and "\n" not in str(err.value)


# ------------------------------------------------------------------------- exercise 9: the plan

# the solution's plan; differently written: two projects, tuples, floats, the whole budget, the showcase
# without monitoring; the "many small things, modelling only" plan the talk warns against (tests/mutants)
SOLUTION_PLAN, OTHER_RIGHT_PLAN, WRONG_PLAN = mutants.PLAN, mutants.OTHER_PLAN, mutants.MODELLING_ONLY_PLAN


@pytest.mark.parametrize("plan", [SOLUTION_PLAN, OTHER_RIGHT_PLAN])
def test_right_plans_pass(plan: object) -> None:
    assert cs.portfolio_plan_problems(plan, lang="en") == []


def test_the_modelling_only_plan_fails_naming_each_gap() -> None:
    problems = cs.portfolio_plan_problems(WRONG_PLAN, lang="en")
    assert [p[:2] for p in problems[:3]] == ["R2", "R3", "R4"]
    assert any("strong showcase" in p for p in problems) and len(problems) == 4
    assert all("필수 요건" in p for p in cs.portfolio_plan_problems(WRONG_PLAN, lang="ko")[:3])


def _plan(**showcase: object) -> list[dict]:
    plan = copy.deepcopy(SOLUTION_PLAN)
    plan[0].update(showcase)
    return plan


@pytest.mark.parametrize("plan, words", [
    (_plan(hours=81), "needs 121 h; the budget is 120 h (12 weeks × 10 h)"),  # one hour over the budget
    (_plan(hours=39), "4 requirement(s) in 39 h is not believable"),  # under 10 h per claimed requirement
    (_plan(evidence="repository"), "No strong showcase"),  # a showcase people can try is a demo
    (_plan(covers=["R1", "R2", "R7"]), "R3 is required"),  # and it serves the model
    (_plan(covers=["R1", "R2", "R3", "R9"]), "not a requirement of the posting: 'R9'"),
    (_plan(evidence="slides"), "'evidence' must be one of"),
    (_plan(hours="70"), "'hours' must be a positive number"),
    (_plan(covers="R1"), "'covers' must be a non-empty list"),
    (_plan(project=""), "give it a name"),
    ([], "non-empty list"),
    ({"project": "x"}, "non-empty list"),
    (["R1", "R2"], "Project 1 is not a dict"),
])
def test_each_plan_rule_is_enforced(plan: object, words: str) -> None:
    problems = cs.portfolio_plan_problems(plan, lang="en")
    assert any(words in p for p in problems), problems


def test_plan_limits_are_inclusive() -> None:
    assert cs.budget_hours() == 120
    assert cs.portfolio_plan_problems(_plan(hours=80), lang="en") == []  # exactly 120 h in all
    assert cs.portfolio_plan_problems(_plan(hours=40), lang="en") == []  # exactly 10 h per requirement


def test_plan_coverage_reads_the_plan_by_requirement() -> None:
    html = cs.plan_coverage(SOLUTION_PLAN, lang="en").to_html()
    assert "Receipt OCR web demo, A document-AI competition" in html  # R1 shown twice
    assert html.count("—") == 1  # only R5 is shown by nothing


def test_posting_says_it_is_constructed() -> None:
    assert "Constructed for this course" in cs.posting_markdown("en")
    assert "가상의 채용 공고" in cs.posting_markdown("ko")
    assert cs.posting_markdown("en").count("| required |") == 4


# --------------------------------------------------------------------- exercise 10: a résumé line

RIGHT_LINES = [
    "Collected and cleaned 20,000 Korean reviews, fine-tuned KoBERT (macro-F1 0.91) and served it as a "
    "Flask API demo: https://github.com/me/review-sentiment",
    "리뷰 2만 건을 크롤링·전처리하고 KoBERT를 미세조정해 정확도 91% 달성, Docker로 배포한 데모: github.com/me/ko-sentiment",
    "Labelled 3,000 receipts with two annotators; the OCR API answers in 35 ms (huggingface.co/spaces/me/receipts)",
]


@pytest.mark.parametrize("line", RIGHT_LINES)
def test_right_resume_lines_pass(line: str) -> None:
    assert cs.resume_line_problems(line, lang="en") == []


@pytest.mark.parametrize("line", cs.SAMPLE_RESUME_LINE.values())
def test_the_sample_line_fails_all_three_properties(line: str) -> None:
    problems = cs.resume_line_problems(line, lang="en")
    assert len(problems) == 3
    assert [p.split(":")[0].split(" ")[0] for p in problems] == ["Only", "No", "Nothing"]


@pytest.mark.parametrize("line, missing", [
    ("Fine-tuned KoBERT to macro-F1 0.91: https://github.com/me/x", "Only the model shows"),
    ("Served a KoBERT sentiment API: https://github.com/me/x", "No measurable result"),
    ("Served a KoBERT sentiment API that answers in 35 ms", "Nothing a reader can open"),
    ("Observed accuracy 91% on https://github.com/me/x", "Only the model shows"),  # "observed" is not serving
    ("Served a KoBERT API in 2021: https://github.com/me/x", "No measurable result"),  # a year is not a result
])
def test_each_resume_property_alone(line: str, missing: str) -> None:
    problems = cs.resume_line_problems(line, lang="en")
    assert len(problems) == 1 and problems[0].startswith(missing), problems


def test_resume_line_length_and_type() -> None:
    base = RIGHT_LINES[0]
    at_limit = base + " " * 0 + "x" * (cs.RESUME_MAX_CHARS - len(base))
    assert cs.resume_line_problems(at_limit, lang="en") == []
    assert "at most 200 characters (this is 201)" in cs.resume_line_problems(at_limit + "x", lang="en")[0]
    assert "one line" in cs.resume_line_problems(base.replace(", fine", "\nfine"), lang="en")[0]
    assert cs.resume_line_problems(42, lang="en") == ["Give the rewritten line as a string."]


# ---------------------------------------------------------------------------- the key and the checks

def test_new_questions_are_property_checks_with_these_checkers() -> None:
    questions = keys.load_source(SOURCE_KEY)["questions"]
    assert keys.resolve(questions["q9"]["checker"]) is cs.portfolio_plan_problems
    assert keys.resolve(questions["q10"]["checker"]) is cs.resume_line_problems


def test_learner_checks_fail_the_wrong_answers_and_pass_other_right_ones() -> None:
    assert check("career.q9", WRONG_PLAN, lang="en").status == "failed"
    assert check("career.q9", list(OTHER_RIGHT_PLAN), lang="en").status == "passed"
    assert check("career.q10", cs.SAMPLE_RESUME_LINE["en"], lang="en").status == "failed"
    assert check("career.q10", RIGHT_LINES[1], lang="ko").status == "passed"


# --------------------------------------------------------------------------- UI of the lecture

def _em(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)em", value)
    assert match, value
    return float(match.group(1))


def test_preference_sliders_leave_room_for_their_track() -> None:
    """A 16em label in the default 300 px slider left a 0 px track (the learner saw only the handle)."""
    for slider in career.path_controls().values():
        assert slider.layout.width, "a slider with a wide label needs its own width"
        track = _em(slider.layout.width) - _em(slider.style.description_width) - 4  # readout and margins
        assert track >= 10, f"{slider.description}: about {track} em of track"


def test_roles_view_shows_every_cell_in_full() -> None:
    jobs = [r["job"] for r in career.talk_data()["fsdl_roles"]]
    assert any(len(job) > 50 for job in jobs)  # pandas cuts cells past display.max_colwidth = 50
    assert "..." in career.roles_table("en")._repr_html_()  # why the view exists
    shown = career.roles_view("en").to_html()
    assert "..." not in shown and all(job in shown for job in jobs)
    assert all(r["job_ko"] in career.roles_view("ko").to_html() for r in career.talk_data()["fsdl_roles"])


def test_buttons_size_to_their_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)
    plan = career.learning_plan_builder(path=tmp_path / "plan.md")
    profile = career.self_assessment(path=tmp_path / "profile.json")
    assert plan.export.layout.width == "auto" and profile.save.layout.width == "auto"
