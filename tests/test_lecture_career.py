"""Lecture 3 (career building): the talk data, each widget's logic, the widgets at trait level, the
property checker and the answer key."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from workbook import keys
from workbook.i18n import get_lang, set_lang
from workbook.lectures import career

ROOT = Path(__file__).resolve().parents[1]
SOURCE_KEY = ROOT / "solutions" / "keys" / "03_career_building.yml"
NON_ML = ["Configuration", "Data Collection", "Data Verification", "Feature Extraction", "Machine Resource Management",
          "Analysis Tools", "Process Management Tools", "Serving Infrastructure", "Monitoring"]


def scores(**changes: int) -> dict[str, int]:
    return {key: 3 for key in career.skill_keys()} | changes


def has_hangul(text: str) -> bool:
    return any("가" <= char <= "힣" for char in text)


@pytest.fixture
def korean():
    """The learner's language set to Korean for one test, then put back."""
    before = get_lang()
    set_lang("ko")
    yield
    set_lang(before)


# ------------------------------------------------------------------------------------------- data

def test_talk_data_holds_what_the_talk_named() -> None:
    data = career.talk_data()
    boxes = [b["en"] for b in data["debt_boxes"]]
    assert sorted(boxes) == sorted(NON_ML + ["ML Code"])
    assert [b["en"] for b in data["debt_boxes"] if b.get("ml")] == ["ML Code"]
    assert [r["en"] for r in data["fsdl_roles"]] == ["ML product manager", "DevOps engineer", "Data engineer",
                                                    "ML engineer", "ML researcher", "Data scientist"]
    assert [s["en"] for s in data["skills"]] == ["CS & software engineering", "English", "Grit", "Humility",
                                                "Passion", "Teamwork", "Kindness"]
    plan_text = " ".join(item["en"] for item in data["plan_items"])
    for tool in ("Vue.js", "django", "flask", "PyTorch", "TensorFlow", "MySQL", "MariaDB", "docker", "AWS", "github"):
        assert tool in plan_text, f"Lecture 1's roadmap tool {tool} is missing from the plan items"
    assert sorted(i["layer"] for i in data["plan_items"] if "layer" in i) == \
        ["Backend", "Database", "Frontend", "Machine Learning", "Ops"]


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "talk.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _broken(change: str) -> dict:
    data = copy.deepcopy(career.talk_data())
    if change == "no skills":
        del data["skills"]
    elif change == "two ML boxes":
        data["debt_boxes"][0]["ml"] = True
    elif change == "zero size":
        data["debt_boxes"][0]["size"] = 0
    elif change == "fit lacks a factor":
        del data["paths"][0]["fit"]["papers"]
    elif change == "repeated key":
        data["skills"][1]["key"] = data["skills"][0]["key"]
    elif change == "no Korean":
        data["factors"][0]["ko"] = ""
    elif change == "role without Korean job":
        del data["fsdl_roles"][2]["job_ko"]
    return data


@pytest.mark.parametrize("change, words", [
    ("no skills", "'skills' must be a non-empty list"),
    ("two ML boxes", "exactly one debt box"),
    ("zero size", "positive 'size'"),
    ("fit lacks a factor", "'fit' for each factor"),
    ("repeated key", "repeats a key"),
    ("no Korean", "factors[0] lacks ko"),
    ("role without Korean job", "fsdl_roles[2] lacks job_ko"),
])
def test_bad_talk_data_is_a_one_line_error_naming_the_file(tmp_path: Path, change: str, words: str) -> None:
    path = _write(tmp_path, _broken(change))
    with pytest.raises(ValueError) as err:
        career.load_talk_data(path)
    assert str(err.value).startswith(f"{path}: ") and words in str(err.value) and "\n" not in str(err.value)


def test_unreadable_talk_data_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "talk.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"talk\.json: cannot read talk data"):
        career.load_talk_data(path)
    with pytest.raises(ValueError, match="missing.json: cannot read"):
        career.load_talk_data(tmp_path / "missing.json")


def test_fsdl_table_for_the_lecture() -> None:
    frame = career.table("fsdl_roles", ("en", "product"))
    assert list(frame.columns) == ["en", "product"] and len(frame) == 6
    assert frame.set_index("en").loc["ML researcher", "product"] == "A prediction model and a report describing it"


def test_roles_table_is_headed_in_one_language_without_a_clash() -> None:
    english = career.roles_table("en")
    assert list(english.columns) == ["role", "job function", "work product", "common tools"]
    assert not any(has_hangul(str(v)) for v in [*english.columns, *english.to_numpy().ravel()])
    korean = career.roles_table("ko")
    # "역할" heads the role names only; the job function is "하는 일", not a second "역할"
    assert list(korean.columns) == ["역할", "영문 이름", "하는 일", "결과물", "주요 도구"]
    assert korean.loc[4, "역할"] == "ML 연구자" and korean.loc[4, "결과물"] == "예측 모델과 그 모델을 설명하는 보고서"
    assert all(has_hangul(text) for text in [*korean["하는 일"], *korean["결과물"]])
    # the English names shown are exactly the labels Exercise 4 accepts
    q4 = keys.load_source(SOURCE_KEY)["questions"]["q4"]["answer"]
    assert sorted(korean["영문 이름"]) == sorted(q4.values())


# ---------------------------------------------------------------------- widget 1: self-assessment

@pytest.mark.parametrize("bad, words", [
    ({"cs": 3}, "missing"),
    (scores() | {"charm": 3}, "unknown ['charm']"),
    (scores(grit=6), "'grit' must be an integer from 0 to 5"),
    (scores(grit=True), "'grit' must be an integer"),
    (scores(grit=2.5), "'grit' must be an integer"),
])
def test_scores_are_validated(bad: dict, words: str) -> None:
    with pytest.raises(ValueError) as err:
        career.validate_scores(bad)
    assert words in str(err.value)


def test_next_step_targets_the_weakest_skill() -> None:
    assert career.next_step(scores(teamwork=1), "en").startswith("Teamwork (1/5): Join a team competition")
    assert career.next_step(scores(teamwork=1), "ko").startswith("팀워크 (1/5):")
    # a tie goes to the skill listed first, so the suggestion never depends on dict order
    tied = dict(reversed(list(scores(kindness=0, english=0).items())))
    assert career.next_step(tied, "en").startswith("English (0/5)")
    assert "showcase project" in career.next_step({k: 4 for k in career.skill_keys()}, "en")


def test_radar_plots_one_closed_spoke_per_skill() -> None:
    fig = career.radar_figure(scores(cs=5, kindness=0))
    ax = fig.axes[0]
    assert isinstance(fig, Figure) and ax.name == "polar"
    assert [tick.get_text() for tick in ax.get_xticklabels()] == [s["en"] for s in career.talk_data()["skills"]]
    radii = list(ax.lines[0].get_ydata())
    assert radii == [5, 3, 3, 3, 3, 3, 0, 5]


def texts_of(fig: Figure) -> list[str]:
    """Every title, axis label, tick label and annotation of a figure."""
    found = [fig._suptitle.get_text()] if fig._suptitle else []
    for ax in fig.axes:
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        found += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return [text for text in found if text.strip()]


def test_radar_in_korean(korean) -> None:
    fig = career.radar_figure(scores(), lang="ko")
    assert fig._suptitle.get_text() == "자기 평가 (0–5점)"
    assert [tick.get_text() for tick in fig.axes[0].get_xticklabels()] == [s["ko"] for s in career.talk_data()["skills"]]


@pytest.mark.parametrize("draw", [
    lambda lang: career.radar_figure(scores(), lang=lang),
    lambda lang: career.path_figure(lang=lang, papers=5, mentoring=5, products=0, scale=0, traffic=0),
    lambda lang: career.debt_figure(lang=lang),
], ids=["radar", "path", "debt"])
def test_every_plot_speaks_the_language_asked(draw, korean) -> None:
    english, korean = texts_of(draw("en")), texts_of(draw("ko"))
    assert not any(has_hangul(text) for text in english), english
    named = [text for text in korean if any(c.isalpha() for c in text)]  # tick numbers carry no language
    assert named and all(has_hangul(text) for text in named), korean
    fig = draw("ko")
    assert has_hangul(fig._suptitle.get_text() if fig._suptitle else fig.axes[0].get_title())


def test_plots_follow_the_learner_language_by_default(korean) -> None:
    assert career.path_figure(papers=5, mentoring=5).axes[0].get_title() == "내 가중치에 가장 잘 맞는 길: 대학원"
    assert career.debt_figure().axes[0].get_title().startswith("그림 속 시스템에서 ML 코드의 비중: 2%")


def test_profile_round_trip_and_bad_files(tmp_path: Path) -> None:
    path = career.save_profile(scores(english=1), tmp_path / "me.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["skills"]["english"] == 1 and record["next_step"]["en"].startswith("English (1/5)")
    assert record["next_step"]["ko"].startswith("영어 (1/5)")
    assert career.load_profile(path) == scores(english=1)
    path.write_text(json.dumps({"version": 1, "skills": scores(grit=9)}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"me\.json: score for 'grit'"):
        career.load_profile(path)
    path.write_text(json.dumps({"skills": scores()}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"me\.json: not a career profile"):
        career.load_profile(path)
    path.write_text("[", encoding="utf-8")
    with pytest.raises(ValueError, match=r"me\.json: cannot read the profile"):
        career.load_profile(path)


def test_self_assessment_widget_at_trait_level(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    box = career.self_assessment(path)
    assert "Kindness (3/5)" not in box.suggestion.value and "CS &amp; software engineering (3/5)" in box.suggestion.value
    box.sliders["humility"].value = 1
    assert "Humility (1/5)" in box.suggestion.value
    assert not path.exists()  # nothing is written without a click
    box.save.click()
    assert career.load_profile(path) == scores(humility=1)
    assert str(path) in box.status.value
    box.sliders["humility"].value = 2
    assert box.status.value == ""  # the "saved" note goes once the sliders move again
    again = career.self_assessment(path)  # a saved profile is where the sliders start next time
    assert again.sliders["humility"].value == 1


def test_a_corrupt_saved_profile_is_named_not_ignored(tmp_path: Path) -> None:
    path = tmp_path / "my_career_profile.json"
    path.write_text('{"version": 1, "skills": {"cs": 3}}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"my_career_profile\.json: skills do not match"):
        career.self_assessment(path)


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list:
    """Everything the code under test passes to IPython's display(), in handout mode."""
    import IPython.display

    monkeypatch.setenv("WORKBOOK_HANDOUT", "1")
    displayed: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: displayed.extend(objs))
    return displayed


def test_self_assessment_handout_shows_a_static_default(shown: list, tmp_path: Path) -> None:
    assert career.self_assessment(tmp_path / "p.json", start=scores(grit=0)) is None
    assert "grit = 0" in shown[0].data
    assert isinstance(shown[1], Figure) and list(shown[1].axes[0].lines[0].get_ydata())[:3] == [3, 3, 0]
    assert "Grit (0/5)" in shown[2].data
    assert not (tmp_path / "p.json").exists()


# ---------------------------------------------------------------- widget 2: academia vs industry

def test_path_scores_are_weighted_means_of_the_fits() -> None:
    fits = {p["key"]: p["fit"] for p in career.talk_data()["paths"]}
    got = career.path_scores({"papers": 2, "traffic": 1})
    for key, fit in fits.items():
        assert got[key] == pytest.approx((2 * fit["papers"] + fit["traffic"]) / 3)


@pytest.mark.parametrize("weights, best", [
    ({"papers": 5, "mentoring": 5}, "graduate_school"),
    ({"products": 5, "traffic": 5}, "industry_product"),
    ({"papers": 4, "scale": 5}, "industry_research"),
])
def test_recommendation_follows_the_weights(weights: dict, best: str) -> None:
    assert career.recommend_path(weights) == best


@pytest.mark.parametrize("weights, words", [
    ({"papers": 0}, "at least one"),
    ({"papers": -1, "scale": 3}, "zero or more"),
    ({"salary": 3}, "unknown preference factor"),
])
def test_bad_weights_are_refused(weights: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        career.path_scores(weights)


def test_path_figure_titles_the_recommendation() -> None:
    fig = career.path_figure(papers=5, mentoring=5, products=0, scale=0, traffic=0)
    assert fig.axes[0].get_title().endswith("Graduate school")
    bars = fig.axes[0].patches
    assert len(bars) == 3 and max(b.get_width() for b in bars) == pytest.approx(1.0)


def test_path_verdict_in_both_languages() -> None:
    clear = {"papers": 5, "mentoring": 5}
    assert career.path_verdict(clear, "en") == "Best fit: Graduate school (1.00), 0.30 ahead of Industry research lab."
    assert career.path_verdict(clear, "ko") == "가장 잘 맞는 길: 대학원 (1.00), 기업 연구소보다 0.30 높습니다."
    # papers 0.8 vs 0.2 and products 0.4 vs 1.0 balance out between the two industry paths
    tie = career.path_verdict({"papers": 1, "products": 1, "scale": 1}, "en")
    assert "near tie" in tie and tie.startswith("Best fit: Industry")
    korean = career.path_verdict({"papers": 1, "products": 1, "scale": 1}, "ko")
    # the particle "도" fits any name, unlike the old hedge "와(과)"
    assert korean.startswith("가장 잘 맞는 길: 기업") and "기업 제품 팀(0.67)도 거의 같은 점수라" in korean and "와(과)" not in korean


def test_path_view_shows_a_verdict_and_a_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    displayed: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: displayed.extend(objs))
    career.path_view(papers=0, mentoring=0, products=5, scale=0, traffic=5)
    assert displayed[0].data.startswith("**Best fit: Industry product team") and isinstance(displayed[1], Figure)
    displayed.clear()
    career.path_view(papers=0, mentoring=0, products=0, scale=0, traffic=0)
    assert len(displayed) == 1 and "at least one" in displayed[0].data


def _recorder(fn, calls: list):
    def record(**values):
        calls.append(values)
        return fn(**values)
    return record


def test_path_widget_wiring_at_trait_level(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    from workbook.widgets import live

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: None)
    calls: list = []
    controls = career.path_controls()
    live(_recorder(career.path_view, calls), controls)
    assert calls == [{f["key"]: 3 for f in career.talk_data()["factors"]}]  # rendered once without a click
    controls["papers"].value = 5
    controls["products"].value = 0
    assert calls[-1]["papers"] == 5 and calls[-1]["products"] == 0 and len(calls) == 3


# ---------------------------------------------------------------- widget 3: the technical-debt figure

def test_treemap_tiles_the_area_in_proportion() -> None:
    sizes = {b["key"]: b["size"] for b in career.debt_boxes()}
    rects = career.treemap(sizes, 2.0, 1.0)
    total = sum(sizes.values())
    for key, (x, y, w, h) in rects.items():
        assert w * h == pytest.approx(2.0 * sizes[key] / total)
        assert 0 <= x and x + w <= 2.0 + 1e-9 and 0 <= y and y + h <= 1.0 + 1e-9
    items = list(rects.values())
    for i, (x1, y1, w1, h1) in enumerate(items):
        for x2, y2, w2, h2 in items[i + 1:]:
            overlap = max(0.0, min(x1 + w1, x2 + w2) - max(x1, x2)) * max(0.0, min(y1 + h1, y2 + h2) - max(y1, y2))
            assert overlap == pytest.approx(0.0, abs=1e-12)
    assert career.treemap({}) == {}
    with pytest.raises(ValueError, match="positive"):
        career.treemap({"a": 1, "b": 0})


def test_ml_share_grows_as_boxes_are_hidden() -> None:
    sizes = career.default_sizes()
    assert career.ml_share(sizes) == pytest.approx(2.0 / sum(b["size"] for b in career.debt_boxes()))
    assert career.ml_share({"ml_code": 2.0, "monitoring": 10.0}) == pytest.approx(2.0 / 12.0)


@pytest.mark.parametrize("sizes, words", [
    ({"ml_code": 2.0, "blockchain": 3.0}, "unknown box(es) ['blockchain']"),
    ({"monitoring": 3.0}, "always drawn"),
    ({"ml_code": 0.0}, "positive"),
])
def test_bad_sizes_are_refused(sizes: dict, words: str) -> None:
    with pytest.raises(ValueError) as err:
        career.ml_share(sizes)
    assert words in str(err.value)


def test_debt_figure_draws_the_given_boxes() -> None:
    fig = career.debt_figure({"ml_code": 10.0, "monitoring": 10.0, "configuration": 10.0})
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    assert sorted(text.get_text() for text in ax.texts) == ["Configuration", "ML Code", "Monitoring"]
    assert ax.get_title().startswith("ML code is 33% of the system")
    assert len(career.debt_figure().axes[0].patches) == 10


def test_debt_labels_fit_their_boxes() -> None:
    assert career._fit_label("Data Verification", 400, 100) == ("Data Verification", 10.0)
    text, size = career._fit_label("Machine Resource Management", 60, 100)
    assert text == "Machine\nResource\nManagement" and 5.0 <= size < 10.0
    # Hangul syllables are about twice as wide as Latin letters: a four-syllable word needs a smaller font
    assert career._fit_label("Data", 30, 100)[1] == 10.0
    text, size = career._fit_label("프로세스 관리 도구", 30, 100)
    assert text == "프로세스\n관리\n도구" and size * 4 * 0.95 <= 0.9 * 30 and size < 8


def test_debt_explorer_at_trait_level() -> None:
    box = career.debt_explorer()
    assert box.summary.value == "ML code is 2% of the system drawn; 9 other box(es) around it."
    assert "ml_code" not in box.shown  # ML code is the one box that cannot be hidden
    for key in box.shown:
        if key != "monitoring":
            box.shown[key].value = False
    assert box.sizes["configuration"].disabled and not box.sizes["monitoring"].disabled
    box.sizes["ml_code"].value = 10.0
    assert box.summary.value == "ML code is 50% of the system drawn; 1 other box(es) around it."
    box.sizes["configuration"].value = 40.0  # hidden: no effect
    assert box.summary.value.startswith("ML code is 50%")
    box.shown["configuration"].value = True
    assert box.summary.value == "ML code is 17% of the system drawn; 2 other box(es) around it."


def test_debt_explorer_handout_shows_the_default_figure(shown: list) -> None:
    assert career.debt_explorer() is None
    assert isinstance(shown[1], Figure) and len(shown[1].axes[0].patches) == 10
    assert shown[2].data.startswith("ML code is 2%")


@pytest.mark.parametrize("answer", [
    NON_ML,
    [name.upper().replace(" ", "_") for name in reversed(NON_ML)],
    [b["ko"] for b in career.debt_boxes() if not b.get("ml")],
])
def test_debt_box_checker_accepts_any_spelling(answer: list[str]) -> None:
    assert career.debt_box_problems(answer, lang="en") == []


def test_debt_box_checker_names_each_problem() -> None:
    problems = career.debt_box_problems(NON_ML[:6] + ["ML code", "Blockchain", "monitoring ", "Monitoring"], lang="en")
    assert problems == ["Not a box of the figure: 'Blockchain'",
                        "Leave out the ML code box itself: the question asks for everything around it.",
                        "Named more than once: Monitoring", "2 box(es) still missing."]
    assert career.debt_box_problems(NON_ML[:8], lang="ko") == ["아직 1개 상자가 빠져 있습니다."]
    assert career.debt_box_problems(NON_ML + ["모니터링"], lang="ko") == ["두 번 이상 적은 상자: 모니터링"]
    assert career.debt_box_problems("Configuration", lang="en") == ["Give a list of box names (strings)."]


# ---------------------------------------------------------------- widget 4: learning-plan builder

def test_learning_plan_schedules_items_in_roadmap_order() -> None:
    plan = career.learning_plan(["showcase", "backend", "cs_fundamentals"], 20, lang="en")
    lines = plan.splitlines()
    assert lines[0] == "# My learning plan"
    assert "170 h at 20 h/week: about 9 weeks." in plan
    checklist = [line for line in lines if line.startswith("- [ ] ")]
    assert checklist == [
        "- [ ] Weeks 1–3: CS fundamentals: data structures, algorithms, operating systems (~60 h)",
        "- [ ] Weeks 4–5: Backend: django, flask (~30 h)",  # hours 60..90: the end of week 3 to week 5
        "- [ ] Weeks 5–9: One strong showcase project, end to end (~80 h)",
    ]
    assert not has_hangul(plan)  # the English plan is all English
    korean = career.learning_plan(["showcase", "backend", "cs_fundamentals"], 20, lang="ko")
    assert korean.splitlines()[0] == "# 나의 학습 계획"
    assert "총 170시간, 주당 20시간이면 약 9주가 걸립니다." in korean
    assert "- [ ] 5–9주차: 강력한 한 방: 처음부터 끝까지 완성한 대표 프로젝트 (~80 h)" in korean
    assert "- [ ] 1주차: 인턴십 지원하기" in career.learning_plan(["internship"], 10, lang="ko")


@pytest.mark.parametrize("selected, hours, words", [
    (["ml", "quantum"], 5, "unknown plan item"),
    (["ml"], 0, "positive integer"),
    (["ml"], 2.5, "positive integer"),
])
def test_learning_plan_refuses_bad_input(selected: list, hours: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        career.learning_plan(selected, hours)


def test_empty_plan_says_what_to_do() -> None:
    assert "Pick at least one item." in career.learning_plan([], 10, lang="en")


def test_learning_plan_builder_at_trait_level(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    box = career.learning_plan_builder(path)
    assert "Weeks 1–6: CS fundamentals" in box.preview.value
    box.hours.value = 30
    box.picker.value = ("ml", "ops")
    assert "Weeks 1–2: Machine learning" in box.preview.value and "CS fundamentals" not in box.preview.value
    assert not path.exists()
    box.export.click()
    assert path.read_text(encoding="utf-8") == career.learning_plan(("ml", "ops"), 30)
    assert str(path) in box.status.value


def test_widgets_in_korean_attach_particles_and_say_what_they_show(korean, tmp_path: Path, monkeypatch) -> None:
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: None)
    box = career.self_assessment(tmp_path / "p.json")
    box.save.click()
    assert f"<code>{tmp_path / 'p.json'}</code>에 저장했습니다." in box.status.value  # no space before the particle
    assert "다음 단계" in box.suggestion.value and "CS·소프트웨어 엔지니어링 (3/5)" in box.suggestion.value
    plan = career.learning_plan_builder(tmp_path / "plan.md")
    plan.export.click()
    assert plan.status.value == f"<code>{tmp_path / 'plan.md'}</code>에 저장했습니다."
    assert career.debt_explorer().summary.value == "그림 속 시스템에서 ML 코드는 2%이고, 그 주변에 상자가 9개 있습니다."
    assert "(강력한 한 방)" not in career.next_step({k: 4 for k in career.skill_keys()}, "en")


def test_korean_handouts_are_korean_throughout(korean, shown: list, tmp_path: Path) -> None:
    career.self_assessment(tmp_path / "p.json", start=scores(grit=0))
    assert shown[0].data.startswith("*자기 평가 — JupyterLab에서는 직접 조작할 수 있습니다.") and "grit = 0" in shown[0].data
    assert "Self-assessment" not in shown[0].data
    shown.clear()
    career.debt_explorer()
    assert shown[0].data == "*기술 부채 그림 — JupyterLab에서는 직접 조작할 수 있습니다. 여기서는 추정 크기로 그렸습니다.*"
    shown.clear()
    career.learning_plan_builder(tmp_path / "plan.md")
    assert shown[0].data == "*학습 계획 만들기 — JupyterLab에서는 직접 조작할 수 있습니다. 아래는 기본 계획입니다:*"


def test_learning_plan_builder_handout_shows_the_default_plan(shown: list, tmp_path: Path) -> None:
    assert career.learning_plan_builder(tmp_path / "plan.md") is None
    assert shown[-1].data == career.learning_plan(career.DEFAULT_PLAN, 10)
    assert not (tmp_path / "plan.md").exists()


# ------------------------------------------------------------------------------------ answer key

def test_key_answers_satisfy_their_own_rules() -> None:
    source = keys.load_source(SOURCE_KEY)
    questions = source["questions"]
    assert source["prefix"] == "career" and len(questions) >= 4
    assert career.debt_box_problems(NON_ML, lang="en") == []
    assert questions["q3"]["kind"] == "value" and questions["q3"]["unordered"] and questions["q3"]["answer"] == NON_ML
    assert {career.label(b, "ko") for b in career.debt_boxes() if not b.get("ml")} <= {
        a for names in questions["q3"]["synonyms"].values() for a in names}  # the figure's Korean labels pass
    # every rule of suggest() is exercised by a public case
    assert {case["expect"] for case in questions["q5"]["cases"]} == {
        "cs_fundamentals", "english", "reproduce_paper", "competition", "internship", "showcase", "apply"}
    # matching questions use each label once, as the notebook says
    for qid in ("q2", "q4", "q6"):
        answers = list(questions[qid]["answer"].values())
        assert len(set(answers)) == len(answers), qid


def test_learner_key_holds_no_answer_in_the_clear() -> None:
    text = (ROOT / "workbook" / "keys" / "career.json").read_text(encoding="utf-8")
    learner = json.loads(text)
    assert set(learner["questions"]) == set(keys.load_source(SOURCE_KEY)["questions"])
    # (suggest()'s public cases show their expected outputs on a failed check, by design)
    for secret in ("research scientist", "on-device ML engineer", "Machine Learning", "Machine Resource Management", "리서치 사이언티스트"):
        assert secret not in text
    assert "hidden" not in text




def test_solution_suggest_agrees_with_every_case_hidden_ones_included() -> None:
    """The notebook test runs the public cases; the hidden ones only meet the solution here."""
    import nbformat

    solution = nbformat.read(ROOT / "solutions" / "03_career_building.ipynb", as_version=4)
    namespace: dict = {}
    exec(next(c.source for c in solution.cells if c.source.startswith("def suggest(")), namespace)
    q5 = keys.load_source(SOURCE_KEY)["questions"]["q5"]
    for case in q5["cases"] + q5["hidden"]:
        assert namespace["suggest"](*case["args"]) == case["expect"], case["args"]
    with pytest.raises(ValueError, match="track"):
        namespace["suggest"]({"track": "sales"})
