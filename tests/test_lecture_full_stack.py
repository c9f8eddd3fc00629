"""Lecture 1 (Full Stack ML Engineer): widget logic, the serving demo, the checker and the answer key."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.special import softmax
from sklearn.metrics import cohen_kappa_score

from tests.mutants import full_stack as mutants
from workbook import check
from workbook.lectures import full_stack as fs

ROOT = Path(__file__).resolve().parents[1]
KEY = yaml.safe_load((ROOT / "solutions" / "keys" / "01_full_stack_ml.yml").read_text(encoding="utf-8"))
QUESTIONS = KEY["questions"]


# --- live wiring of every lecture widget, at trait level ----------------------------------------------

WIRING = [
    (fs.team_coverage, fs.team_controls, "roles", ("pm",), lambda out: out.data.count("✔") == 0),
    (fs.agreement_report, fs.agreement_controls, "noise", 0.75, lambda fig: "0.75" in fig.axes[0].get_title()),
    (fs.versioning_report, fs.versioning_controls, "row", 4, lambda out: "row4_col" in out.data),
    (fs.quantization_report, fs.quantization_controls, "bits", 4, lambda fig: fig.axes[0].get_title().startswith("4 bits")),
    (fs.distillation_report, fs.distillation_controls, "temperature", 1.0, lambda fig: "T = 1" in fig.axes[0].get_title()),
    (fs.capacity_report, fs.capacity_controls, "target_qps", 240, lambda out: "<b>3</b> machine(s)" in out.data),
]


@pytest.mark.parametrize("report, controls_of, name, value, shows", WIRING, ids=[w[2] for w in WIRING])
def test_widget_wiring_at_trait_level(monkeypatch: pytest.MonkeyPatch, report, controls_of, name, value, shows) -> None:
    import IPython.display
    import matplotlib.pyplot as plt

    from workbook.widgets import live

    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: shown.extend(objs))
    calls: list = []

    def record(**values):
        calls.append(values)
        return report(**values, lang="en")

    controls = controls_of("en")
    live(record, controls)
    assert len(calls) == 1 and calls[0] == {k: c.value for k, c in controls.items()}  # drawn without a click
    controls[name].value = value
    assert len(calls) == 2 and calls[-1][name] == value
    assert shows(record(**calls[-1]))
    plt.close("all")


def test_controls_are_labelled_in_korean() -> None:
    assert fs.quantization_controls("ko")["bits"].description == "비트"
    assert fs.team_controls("ko")["roles"].options[1] == ("개발자", "developer")


# --- team and the seven jobs -------------------------------------------------------------------------


def test_developer_researcher_data_manager_cover_all_seven_jobs() -> None:
    html = fs.team_coverage(["developer", "researcher", "data"], lang="en").data
    assert html.count("✔") == 7 and "✘" not in html
    assert "full stack ML engineer" in html


def test_one_role_covers_only_its_jobs() -> None:
    html = fs.team_coverage(["developer"], lang="en").data
    assert html.count("✔") == 4  # annotation tool, data loader, evaluation/demo, deployment
    assert "4 of 7" in html
    assert fs.team_coverage(["pm"], lang="ko").data.count("✔") == 0


def test_team_coverage_names_an_unknown_role() -> None:
    with pytest.raises(ValueError, match="wizard"):
        fs.team_coverage(["wizard"])


def test_role_options_are_translated() -> None:
    assert ("developer", "developer") in fs.role_options("en")
    assert ("개발자", "developer") in fs.role_options("ko")


# --- pipeline sorter ---------------------------------------------------------------------------------


def test_dict_source_round_trips_with_empty_slots() -> None:
    answers = {"Collect raw data": "data", "Deploy": ..., '"quoted"': "model"}
    scope: dict = {}
    exec(fs.dict_source("stage_of", answers), scope)
    assert scope["stage_of"] == answers


def test_pipeline_sorter_works_on_a_copy_and_says_what_is_unsaved() -> None:
    seen: list[dict] = []
    answers = {"Collect raw data": ..., "Rework the research code": "deploy", "Odd": "not a stage"}
    sorter = fs.PipelineSorter(answers, ["requirements", "data", "model", "deploy"], feedback=lambda d: seen.append(dict(d)), lang="en")
    assert sorter.dropdowns["Rework the research code"].value == "deploy"
    assert sorter.dropdowns["Odd"].value is None  # a value outside the stages starts empty
    assert "Not saved" not in sorter.output.value
    sorter.dropdowns["Collect raw data"].value = "data"
    assert answers["Collect raw data"] is Ellipsis  # the learner's dict is the answer cell's, untouched
    assert sorter.answers["Collect raw data"] == "data" and seen[-1]["Collect raw data"] == "data"
    assert sorter.unsaved() == ["Collect raw data"]
    assert "Not saved: 1 pick(s)" in sorter.output.value and "grader" in sorter.output.value
    scope: dict = {}
    exec(sorter.output.value.split("<code")[1].split(">", 1)[1].split("</code>")[0]
         .replace("&quot;", '"').replace("&#x27;", "'").replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&"), scope)
    assert scope["stage_of"] == sorter.answers  # the shown source is the widget's picks
    sorter.dropdowns["Collect raw data"].value = None
    assert sorter.answers["Collect raw data"] is Ellipsis and sorter.unsaved() == []
    ko = fs.PipelineSorter({"a": ...}, ["data"], lang="ko")
    ko.dropdowns["a"].value = "data"
    assert "저장되지 않음" in ko.output.value


def test_pipeline_sorter_feedback_is_the_real_check() -> None:
    answers = dict.fromkeys(QUESTIONS["q1"]["answer"], ...)
    results = []
    sorter = fs.PipelineSorter(answers, ["requirements", "data", "model", "deploy"],
                               feedback=lambda d: results.append(check("full_stack.q1", d, lang="en")))
    assert results[-1].status == "not_attempted"
    for step, stage in QUESTIONS["q1"]["answer"].items():
        sorter.dropdowns[step].value = stage
    assert results[-1].status == "passed"
    sorter.dropdowns["Collect raw data (no bias, mind the copyright)"].value = "model"
    assert results[-1].status == "failed" and results[-1].score == pytest.approx(11 / 12)


# --- annotation and agreement ------------------------------------------------------------------------


def test_review_items_are_deterministic_and_labelled() -> None:
    en, ko = fs.review_items(20, seed=3, lang="en"), fs.review_items(20, seed=3, lang="ko")
    assert en == fs.review_items(20, seed=3, lang="en")
    assert [y for _, y in en] == [y for _, y in ko]  # the language changes the text, not the labels
    assert {y for _, y in en} <= set(fs.LABELS)
    assert en != fs.review_items(20, seed=4, lang="en")
    with pytest.raises(ValueError, match="n must be"):
        fs.review_items(0)


def test_noisy_annotator_noise_levels() -> None:
    truth = [y for _, y in fs.review_items(600, seed=1)]
    assert fs.noisy_annotator(truth, 0.0) == truth
    kept = np.mean([a == b for a, b in zip(fs.noisy_annotator(truth, 1.0, seed=2), truth)])
    assert 0.25 < kept < 0.42  # a uniformly random label matches the truth a third of the time
    with pytest.raises(ValueError, match="noise"):
        fs.noisy_annotator(truth, 1.5)


def test_kappa_falls_with_noise_faster_than_raw_agreement() -> None:
    curve = fs.agreement_curve([0.0, 0.3, 0.6, 1.0], n=600, seed=0)
    kappas = [k for _, _, k in curve]
    assert kappas[0] == pytest.approx(1.0)
    assert kappas == sorted(kappas, reverse=True)
    assert abs(kappas[-1]) < 0.1
    assert all(raw >= k for _, raw, k in curve)


def test_agreement_report_marks_the_chosen_noise() -> None:
    fig = fs.agreement_report(0.35, n=100)
    assert "0.35" in fig.axes[0].get_title()


def test_annotation_tool_records_clicks_and_undo() -> None:
    items = fs.review_items(4, seed=0)
    tool = fs.AnnotationTool(items, colleague_noise=0.0)
    assert items[0][0] in tool.view.value  # the first item shows without a click
    truth = [y for _, y in items]
    tool.buttons[fs.LABELS.index(truth[0])].click()
    assert tool.answers == truth[:1]
    assert items[1][0] in tool.view.value
    tool.buttons[fs.LABELS.index("neutral")].click()
    tool.undo_button.click()
    assert tool.answers == truth[:1]
    for label in truth[1:]:
        tool.label(label)
    assert tool.done and "Done" in tool.view.value
    tool.label("positive")  # ignored once done
    assert len(tool.answers) == 4


def test_annotation_tool_takes_label_numbers_from_the_keyboard() -> None:
    tool = fs.AnnotationTool(fs.review_items(4, seed=0))
    tool.keys.value = "2"
    assert tool.answers == [fs.LABELS[1]] and tool.keys.value == ""
    assert tool.notice.value == ""
    tool.keys.value = "x"  # not a label number: no label, box cleared, and the tool says why
    assert "&#x27;x&#x27; is not a label key: type a digit from 1 to 3" in tool.notice.value
    tool.keys.value = "9"
    assert tool.answers == [fs.LABELS[1]] and tool.keys.value == ""
    assert "&#x27;9&#x27; is not a label key" in tool.notice.value and "1 = " in tool.notice.value
    tool.keys.value = "3"
    assert tool.answers == [fs.LABELS[1], fs.LABELS[2]] and tool.notice.value == ""
    korean = fs.AnnotationTool(fs.review_items(4, seed=0), lang="ko")
    korean.keys.value = "<b>"  # escaped, and the last key is what counts
    assert "라벨 키가 아닙니다" in korean.notice.value and "&#x27;&gt;&#x27;" in korean.notice.value


def test_annotation_tool_kappa_is_scikit_learns() -> None:
    items = fs.review_items(12, seed=5)
    tool = fs.AnnotationTool(items, colleague_noise=0.5, seed=1)
    assert tool.kappa() is None
    mine = ["positive", "negative", "neutral", "positive", "positive", "neutral"]
    for label in mine:
        tool.label(label)
    assert tool.kappa() == pytest.approx(cohen_kappa_score(mine, tool.colleague[:6]))
    with pytest.raises(ValueError, match="unknown label"):
        tool.label("spam")


def test_annotation_tool_has_a_static_handout_fallback(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("WORKBOOK_HANDOUT", "1")
    assert fs.annotation_tool(fs.review_items(3)) is None
    monkeypatch.delenv("WORKBOOK_HANDOUT")
    assert isinstance(fs.annotation_tool(fs.review_items(3)), fs.AnnotationTool)


# --- data versioning ---------------------------------------------------------------------------------


def test_versioning_report_hash_follows_content() -> None:
    table = fs.label_table(6, seed=0)
    current = table.loc[1, "label"]
    other = next(label for label in fs.LABELS if label != current)

    def ids(html: str) -> list[str]:
        return [part.split("</code>")[0] for part in html.split("<code>")[1:3]]

    same, changed = ids(fs.versioning_report(1, current).data), ids(fs.versioning_report(1, other).data)
    assert same[0] == same[1] and changed[0] != changed[1] and same[0] == changed[0]
    with pytest.raises(ValueError, match="row must be"):
        fs.versioning_report(6, current)
    with pytest.raises(ValueError, match="label must be"):
        fs.versioning_report(0, "spam")


def _outputs(fn) -> list:
    return [fn(*json.loads(json.dumps(case["args"]))) for case in QUESTIONS["q4"]["cases"]]


def test_content_hash_checker_accepts_a_good_hash() -> None:
    good = lambda rows: hashlib.sha256(json.dumps(rows).encode()).hexdigest()  # noqa: E731
    assert fs.check_content_hash(_outputs(good)) == []


def test_content_hash_checker_catches_each_flaw() -> None:
    joined = lambda rows: hashlib.sha256("".join(c for r in rows for c in r).encode()).hexdigest()  # noqa: E731
    problems = fs.check_content_hash(_outputs(joined), lang="en")
    assert len(problems) == 1 and "field boundaries" in problems[0]
    constant = fs.check_content_hash(["0" * 64] * 6, lang="en")
    assert len(constant) == 3  # label change, appended row, field boundaries; equal copies do agree
    constant_ko = fs.check_content_hash(["0" * 64] * 6, lang="ko")
    assert len(constant_ko) == 3 and "라벨" in constant_ko[0]
    by_identity = fs.check_content_hash([f"{i:064x}" for i in range(6)], lang="en")
    assert any("equal data sets" in p for p in by_identity)
    assert "hex digest" in fs.check_content_hash([1, 2, 3, 4, 5, 6])[0]
    assert "6 outputs" in fs.check_content_hash(["a" * 64])[0]


# --- lightweighting ----------------------------------------------------------------------------------


def test_quantization_error_shrinks_with_bits() -> None:
    w = fs.demo_weights(2048, seed=1)
    errors = [fs.quantization_error(w, b) for b in range(2, 17)]
    assert errors == sorted(errors, reverse=True)
    scale8 = float(np.max(np.abs(w))) / 127
    assert errors[6] <= scale8 / 2  # 8 bits: rounding error at most half a step
    assert fs.quantization_error(np.zeros(4, dtype=np.float32), 8) == 0.0
    with pytest.raises(ValueError, match="bits"):
        fs.quantization_error(w, 1)


def test_quantization_report_titles_size_and_error() -> None:
    fig = fs.quantization_report(8, n=1024)
    title = fig.axes[0].get_title()
    assert "8 bits" in title and "1.0 KB" in title and "float32: 4 KB" in title


def test_soft_targets_flatten_with_temperature() -> None:
    assert fs.soft_targets([2, 1, 0], 2) == pytest.approx([0.5065, 0.3072, 0.1863], abs=5e-5)
    cold, hot = fs.soft_targets(fs.TEACHER_LOGITS, 1), fs.soft_targets(fs.TEACHER_LOGITS, 20)
    assert sum(hot) == pytest.approx(1.0)
    assert max(hot) < max(cold) and min(hot) > min(cold)
    with pytest.raises(ValueError, match="temperature"):
        fs.soft_targets([1, 2], 0)


def test_distillation_report_labels_each_class() -> None:
    fig = fs.distillation_report(4.0)
    labels = [label.get_text() for label in fig.axes[0].get_xticklabels()]
    assert labels == list(fs.TEACHER_CLASSES)


# --- serving -----------------------------------------------------------------------------------------


def _port_open(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, int(port))) == 0


def test_serve_answers_like_the_model_and_stops() -> None:
    model, X = fs.train_demo_model()
    with fs.serve(fs.make_app(model)) as url:
        assert url.startswith("http://127.0.0.1:")
        assert fs.call(url + "/health") == {"status": "ok", "model_version": fs.model_version(model)}
        reply = fs.call(url + "/predict", {"rows": X[::30].tolist()})
        assert reply["predictions"] == model.predict(X[::30]).tolist()
        with pytest.raises(urllib.error.HTTPError) as err:
            fs.call(url + "/predict", {"nope": 1})
        assert err.value.code == 400
        with pytest.raises(urllib.error.HTTPError) as err:
            fs.call(url + "/predict", {"rows": [[1, 2]]})  # wrong number of features
        assert err.value.code == 400
        times = fs.measure_latency(url + "/predict", {"rows": X[:1].tolist()}, n=5)
    assert len(times) == 5 and all(t > 0 for t in times)
    assert not _port_open(url)
    assert all(th.name != "full-stack-demo-server" for th in threading.enumerate())


def test_model_version_changes_with_the_model() -> None:
    a, _ = fs.train_demo_model(seed=0)
    b, X = fs.train_demo_model(seed=0)
    assert fs.model_version(a) == fs.model_version(b)
    b.fit(X[:100], b.predict(X[:100]))
    assert fs.model_version(a) != fs.model_version(b)


def test_latency_summary() -> None:
    row = fs.latency_summary([10.0, 20.0, 30.0], lang="en").iloc[0]
    assert row["p50 (ms)"] == 20.0 and row["max (ms)"] == 30.0
    assert row["QPS per worker (1000 / p50)"] == 50.0
    with pytest.raises(ValueError, match="no latencies"):
        fs.latency_summary([])


@pytest.mark.parametrize("target, machines", [(240, 3), (241, 4), (0, 1), (1000, 13)])
def test_capacity_report_counts_machines(target: int, machines: int) -> None:
    assert f"<b>{machines}</b> machine(s)" in fs.capacity_report(target, 50, 4, lang="en").data


def test_capacity_report_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="latency_ms"):
        fs.capacity_report(100, 0, 4)


# --- answer key: expected values agree with the field's libraries; checks really judge ---------------


def test_quantization_key_agrees_with_numpy() -> None:
    spec = QUESTIONS["q5"]
    for case in spec["cases"] + spec["hidden"]:
        w = np.asarray(case["args"][0], dtype=float)
        peak = np.max(np.abs(w))
        want = np.zeros(len(w)) if peak == 0 else np.round(w / (peak / 127))
        assert case["expect"] == want.astype(int).tolist(), case
    assert spec["cases"][0] == {"args": [[-1, 0, 0.5, 1]], "expect": [-127, 0, 64, 127]}


def test_softmax_key_agrees_with_scipy() -> None:
    spec = QUESTIONS["q6"]
    for case in spec["cases"] + spec["hidden"]:
        logits, T = case["args"]
        assert case["expect"] == pytest.approx(softmax(np.asarray(logits, float) / T), abs=5e-5), case


def test_kappa_cases_are_defined() -> None:
    spec = QUESTIONS["q3"]
    assert spec["reference"] == "sklearn.metrics:cohen_kappa_score"
    for case in spec["cases"] + spec["hidden"]:
        assert np.isfinite(cohen_kappa_score(*case["args"])), case


def test_checks_tell_right_from_wrong() -> None:
    assert check("full_stack.q7", 240.0, lang="en").passed
    assert check("full_stack.q7", 200, lang="en").status == "failed"
    raw_agreement = lambda a, b: sum(x == y for x, y in zip(a, b)) / len(a)  # noqa: E731
    assert check("full_stack.q3", raw_agreement, lang="en").status == "failed"
    assert check("full_stack.q3", cohen_kappa_score, lang="en").passed
    naive_softmax = lambda z, T: (np.exp(np.asarray(z) / T) / np.exp(np.asarray(z) / T).sum()).tolist()  # noqa: E731
    with np.errstate(over="ignore", invalid="ignore"):
        assert check("full_stack.q6", naive_softmax, lang="en").status == "failed"  # overflows on [1000, 999]
    partial = dict(QUESTIONS["q2"]["answer"], **{"Predict how many orders arrive tomorrow": "classification"})
    result = check("full_stack.q2", partial, lang="en")
    assert result.status == "failed" and result.score == pytest.approx(4 / 5)


def test_learner_key_holds_no_plaintext_answer_or_hidden_case() -> None:
    learner = json.loads((ROOT / "workbook" / "keys" / "full_stack.json").read_text(encoding="utf-8"))
    questions = learner["questions"]
    assert set(questions) == set(QUESTIONS)
    assert all("hidden" not in q and "answer" not in q for q in questions.values())
    assert all("expect" not in case for q in questions.values() for case in q.get("cases", []))
    hex_digest = lambda v: isinstance(v, str) and len(v) == 64 and int(v, 16) >= 0  # noqa: E731
    assert all(hex_digest(v) for q in ("q1", "q2") for leaf in questions[q]["want"]["dict"].values() for v in leaf["str"])
    public = [c["args"] for c in questions["q5"]["cases"]]
    assert all(c["args"] not in public for c in QUESTIONS["q5"]["hidden"])


# --- the Korean edition: plots, widgets and tables read in Korean --------------------------------------


def _has_hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def _texts(fig) -> list[str]:
    """Every title, axis label, legend entry and tick label of a figure."""
    texts = []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [label.get_text() for label in ax.get_xticklabels()]
        legend = ax.get_legend()
        texts += [text.get_text() for text in legend.get_texts()] if legend else []
    return [text for text in texts if text and not text.lstrip("−-").replace(".", "").isdigit()]


PLOTS = [(fs.agreement_report, {"noise": 0.3, "n": 60}), (fs.quantization_report, {"bits": 8, "n": 256}),
         (fs.distillation_report, {"temperature": 4.0})]


# Which font draws the Hangul is set_lang("ko")'s business, tested with the fonts; here only the text counts.
@pytest.mark.filterwarnings("ignore:Glyph")
@pytest.mark.parametrize("plot, args", PLOTS, ids=[p.__name__ for p, _ in PLOTS])
def test_plots_read_in_the_learners_language(plot, args) -> None:
    import matplotlib.pyplot as plt

    ko, en = plot(**args, lang="ko"), plot(**args, lang="en")
    ko_texts, en_texts = _texts(ko), _texts(en)
    assert _has_hangul(ko.axes[0].get_title())
    assert all(_has_hangul(text) for text in ko_texts), ko_texts  # numbers (tick labels) are left out
    assert not any(_has_hangul(text) for text in en_texts), en_texts
    plt.close("all")


@pytest.mark.filterwarnings("ignore:Glyph")
def test_agreement_plot_legend_is_korean() -> None:
    import matplotlib.pyplot as plt

    legend = [text.get_text() for text in fs.agreement_report(0.3, n=60, lang="ko").axes[0].get_legend().get_texts()]
    assert legend == ["단순 일치율", "코헨의 카파", "우연 수준 (1/3)"]
    plt.close("all")


@pytest.mark.filterwarnings("ignore:Glyph")
def test_distillation_plot_names_the_classes_in_korean() -> None:
    import matplotlib.pyplot as plt

    labels = [label.get_text() for label in fs.distillation_report(4.0, lang="ko").axes[0].get_xticklabels()]
    assert labels == ["고양이", "개", "자동차"] == fs.class_names("ko")
    assert fs.class_names("en") == list(fs.TEACHER_CLASSES)
    plt.close("all")


def test_team_table_says_job_and_role_with_different_words() -> None:
    # The selector's label is the role (역할); the table's first column is the job (업무), not 역할 again.
    html = fs.team_coverage(["developer"], lang="ko").data
    header = html.split("</tr>")[0]
    assert "<th>업무</th>" in header and "<th>주로 맡는 역할</th>" in header
    assert fs.team_controls("ko")["roles"].description == "역할"
    assert header.count("역할") == 1  # only in "usually owned by (role)"
    assert "업무 7가지 중 4가지를 맡습니다" in html
    assert "서비스 기획자" in dict(fs.role_options("ko"))


def test_seven_jobs_read_as_korean() -> None:
    html = fs.team_coverage(["developer", "researcher", "data"], lang="ko").data
    for job in ("실생활 문제를 ML 문제로 정의하기", "원시 데이터 수집", "어노테이션 도구 개발", "평가 도구와 데모 개발"):
        assert job in html
    for konglish in ("formulation", "raw data", "annotation tool", "loader", "evaluation tool"):
        assert konglish not in html


def test_labels_are_named_in_korean_but_stored_in_english() -> None:
    tool = fs.AnnotationTool(fs.review_items(3, seed=0, lang="ko"), lang="ko")
    assert [b.description for b in tool.buttons] == ["1 · 긍정", "2 · 부정", "3 · 중립"]
    tool.buttons[1].click()
    assert tool.answers == ["negative"]  # the data keeps the label keys the exercises hash
    assert "항목 2 / 3" in tool.view.value and "지금까지 동료와 일치한 항목" in tool.view.value
    dropdown = fs.versioning_controls("ko")["label"]
    assert ("부정", "negative") in dropdown.options and dropdown.value == "negative"
    assert fs.label_name("spam", "ko") == "spam"


def test_versioning_table_headers_follow_the_language() -> None:
    ko, en = fs.versioning_report(1, "neutral", lang="ko").data, fs.versioning_report(1, "neutral", lang="en").data
    assert all(f">{word}<" in ko for word in ("파일", "텍스트", "라벨", "중립"))
    assert all(f">{word}<" in en for word in ("file", "text", "label", "neutral"))
    assert "label" in fs.label_table(3, lang="ko").columns  # the data itself keeps its English columns


def test_korean_widget_and_report_strings() -> None:
    assert fs.capacity_controls("ko")["workers"].description == "워커 수"
    assert "서버 <b>3</b>대가 필요합니다" in fs.capacity_report(240, 50, 4, lang="ko").data
    assert "워커당 QPS (1000 / p50)" in fs.latency_summary([10.0], lang="ko").columns
    done = fs.AnnotationTool(fs.review_items(1), lang="ko")
    done.label("positive")
    assert "완료" in done.view.value


# --- Job 6: slices and behavioural tests (issue 15) ----------------------------------------------------

from workbook.lectures import full_stack_db as fdb  # noqa: E402
from workbook.lectures import full_stack_drift as fdr  # noqa: E402
from workbook.lectures import full_stack_eval as fev  # noqa: E402
from workbook.lectures import full_stack_queue as fq  # noqa: E402


def test_review_records_are_deterministic_and_limits_are_named() -> None:
    records = fev.review_records(200, seed=4, negated_share=0.5)
    assert records == fev.review_records(200, seed=4, negated_share=0.5)
    assert {r["form"] for r in records} == {"plain", "negated"}
    assert all(r["label"] != "neutral" for r in records if r["form"] == "negated")
    assert all(r["form"] == "plain" for r in fev.review_records(50, negated_share=0.0))
    with pytest.raises(ValueError, match="negated_share"):
        fev.review_records(10, negated_share=1.01)
    with pytest.raises(ValueError, match="n >= 1"):
        fev.review_records(0)


def test_slice_accuracy_is_per_group_accuracy_and_worst_respects_min_size() -> None:
    records = [{"label": "positive", "aspect": "Price", "form": "plain"}] * 3 + \
              [{"label": "negative", "aspect": "Price", "form": "negated"}] * 2 + \
              [{"label": "positive", "aspect": "Screen", "form": "negated"}]
    predictions = ["positive", "positive", "negative", "positive", "negative", "negative"]
    table = fev.slice_accuracy(records, predictions, by="form", lang="en")
    got = dict(zip(table["slice"], table["accuracy"]))
    assert got == pytest.approx({"plain": 2 / 3, "negated": 1 / 3})
    assert fev.worst_slice(table, 1) == {"slice": "negated", "accuracy": pytest.approx(1 / 3), "n": 3}
    by_aspect = fev.slice_accuracy(records, predictions, by="aspect", lang="en")
    assert fev.worst_slice(by_aspect, 1)["slice"] == "Screen"  # one example, accuracy 0
    assert fev.worst_slice(by_aspect, 2)["slice"] == "Price"  # the one-example slice is below the minimum
    assert fev.worst_slice(by_aspect, 6) is None
    with pytest.raises(ValueError, match="by must be"):
        fev.slice_accuracy(records, predictions, by="colour")
    with pytest.raises(ValueError, match="6 records but 2 predictions"):
        fev.slice_accuracy(records, predictions[:2])


def test_slice_report_finds_the_negated_slice_in_both_languages() -> None:
    import matplotlib.pyplot as plt

    en = fev.slice_report("form", 20, lang="en").data
    ko = fev.slice_report("form", 20, lang="ko").data
    assert "Worst slice with at least 20 examples: negated" in en
    assert "가장 나쁜 것: 부정 표현" in ko
    assert "No slice has 1000 examples" in fev.slice_report("form", 1000, lang="en").data
    plt.close("all")


def test_slice_controls_drive_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    from workbook.widgets import live

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: None)
    controls = fev.slice_controls("en")
    box = live(lambda **v: fev.slice_report(**v, lang="en"), controls)
    assert "Worst slice" in box.output.value
    controls["by"].value = "form"
    assert "negated" in box.output.value.split("Worst slice")[1][:80]


class _RuleModel:
    """A stand-in model: 'not' makes a phrase negative, otherwise the phrase's own label (an oracle)."""

    classes_ = np.array(["negative", "neutral", "positive"])

    def __init__(self, negation_aware: bool) -> None:
        self.aware = negation_aware
        self.lookup = {text.split(": ")[1]: label for text, label in fev.behavioural_cases("en")["mft"]}
        for label, phrases in fs._PHRASES.items():
            self.lookup.update({en + ".": label for en, _ in phrases})

    def predict(self, texts):
        out = []
        for text in texts:
            phrase = text.split(": ")[1]
            if phrase.startswith("not "):
                out.append("negative" if self.aware else self.lookup.get(phrase.replace("not ", "really ", 1), "positive"))
            else:
                out.append(self.lookup.get(phrase, "neutral"))
        return np.array(out)

    def predict_proba(self, texts):
        return np.array([[float(p == c) for c in self.classes_] for p in self.predict(texts)])


def test_behavioural_tests_pass_a_right_model_and_fail_a_negation_blind_one() -> None:
    right = fev.run_behavioural_tests(_RuleModel(negation_aware=True), "en")
    assert right["failures"].tolist() == [0, 0, 0]
    blind = fev.run_behavioural_tests(_RuleModel(negation_aware=False), "en")
    assert blind["failures"].tolist()[:2] == [0, 0] and blind["failures"].iloc[2] > 0
    assert "not" in blind["example failure"].iloc[2]
    trained = fev.run_behavioural_tests(fev.train_review_model(0, lang="ko"), "ko")
    assert trained["실패 수"].iloc[2] > 0  # the real model fails the directional test it was never trained for


# --- Job 7: file server + message queue --------------------------------------------------------------


def test_model_archive_round_trips_through_the_file_server(tmp_path: Path) -> None:
    model, X = fs.train_demo_model(0)
    version, path = fq.package_model(model, tmp_path)
    assert path.name == f"iris-{version}.zip" and version == fs.model_version(model)
    assert fq.package_model(model, tmp_path) == (version, path)  # same model, same archive name
    with fq.file_server(tmp_path) as url:
        loaded, manifest = fq.fetch_model(f"{url}/{path.name}")
        assert manifest["version"] == version
        assert loaded.predict(X).tolist() == model.predict(X).tolist()
        with pytest.raises(urllib.error.HTTPError):
            fq.fetch_model(f"{url}/missing.zip")
    assert all(th.name != "full-stack-file-server" for th in threading.enumerate())


def test_a_tampered_archive_is_refused_naming_the_url(tmp_path: Path) -> None:
    import zipfile

    model, _ = fs.train_demo_model(0)
    _, path = fq.package_model(model, tmp_path)
    other, _ = fs.train_demo_model(1)
    other.coef_ = other.coef_ * 2
    with zipfile.ZipFile(path) as archive:
        manifest = archive.read("manifest.json")
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as archive:
        archive.writestr("model.pkl", __import__("pickle").dumps(other))
        archive.writestr("manifest.json", manifest)
    with zipfile.ZipFile(tmp_path / "short.zip", "w") as archive:
        archive.writestr("model.pkl", b"")
    with fq.file_server(tmp_path) as url:
        with pytest.raises(ValueError, match=r"bad\.zip: the weights do not match"):
            fq.fetch_model(f"{url}/bad.zip")
        with pytest.raises(ValueError, match=r"short\.zip: model archive lacks manifest\.json"):
            fq.fetch_model(f"{url}/short.zip")


def test_queue_workers_answer_every_job_like_the_model(tmp_path: Path) -> None:
    model, X = fs.train_demo_model(0)
    _, path = fq.package_model(model, tmp_path)
    rows = X[::5].tolist()
    with fq.file_server(tmp_path) as url:
        run = fq.run_queue(f"{url}/{path.name}", rows, workers=3, service_ms=1)
        table = fq.throughput_table(f"{url}/{path.name}", rows[:8], workers=(1, 2), service_ms=1, lang="ko")
        with pytest.raises(ValueError, match="at least one worker"):
            fq.run_queue(f"{url}/{path.name}", rows, workers=0)
    assert [run.predictions[i] for i in range(len(rows))] == model.predict(np.asarray(rows)).tolist()
    assert sum(run.handled_by.values()) == len(rows) and len(run.handled_by) == 3
    assert run.throughput > 0 and len(run.latencies_ms) == len(rows)
    assert table["워커 수"].tolist() == [1, 2] and table["속도 향상"].iloc[0] == 1.0
    assert [sum(jobs) for jobs in table["워커별 처리 수"]] == [8, 8]
    assert not [th for th in threading.enumerate() if th.name.startswith("full-stack-worker")]


# --- monitoring: drift --------------------------------------------------------------------------------


def test_psi_is_zero_for_the_same_sample_and_grows_with_a_shift() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(size=2000)
    assert fdr.psi(reference, reference) == pytest.approx(0.0, abs=1e-12)
    assert fdr.psi(reference, rng.normal(size=2000)) < 0.1
    assert fdr.psi(reference, rng.normal(0.5, size=2000)) > fdr.PSI_ALERT
    # by hand on two bins: shares (0.5, 0.5) against (0.8, 0.2)
    hand = (0.8 - 0.5) * np.log(0.8 / 0.5) + (0.2 - 0.5) * np.log(0.2 / 0.5)
    assert fdr.psi([0, 0, 1, 1], [0] * 8 + [1] * 2, bins=2) == pytest.approx(hand)
    with pytest.raises(ValueError, match="at least 10 reference values"):
        fdr.psi(reference[:9], reference)


def test_drift_table_flags_only_the_shifted_feature_with_scipy_ks() -> None:
    from scipy.stats import ks_2samp

    _, X = fs.train_demo_model(0)
    reference, live_rows = fdr.served_stream(X, 0.0, seed=1), fdr.served_stream(X, 1.0, seed=0)
    table = fdr.drift_table(reference, live_rows, ["a", "b", "c", "d"])
    assert table["alert"].tolist() == ["—", "—", "⚠", "—"]
    assert table["KS"].iloc[2] == round(float(ks_2samp(reference[:, 2], live_rows[:, 2]).statistic), 3)
    calm = fdr.drift_table(reference, fdr.served_stream(X, 0.0, seed=0), ["a", "b", "c", "d"])
    assert set(calm["alert"]) == {"—"}
    with pytest.raises(ValueError, match="4 columns"):
        fdr.drift_table(reference, live_rows[:, :3], ["a", "b", "c", "d"])


def test_drift_report_alerts_past_a_shift_and_speaks_korean() -> None:
    assert "No drift alert" in fdr.drift_report(0.0, lang="en").data
    assert "Drift alert: petal length" in fdr.drift_report(1.0, lang="en").data
    assert "드리프트 경보: 꽃잎 길이" in fdr.drift_report(1.0, lang="ko").data
    assert fdr.drift_controls("ko")["shift"].description == "이동 (표준편차)"


# --- labels in SQLite, version = hash over a query ---------------------------------------------------------


def test_query_hash_follows_content_not_storage() -> None:
    import sqlite3

    conn = fdb.labels_db(6, seed=0)
    first = fdb.query_hash(conn)
    assert fdb.query_hash(fdb.labels_db(6, seed=0)) == first  # another database, same content
    file, label = conn.execute("SELECT file, label FROM labels ORDER BY file").fetchone()
    assert fdb.relabel(conn, file, label) == 1 and fdb.query_hash(conn) == first
    other = next(x for x in fs.LABELS if x != label)
    fdb.relabel(conn, file, other)
    assert fdb.query_hash(conn) != first
    fdb.relabel(conn, file, label)
    assert fdb.query_hash(conn) == first  # back to the same content, back to the same id
    reversed_order = fdb.query_hash(conn, "SELECT file, label FROM labels ORDER BY file DESC")
    assert reversed_order != first  # the same rows in another order are another result
    assert fdb.query_hash(conn, "SELECT file AS f, label FROM labels ORDER BY file") != first  # column names count
    assert fdb.relabel(conn, "no_such_file.txt", "positive") == 0
    with pytest.raises(sqlite3.IntegrityError):
        fdb.relabel(conn, file, "spam")
    assert fdb.query_hash(conn) == first  # the failed UPDATE left nothing half-written


def _simulated_queue(durations: list[float], workers: int) -> float:
    """The makespan by an event simulation (an independent way to get the key's answers)."""
    clock, busy, waiting = 0.0, [], list(durations)
    while waiting or busy:
        while waiting and len(busy) < workers:
            busy.append(clock + waiting.pop(0))
        clock = min(busy)
        busy.remove(clock)
    return clock


def test_makespan_key_agrees_with_a_simulation_and_the_check_judges() -> None:
    spec = QUESTIONS["q8"]
    for case in spec["cases"] + spec["hidden"]:
        assert case["expect"] == _simulated_queue(*case["args"]), case
    assert check("full_stack.q8", _simulated_queue, lang="en").passed  # a differently written right answer
    # job i to worker i % workers (not "the first free worker"), and total work / workers
    assert check("full_stack.q8", mutants.makespan_round_robin, lang="en").status == "failed"
    assert check("full_stack.q8", mutants.makespan_average, lang="en").status == "failed"


def test_render_html_escapes_values_and_names_a_missing_one() -> None:
    import jinja2

    from workbook.lectures.html_template import render_html

    shown = render_html("<p>{{ text }}</p>{{ safe|safe }}", text="<script>x</script> & co", safe="<b>ok</b>").data
    assert shown == "<p>&lt;script&gt;x&lt;/script&gt; &amp; co</p><b>ok</b>"
    with pytest.raises(jinja2.UndefinedError, match="missing"):
        render_html("{{ missing }}")
