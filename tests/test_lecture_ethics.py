"""Lecture 2 (AI ethics): the COMPAS data and ProPublica's figures, agreement with fairlearn, each widget's
logic as a plain function, the property checker, and the answer key's agreement with the data."""

from __future__ import annotations

import hmac
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from workbook import get_lang, set_lang
from workbook.lectures import ethics as eth

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return eth.load_compas()


@pytest.fixture
def korean():
    before = get_lang()
    set_lang("ko")
    yield
    set_lang(before)


# ------------------------------------------------------------------------------------------- data


def test_table_has_the_published_totals(table: pd.DataFrame) -> None:
    per_race = table.groupby("race")["defendants"].sum()
    assert per_race.to_dict() == {"Black": 3696, "White": 2454}
    assert len(eth.expand_to_rows(table)) == 6150


@pytest.mark.parametrize("rates", ["own", "fairlearn"])
def test_propublica_figures_at_threshold_5(table: pd.DataFrame, rates: str) -> None:
    compute = eth.group_rates if rates == "own" else eth.fairlearn_rates
    got = (compute(table, 5)[["FPR", "FNR"]] * 100).round(2)
    assert got.loc["Black", "FPR"] == 44.85
    assert got.loc["White", "FPR"] == 23.45
    assert got.loc["Black", "FNR"] == 27.99
    assert got.loc["White", "FNR"] == 47.72


@pytest.mark.parametrize("threshold", range(1, 11))
def test_rates_from_counts_agree_with_fairlearn_metricframe(table: pd.DataFrame, threshold: int) -> None:
    ours = eth.group_rates(table, threshold)[["FPR", "FNR", "PPV", "selection rate"]]
    theirs = eth.fairlearn_rates(table, threshold)
    pd.testing.assert_frame_equal(ours, theirs.astype(float), check_names=False, atol=1e-12)


def test_group_specific_thresholds_apply_per_race(table: pd.DataFrame) -> None:
    mixed = eth.group_rates(table, {"Black": 7, "White": 5})
    pd.testing.assert_series_equal(mixed.loc["Black"], eth.group_rates(table, 7).loc["Black"])
    pd.testing.assert_series_equal(mixed.loc["White"], eth.group_rates(table, 5).loc["White"])


@pytest.mark.parametrize("bad", [0, 11, 5.5, {"Black": 5}])
def test_a_bad_threshold_is_refused(table: pd.DataFrame, bad: object) -> None:
    with pytest.raises(ValueError, match="threshold"):
        eth.group_rates(table, bad)  # type: ignore[arg-type]


def _write(path: Path, table: pd.DataFrame) -> Path:
    table.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("damage, message", [
    (lambda t: t.rename(columns={"defendants": "n"}), "columns must be"),
    (lambda t: t.assign(defendants=t["defendants"] * -1), "negative"),
    (lambda t: t.iloc[1:], "exactly one row"),
    (lambda t: pd.concat([t, t.iloc[:1]]), "exactly one row"),
    (lambda t: t.assign(decile=t["decile"] + 0.5), "whole numbers"),
])
def test_a_damaged_file_is_named_with_its_problem(table: pd.DataFrame, tmp_path: Path, damage, message: str) -> None:
    path = _write(tmp_path / "compas.csv", damage(table))
    with pytest.raises(ValueError, match=message) as err:
        eth.load_compas(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing.csv: cannot read"):
        eth.load_compas(tmp_path / "missing.csv")


# ------------------------------------------------------------------------------------ property checker


def test_compas_checker_accepts_the_right_fractions(table: pd.DataFrame) -> None:
    c = eth.confusion_counts(table, 5)
    answer = {race: {"FPR": c.loc[race, "FP"] / (c.loc[race, "FP"] + c.loc[race, "TN"]),
                     "FNR": c.loc[race, "FN"] / (c.loc[race, "FN"] + c.loc[race, "TP"])} for race in eth.GROUPS}
    assert eth.check_compas_by_hand(answer) == []
    rounded = {race: {k: round(float(v), 4) for k, v in rates.items()} for race, rates in answer.items()}
    assert eth.check_compas_by_hand(rounded) == []


def test_compas_checker_names_each_wrong_or_missing_value() -> None:
    answer = {"Black": {"FPR": 0.4485, "FNR": 0.2799}, "White": {"FPR": 23.45, "FNR": 0.50}}
    problems = eth.check_compas_by_hand(answer)
    assert len(problems) == 2
    assert "percentage" in problems[0] and "White FNR" in problems[1]
    assert "White" in eth.check_compas_by_hand({"Black": {"FPR": 0.4485, "FNR": 0.2799}})[0]
    assert eth.check_compas_by_hand([0.4485]) != []
    assert "숫자" in eth.check_compas_by_hand({"Black": {"FPR": "a", "FNR": 0.2799}, "White": {"FPR": 0.2345, "FNR": 0.4772}}, lang="ko")[0]


# ------------------------------------------------------------------------------------------ widgets


@pytest.mark.parametrize("mechanism", list(eth.MECHANISMS))
def test_mechanism_card_explains_each_mechanism(mechanism: str) -> None:
    shown = eth.mechanism_card(mechanism).data
    assert mechanism in shown and eth.MECHANISMS[mechanism]["en_example"].split()[0] in shown


def test_mechanism_card_speaks_korean_and_refuses_unknown(korean) -> None:
    assert eth.MECHANISMS["proxies"]["ko_what"] in eth.mechanism_card("proxies").data
    with pytest.raises(ValueError, match="unknown mechanism"):
        eth.mechanism_card("astrology")


def test_mechanism_quiz_lists_the_choices_before_a_guess() -> None:
    shown = eth.mechanism_quiz(2).data
    assert "Scenario 2" in shown and all(m in shown for m in eth.MECHANISMS) and "✔" not in shown and "✘" not in shown


@pytest.mark.parametrize("scenario", range(1, 6))
def test_mechanism_quiz_judges_each_guess(scenario: int) -> None:
    right = eth.QUIZ_ORDER[scenario - 1]
    assert "✔" in eth.mechanism_quiz(scenario, right).data
    for guess in set(eth.MECHANISMS) - {right}:
        shown = eth.mechanism_quiz(scenario, guess).data
        assert "✘" in shown and guess in shown and "✔" not in shown


def test_mechanism_quiz_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="scenario"):
        eth.mechanism_quiz(6)
    with pytest.raises(ValueError, match="unknown mechanism"):
        eth.mechanism_quiz(1, "luck")


@pytest.mark.parametrize("threshold", [1, 5, 10])
def test_compas_figure_draws_the_counts_and_rates(table: pd.DataFrame, threshold: int) -> None:
    fig = eth.compas_figure(threshold)
    black, white, bars = fig.axes
    counts = eth.confusion_counts(table, threshold)
    for ax, race in ((black, "Black"), (white, "White")):
        shown = np.asarray(ax.images[0].get_array())
        c = counts.loc[race]
        assert shown.tolist() == [[c["TN"], c["FP"]], [c["FN"], c["TP"]]]
    heights = [patch.get_height() for patch in bars.patches]
    rates = eth.group_rates(table, threshold)[["FPR", "FNR", "PPV", "selection rate"]]
    assert heights == pytest.approx(rates.loc["Black"].tolist() + rates.loc["White"].tolist())
    assert f"≥ {threshold}" in bars.get_title()


def test_compas_explorer_shows_the_rates_as_text_and_the_figure_inline() -> None:
    shown = eth.compas_explorer(5).data
    for figure in ("44.85 %", "23.45 %", "27.99 %", "47.72 %"):
        assert figure in shown
    assert "FPR" in shown and "selection rate" in shown
    assert "<img src='data:image/png;base64," in shown and "alt='Confusion matrices" in shown
    assert "24.90 %" in eth.compas_explorer(7).data  # Black FPR at threshold 7: 447 / 1795


@pytest.mark.parametrize("threshold", range(1, 11))
def test_chouldechova_identity_holds_on_compas(table: pd.DataFrame, threshold: int) -> None:
    rates = eth.group_rates(table, threshold)
    for race in eth.GROUPS:
        r = rates.loc[race]
        assert eth.chouldechova_fpr(r["base rate"], r["PPV"], r["FNR"]) == pytest.approx(r["FPR"])


def test_chouldechova_refuses_impossible_inputs() -> None:
    with pytest.raises(ValueError):
        eth.chouldechova_fpr(1.0, 0.5, 0.2)
    with pytest.raises(ValueError):
        eth.chouldechova_fpr(0.5, 0.0, 0.2)


def test_impossibility_view_marks_the_identity_at_the_chosen_base_rate() -> None:
    fig = eth.impossibility_view(base_rate=0.3, ppv=0.7, fnr=0.2)
    ax = fig.axes[0]
    chosen = ax.collections[0].get_offsets()[0]
    assert chosen.tolist() == pytest.approx([0.3, eth.chouldechova_fpr(0.3, 0.7, 0.2)])
    assert len(ax.collections) == 3  # the chosen point and the two COMPAS groups


def test_thresholds_view_shows_the_gap_and_the_cost(table: pd.DataFrame) -> None:
    view = eth.thresholds_view(7, 5)
    assert list(view.index[:2]) == ["Black", "White"]
    assert abs(view.iloc[2]["FPR"]) < 0.02  # FPRs nearly equal ...
    assert view.loc["Black", "FNR"] > eth.group_rates(table, 5).loc["Black", "FNR"] + 0.2  # ... at a cost


def test_live_refreshes_the_widget_function_on_a_trait_change() -> None:
    import ipywidgets as w

    from workbook.widgets import live

    calls = []

    def spy(black_threshold: int) -> pd.DataFrame:
        calls.append(black_threshold)
        return eth.thresholds_view(black_threshold, 5)

    slider = w.IntSlider(value=5, min=1, max=10)
    live(spy, {"black_threshold": slider})
    slider.value = 7
    assert calls == [5, 7]  # the default rendered without a click, then the change


def test_rotating_tokens_are_unlinkable_without_the_key() -> None:
    keys = eth.phone_keys(seed=0)
    tokens = [eth.rotating_token(keys["A"], epoch) for epoch in range(50)]
    assert len(set(tokens)) == 50 and all(len(tok) == 16 for tok in tokens)
    assert eth.rotating_token(keys["A"], 3) == eth.rotating_token(keys["A"], 3)
    assert eth.rotating_token(keys["A"], 3) != eth.rotating_token(keys["B"], 3)
    expected = hmac.new(keys["A"], (3).to_bytes(8, "big"), "sha256").hexdigest()[:16]
    assert eth.rotating_token(keys["A"], 3) == expected


def test_linkage_view_depends_on_who_observes() -> None:
    column = "linked to"
    snooper, contact, authority = (eth.linkage_view(o, 6) for o in ("snooper", "contact", "health authority"))
    assert len(snooper) == 6 and not snooper[column].isin(["A"]).any()
    assert contact["epoch"].tolist() == [4, 5] and not contact[column].isin(["A"]).any()
    assert authority[column].eq("A").all() and authority["token"].tolist() == snooper["token"].tolist()
    with pytest.raises(ValueError, match="observer"):
        eth.linkage_view("police")


def test_laplace_noise_has_scale_sensitivity_over_epsilon() -> None:
    for epsilon in (0.1, 1.0, 5.0):
        noise = eth.laplace_release(0.0, epsilon, sensitivity=2.0, size=40_000, seed=1)
        # a Laplace(0, b) variable has mean absolute deviation b
        assert np.mean(np.abs(noise)) == pytest.approx(2.0 / epsilon, rel=0.03)
    with pytest.raises(ValueError):
        eth.laplace_release(10, 0.0)


def test_laplace_view_states_the_scale() -> None:
    fig = eth.laplace_view(epsilon=0.5)
    assert "b = 2.00" in fig.axes[0].get_title()


def test_generalisation_coarsens_quasi_identifiers() -> None:
    out = eth.generalise(eth.patients(0), age_band=10, zip_digits=2, drop_sex=True)
    assert out["age"].str.fullmatch(r"\d0-\d9").all()
    assert out["zip"].str.fullmatch(r"\d\d\*\*\*").all() and out["sex"].eq("*").all()
    with pytest.raises(ValueError):
        eth.generalise(eth.patients(0), age_band=0)


def test_k_anonymity_view_counts_each_equivalence_class() -> None:
    view = eth.k_anonymity_view(age_band=20, zip_digits=3, drop_sex=True)
    sizes = view.groupby(["age", "zip", "sex"]).size()
    assert view["class size"].tolist() == [sizes[tuple(row)] for row in view[["age", "zip", "sex"]].itertuples(index=False)]
    assert eth.k_anonymity_view(1, 5)["class size"].min() == 1  # exact values single people out
    coarse = eth.k_anonymity_view(40, 0, drop_sex=True)  # ZIP and sex hidden: the age bands are the classes
    assert sorted(set(coarse["class size"])) == sorted(coarse["age"].value_counts())


def test_training_footprint_multiplies_out() -> None:
    shown = eth.training_footprint(gpus=64, kw_per_gpu=0.4, hours=336, pue=1.2, grid_kg_per_kwh=0.42).data
    assert "10,322 kWh" in shown and "4.34 t CO₂" in shown
    with pytest.raises(ValueError, match="PUE"):
        eth.training_footprint(pue=0.9)


def test_society_tables_cover_the_talk() -> None:
    assert eth.ai_now_table()["domain"].tolist() == ["housing", "health insurance", "credit", "employment", "legal"]
    assert len(eth.deepfake_table()) == 4 and len(eth.climate_table()) == 6


# ------------------------------------------------------------------------------------------ the key


def test_answer_key_agrees_with_the_data(table: pd.DataFrame) -> None:
    questions = yaml.safe_load((ROOT / "solutions/keys/02_ai_ethics.yml").read_text(encoding="utf-8"))["questions"]
    rates = eth.group_rates(table, 5)
    white = rates.loc["White"]
    ppv = questions["q3"]["answer"]
    assert eth.chouldechova_fpr(white["base rate"], ppv, white["FNR"]) == pytest.approx(rates.loc["Black", "FPR"])
    q4 = questions["q4"]["answer"]
    fpr_gap = lambda th: abs(eth.group_rates(table, {"Black": th, "White": 5}).loc["Black", "FPR"] - white["FPR"])  # noqa: E731
    assert q4["threshold"] == min(range(1, 11), key=fpr_gap)
    assert q4["black_fnr"] == pytest.approx(eth.group_rates(table, q4["threshold"]).loc["Black", "FNR"])
    assert set(questions["q1"]["answer"].values()) == set(eth.MECHANISMS)
    assert set(questions["q9"]["answer"].values()) == set(eth.DEEPFAKE_TYPES)


def test_fairness_cases_give_fairlearn_a_defined_answer() -> None:
    from fairlearn.metrics import equalized_odds_difference

    questions = yaml.safe_load((ROOT / "solutions/keys/02_ai_ethics.yml").read_text(encoding="utf-8"))["questions"]
    for case in questions["q6"]["cases"] + questions["q6"]["hidden"]:
        assert not np.isnan(equalized_odds_difference(*case["args"], **case["kwargs"]))


# ------------------------------------------------------------------------------------- languages

HANGUL = re.compile("[가-힣]")
ENGLISH_WORD = re.compile("[a-z]{4,}")  # "risk", "rate", "count": not "n=", "b", "PPV", "FNR" or "COMPAS"


def _figure_texts(fig) -> dict[str, list[str]]:
    """Every piece of text a reader sees in ``fig``, by kind."""
    texts: dict[str, list[str]] = {"title": [], "label": [], "tick": [], "legend": []}
    for ax in fig.axes:
        texts["title"] += [ax.get_title()]
        texts["label"] += [ax.get_xlabel(), ax.get_ylabel()]
        texts["tick"] += [tick.get_text() for tick in ax.get_xticklabels() + ax.get_yticklabels()]
        legend = ax.get_legend()
        texts["legend"] += [text.get_text() for text in legend.get_texts()] if legend else []
    return {kind: [text for text in shown if text] for kind, shown in texts.items()}


PLOTS = {"compas_figure": lambda lang: eth.compas_figure(5, lang=lang),
         "impossibility_view": lambda lang: eth.impossibility_view(lang=lang),
         "laplace_view": lambda lang: eth.laplace_view(epsilon=1.0, lang=lang)}


@pytest.mark.parametrize("plot", PLOTS)
def test_each_plot_is_korean_with_lang_ko(plot: str) -> None:
    texts = _figure_texts(PLOTS[plot]("ko"))
    assert texts["title"] and all(HANGUL.search(title) for title in texts["title"][-1:])
    assert any(HANGUL.search(label) for label in texts["label"] + texts["tick"])
    shown = [text for kind in texts.values() for text in kind]
    assert not [text for text in shown if ENGLISH_WORD.search(text)]  # no English word left over
    english = [text for kind in _figure_texts(PLOTS[plot]("en")).values() for text in kind]
    assert [text for text in english if ENGLISH_WORD.search(text)]  # the same probe finds English in "en"
    assert not [text for text in english if HANGUL.search(text)]


def test_figure_text_is_korean_whatever_fonts_are_installed(korean) -> None:
    """No fallback to English: lang "ko" (here the current language) always draws Korean text."""
    ax = eth.laplace_view(epsilon=1.0).axes[0]
    assert ax.get_xlabel() == "공개된 값"
    assert eth.laplace_view(epsilon=1.0, lang="en").axes[0].get_xlabel() == "released count"
    assert not hasattr(eth, "hangul_font")


def test_compas_figure_names_the_groups_in_korean() -> None:
    black, white, bars = eth.compas_figure(5, lang="ko").axes
    assert black.get_title().startswith("흑인 (n=") and white.get_title().startswith("백인 (n=")
    assert [text.get_text() for text in bars.get_legend().get_texts()] == ["흑인", "백인"]
    assert [tick.get_text() for tick in bars.get_xticklabels()] == ["FPR", "FNR", "PPV", "선택률"]
    assert eth.compas_figure(5, lang="en").axes[0].get_title().startswith("Black (n=")


def test_compas_explorer_in_korean_heads_its_table_in_korean() -> None:
    shown = eth.compas_explorer(5, lang="ko").data
    assert "선택률" in shown and "selection rate" not in shown and "인종" in shown
    assert "alt='임계값 5에서 인종별 혼동 행렬과 오류율'" in shown
    assert "44.85 %" in shown


def test_mechanism_quiz_in_korean_names_the_mechanism_and_its_answer_key(korean) -> None:
    wrong = eth.mechanism_quiz(1, "labelling").data
    assert "✘ 정답이 아닙니다." in wrong and "학습 데이터의 레이블링 (labelling)" in wrong
    assert "✘ 아닙니다 <b>" not in wrong  # the old word order: "not labelling"
    assert "✔ 정답입니다" in eth.mechanism_quiz(1, "proxies").data
    assert eth.mechanism_label("proxies") == "대리 변수 (proxies)"


def test_mechanism_names_are_plain_english_in_english() -> None:
    assert eth.mechanism_label("proxies") == "proxies"
    assert not HANGUL.search(eth.mechanism_card("proxies").data)
    assert not HANGUL.search(eth.mechanism_quiz(3, "labelling").data)


TABLES = [eth.ai_now_table, eth.deepfake_table, eth.climate_table]


@pytest.mark.parametrize("table_of", TABLES, ids=lambda f: f.__name__)
def test_society_tables_are_all_korean_in_korean(table_of, korean) -> None:
    shown = table_of()
    assert all(HANGUL.search(str(name)) for name in shown.columns)
    for column in (shown.columns[0], shown.columns[-1]):  # the Korean name and its description
        assert shown[column].map(lambda text: bool(HANGUL.search(text))).all()


@pytest.mark.parametrize("table_of", TABLES, ids=lambda f: f.__name__)
def test_society_tables_are_plain_english_in_english(table_of) -> None:
    shown = table_of()
    assert not any(HANGUL.search(str(cell)) for cell in [*shown.columns, *shown.to_numpy().ravel()])


def test_deepfake_table_in_korean_keeps_the_answer_names(korean) -> None:
    assert set(eth.deepfake_table().iloc[:, 1]) == set(eth.DEEPFAKE_TYPES)


def test_korean_checker_messages_read_as_korean() -> None:
    assert eth.check_compas_by_hand([0.4], lang="ko") == ["{인종: {'FPR': ..., 'FNR': ...}} 형태의 dict로 답하세요."]
    far = eth.check_compas_by_hand({"Black": {"FPR": 0.5, "FNR": 0.2799}, "White": {"FPR": 0.2345, "FNR": 0.4772}}, lang="ko")
    assert far == ["Black FPR = 0.5000: fairlearn MetricFrame으로 구한 값과 ±0.0005 넘게 다릅니다 (소수점 셋째 자리까지면 충분합니다)"]


def test_linkage_view_heads_its_columns_in_korean(korean) -> None:
    assert list(eth.linkage_view("snooper", 2).columns) == ["구간", "토큰", "연결된 사용자"]
    assert eth.linkage_view("snooper", 2).iloc[0, 2] == "? (연결할 수 없음)"


WIDGET_FUNCTIONS = [eth.mechanism_quiz, eth.compas_explorer, eth.impossibility_view, eth.thresholds_view,
                    eth.linkage_view, eth.laplace_view, eth.k_anonymity_view, eth.training_footprint]


@pytest.mark.parametrize("widget", WIDGET_FUNCTIONS, ids=lambda f: f.__name__)
def test_every_widget_renders_something_at_its_defaults(widget) -> None:
    """What a headless run and a handout show before anyone touches a control."""
    from matplotlib.figure import Figure

    shown = widget()
    if isinstance(shown, Figure):
        assert shown.axes and any(ax.has_data() for ax in shown.axes)
    elif isinstance(shown, pd.DataFrame):
        assert not shown.empty
    else:
        assert len(shown.data) > 40  # IPython HTML with real content


def test_handout_mode_shows_the_default_without_controls(monkeypatch, capsys) -> None:
    import ipywidgets as w

    from workbook.widgets import live

    monkeypatch.setenv("WORKBOOK_HANDOUT", "1")
    assert live(eth.linkage_view, {"observer": w.Dropdown(options=["snooper", "health authority"], value="health authority")}) is None
    printed = capsys.readouterr().out
    token = eth.rotating_token(eth.phone_keys()["A"], 0)
    assert any(line.split()[1:] == ["0", token, "A"] for line in printed.splitlines())  # the authority's view
