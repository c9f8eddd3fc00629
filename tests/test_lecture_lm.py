"""Lecture 4 (LM training and evaluation): the corpus, the n-gram and neural LMs, sampling, metric
agreement with sacrebleu / rouge-score / scikit-learn, each widget's logic and its controls at trait
level, and the answer key's expected values checked against the field's libraries."""

from __future__ import annotations

import inspect
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
import yaml
from matplotlib.figure import Figure
from rouge_score import rouge_scorer
from sklearn.metrics import f1_score

from workbook.lectures import lm, lm_benchmarks, lm_metrics, lm_neural

ROOT = Path(__file__).resolve().parents[1]
KEY = yaml.safe_load((ROOT / "solutions" / "keys" / "04_lm_training_evaluation.yml").read_text(encoding="utf-8"))


def cases(qid: str) -> list[dict]:
    spec = KEY["questions"][qid]
    return spec["cases"] + spec.get("hidden", [])


# ---------------------------------------------------------------- corpus


def test_shipped_corpus_has_a_few_hundred_sentences_in_both_languages() -> None:
    corpus = lm.load_corpus()
    assert 200 <= len(corpus) <= 1000
    langs = Counter(s.lang for s in corpus)
    assert set(langs) == {"en", "ko"} and min(langs.values()) >= 100
    assert any(s.text == "오늘은 햇살이 좋다" for s in corpus)
    assert len({s.text for s in corpus}) == len(corpus), "duplicate sentences"


@pytest.mark.parametrize("text, words", [
    ("lang\tsentence\nen\thi\n", "header"),
    ("lang\ttext\nen\thi\tthere\n", "line 2: expected 2 tab-separated fields"),
    ("lang\ttext\nfr\tbonjour\n", "line 2: language must be one of"),
    ("lang\ttext\nen\t   \n", "line 2: empty sentence"),
    ("lang\ttext\n", "no sentences"),
])
def test_bad_corpus_is_refused_naming_the_file(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(lm.CorpusError, match=words) as err:
        lm.load_corpus(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_missing_corpus_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(lm.CorpusError, match="missing.tsv"):
        lm.load_corpus(tmp_path / "missing.tsv")


def test_corpus_has_a_provenance_line() -> None:
    readme = (ROOT / "workbook" / "data" / "README.md").read_text(encoding="utf-8")
    line = next(line for line in readme.splitlines() if "`lm_corpus.tsv`" in line)
    assert str(len(lm.load_corpus())) in line and "written for this course" in line


def test_vocabulary_stats_per_language() -> None:
    table = lm.vocabulary_stats()
    assert list(table.iloc[:, 0]) == ["en", "ko"]
    types_per_100 = table.columns[3]
    assert table.iloc[1][types_per_100] > table.iloc[0][types_per_100]  # Korean: more word forms
    assert table.iloc[:, 4].between(0, 1).all()


def test_tokenize_words_and_characters() -> None:
    assert lm.tokenize("The Sun  is bright") == ["the", "sun", "is", "bright"]
    assert lm.tokenize("햇살이 좋다", "char") == ["햇", "살", "이", lm.SPACE, "좋", "다"]
    with pytest.raises(ValueError, match="unit"):
        lm.tokenize("x", "byte")


def test_split_holds_out_every_fifth_sentence() -> None:
    corpus = lm.load_corpus()
    train, heldout = lm.split_corpus(corpus)
    assert len(heldout) == len(corpus) // 5 and len(train) + len(heldout) == len(corpus)
    assert not set(train) & set(heldout)


# ---------------------------------------------------------------- n-gram LM

TOY = [["오늘은", "햇살이", "좋다"], ["오늘은", "바람이", "차다"], ["내일은", "햇살이", "좋다"]]


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("k", [0.01, 1.0])
def test_conditional_probabilities_sum_to_one(order: int, k: float) -> None:
    model = lm.train_ngram(TOY, order)
    for context in [(), ("오늘은",), (lm.BOS, "오늘은"), ("never", "seen")]:
        assert sum(model.prob(w, context, k) for w in model.vocab) == pytest.approx(1.0)


def test_unsmoothed_bigram_is_relative_frequency_and_unknown_words_are_unk() -> None:
    model = lm.train_ngram(TOY, 2)
    assert model.prob("햇살이", ("오늘은",)) == pytest.approx(0.5)
    assert model.prob("좋다", ("햇살이",)) == 1.0
    assert model.pad(["오늘은", "눈이"]) == [lm.BOS, "오늘은", lm.UNK, lm.EOS]
    assert model.perplexity([["오늘은", "눈이"]], k=0) == math.inf  # P(<unk> | 오늘은) = 0


def test_huge_k_makes_the_model_uniform_so_perplexity_is_v() -> None:
    model = lm.train_ngram(TOY, 2)
    assert model.perplexity(TOY, k=1e9) == pytest.approx(model.size, rel=1e-6)


def test_chain_rule_table_multiplies_to_the_sentence_probability() -> None:
    table = lm.chain_rule_table("오늘은 햇살이 좋다", order=2, k=0.1)
    assert list(table.iloc[:, 1]) == ["오늘은", "햇살이", "좋다", lm.EOS]
    model = lm.corpus_ngram(2)
    logp = sum(math.log(p) for _, _, p in model.steps(["오늘은", "햇살이", "좋다"], 0.1))
    assert float(table["−log P"].sum()) == pytest.approx(-logp)


def test_chain_rule_report_names_each_factor_and_warns_on_zero() -> None:
    html = lm.chain_rule_report("오늘은 햇살이 좋다", order=2, k=0.1).data
    assert "P(햇살이 | 오늘은)" in html and "perplexity" in html
    zero = lm.chain_rule_report("오늘은 외계인이 좋다", order=2, k=0.0).data
    assert "외계인이" in zero and "probability 0" in zero
    assert "Type a sentence" in lm.chain_rule_report("   ").data


def test_held_out_perplexity_exceeds_training_perplexity() -> None:
    curve = lm.smoothing_curve(2)
    assert all(h > tr for tr, h in zip(curve["train"], curve["heldout"]))
    assert curve["train"] == sorted(curve["train"])  # more smoothing, worse fit to the training text
    best = int(np.argmin(curve["heldout"]))
    assert 0 < best < len(curve["k"]) - 1  # held-out perplexity has an interior optimum in k


def test_tokenizer_changes_per_token_perplexity() -> None:
    table = lm.tokenizer_table(0.1)
    per_token, bpc = table.columns[3], table.columns[4]
    word, char = table.iloc[0], table.iloc[1]
    assert char[per_token] < word[per_token]  # characters are easier to guess one at a time ...
    assert char[bpc] > word[bpc]  # ... yet the word model is better per character


# ---------------------------------------------------------------- neural LM


def test_backprop_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    model, _ = lm_neural.train_neural_lm(TOY, context=2, dim=3, epochs=1, lr=1e-3)
    x = rng.integers(0, len(model.vocab), size=(7, 2))
    y = rng.integers(0, len(model.vocab) - 1, size=7)
    _, grads = lm_neural.loss_and_grads(model, x, y, weight_decay=0.1)
    for param, grad in zip([model.embed, model.weight, model.bias], grads):
        for index in [(0,) * param.ndim, tuple(s - 1 for s in param.shape)]:
            saved = param[index]
            param[index] = saved + 1e-6
            up = lm_neural.loss_and_grads(model, x, y, 0.1)[0]
            param[index] = saved - 1e-6
            down = lm_neural.loss_and_grads(model, x, y, 0.1)[0]
            param[index] = saved
            assert grad[index] == pytest.approx((up - down) / 2e-6, abs=1e-6)


def test_neural_lm_learns_and_beats_the_bigram_on_held_out_text() -> None:
    model, history = lm_neural.corpus_neural_lm()
    assert len(history["train"]) == len(history["heldout"]) == 60
    assert history["train"][-1] < 0.5 * history["train"][0]
    assert history["heldout"][-1] < lm.best_ngram_heldout(2)[1]
    assert lm.BOS not in model.vocab[:-1] and model.vocab[-1] == lm.BOS  # <s> is input only
    assert model.bias.shape == (len(model.vocab) - 1,)


def test_long_training_without_decay_overfits() -> None:
    train, heldout = lm.corpus_tokens("word")
    _, history = lm_neural.train_neural_lm(train, heldout, epochs=60, lr=0.05)
    assert history["heldout"][-1] > min(history["heldout"]) + 0.2
    assert history["train"][-1] < history["train"][len(history["train"]) // 3]


def test_training_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="positive"):
        lm_neural.train_neural_lm(TOY, epochs=0)


# ---------------------------------------------------------------- sampling


def test_temperature_and_top_k() -> None:
    logits = np.array([2.0, 1.0, 0.5, -1.0])
    base = lm_neural.next_token_distribution(logits)
    assert base == pytest.approx(np.exp(logits) / np.exp(logits).sum())
    assert lm_neural.next_token_distribution(logits, 0.0).tolist() == [1.0, 0.0, 0.0, 0.0]
    hot = lm_neural.next_token_distribution(logits, 100.0)
    assert np.ptp(hot) < 0.02  # near uniform
    cold = lm_neural.next_token_distribution(logits, 0.5)
    assert cold[0] > base[0]
    top2 = lm_neural.next_token_distribution(logits, 1.0, top_k=2)
    assert (top2 > 0).sum() == 2 and top2.sum() == pytest.approx(1.0)


def test_sampling_is_reproducible_and_greedy_is_deterministic() -> None:
    model, _ = lm_neural.corpus_neural_lm()
    a = lm_neural.sample_sentences(model, temperature=1.0, n=3, seed=1)
    assert a == lm_neural.sample_sentences(model, temperature=1.0, n=3, seed=1)
    greedy = lm_neural.sample_sentences(model, temperature=0.0, n=3, seed=0, prompt=["the"])
    assert len(set(greedy)) == 1 and greedy[0].startswith("the ")
    vocab = set(model.vocab)
    assert all(word in vocab for sentence in a for word in sentence.split())


def test_sampling_report_shows_distribution_and_samples() -> None:
    html = lm_neural.sampling_report(temperature=0.0, prompt="the student").data
    assert "1.000" in html and "entropy" in html and html.count("<li>") == 5


# ---------------------------------------------------------------- generation metrics


def test_generation_scores_agree_with_sacrebleu_and_rouge_score() -> None:
    hyp, ref = "the cat sat on the mat", "the cat is on the mat"
    scores = lm_metrics.generation_scores(hyp, ref)
    assert scores["BLEU"] == pytest.approx(sacrebleu.sentence_bleu(hyp, [ref]).score)
    assert scores["chrF"] == pytest.approx(sacrebleu.sentence_chrf(hyp, [ref]).score)
    rouge = rouge_scorer.RougeScorer(["rougeL"]).score(ref, hyp)["rougeL"].fmeasure
    assert scores["rougeL (default tokenizer)"] == pytest.approx(100 * rouge)


def test_default_rouge_scores_korean_as_zero_but_characters_do_not() -> None:
    scores = lm_metrics.generation_scores("오늘은 햇살이 좋다", "오늘은 햇살이 좋다")
    assert scores["rouge1 (default tokenizer)"] == 0.0
    assert scores["rouge1 (characters)"] == pytest.approx(100.0)
    assert lm_metrics.CharTokenizer().tokenize("햇살 A") == ["햇", "살", "a"]


def test_metrics_report_lists_every_metric_and_handles_empty_input() -> None:
    table = lm_metrics.metrics_report().data
    assert len(table) == 8 and table.iloc[:, 1].between(0, 100).all()
    assert "Type" in lm_metrics.metrics_report("", "x")


# ---------------------------------------------------------------- benchmarks and beyond


def test_benchmark_facts() -> None:
    assert len(lm_benchmarks.BENCHMARKS["KLUE"]["tasks"]) == 8
    assert len(lm_benchmarks.BENCHMARKS["GLUE"]["tasks"]) == 9 and "SQuAD" not in lm_benchmarks.BENCHMARKS["GLUE"]["tasks"]
    for name in ["GLUE", "KLUE", "FLUE", "CLUE", "IndoNLU", "IndicGLUE", "RussianSuperGLUE"]:
        card = lm_benchmarks.benchmark_card(name).data
        assert name in card and lm_benchmarks.BENCHMARKS[name]["language"].split()[0] in card
    with pytest.raises(ValueError, match="unknown benchmark"):
        lm_benchmarks.benchmark_card("SQuAD")


def test_attachment_scores() -> None:
    got = lm_benchmarks.attachment_scores([2, 0, 2, 3], ["a", "root", "b", "c"], [2, 0, 1, 3], ["a", "root", "b", "x"])
    assert got == {"UAS": 0.75, "LAS": 0.5}
    with pytest.raises(ValueError, match="equal length"):
        lm_benchmarks.attachment_scores([1], ["a"], [1, 2], ["a", "b"])


def test_ngram_overlap_flags_copied_sentences() -> None:
    train = [["the", "cat", "sat", "on", "the", "mat"]]
    assert lm_benchmarks.ngram_overlap([["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "far"], ["hi"]], train, 4) \
        == [1.0, 0.0, 0.0]


# ---------------------------------------------------------------- widgets: defaults and trait level

WIDGETS = [
    (lm.chain_rule_report, lm.chain_rule_controls, "k", 1.0),
    (lm_neural.training_report, lm_neural.training_controls, "lr", 0.05),
    (lm.smoothing_report, lm.smoothing_controls, "order", 3),
    (lm_neural.sampling_report, lm_neural.sampling_controls, "temperature", 0.5),
    (lm_metrics.metrics_report, lm_metrics.metrics_controls, "hypothesis", "오늘은 날씨가 좋다"),
    (lm_benchmarks.benchmark_card, lm_benchmarks.benchmark_controls, "name", "CLUE"),
]


@pytest.mark.parametrize("fn, controls, name, value", WIDGETS, ids=lambda x: getattr(x, "__name__", str(x)))
def test_controls_start_at_the_function_defaults(fn, controls, name, value) -> None:
    defaults = {p.name: p.default for p in inspect.signature(fn).parameters.values() if p.name != "lang"}
    assert {k: c.value for k, c in controls().items()} == defaults


@pytest.mark.parametrize("fn, controls, name, value", WIDGETS, ids=lambda x: getattr(x, "__name__", str(x)))
def test_widget_renders_at_default_and_refreshes_on_a_trait_change(fn, controls, name, value, monkeypatch) -> None:
    import IPython.display

    from workbook.widgets import live

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: None)
    calls, results = [], []

    def spy(**values):
        calls.append(values)
        results.append(fn(**values))
        return results[-1]

    built = controls()
    live(spy, built)
    built[name].value = value
    assert len(calls) == 2 and calls[1][name] == value  # the default without a click, then the change
    assert all(r is not None for r in results)
    if isinstance(results[0], Figure):
        assert results[0].axes[0].get_title() != results[1].axes[0].get_title()
    else:
        assert str(getattr(results[0], "data", results[0])) != str(getattr(results[1], "data", results[1]))


def test_training_replay_follows_the_epochs_slider_and_draws_a_prefix(monkeypatch) -> None:
    import IPython.display

    from workbook.widgets import live

    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: None)
    figures = []
    controls = lm_neural.training_controls()
    live(lambda **values: figures.append(lm_neural.training_report(**values)) or figures[-1], controls)
    controls["shown"].value = 10  # what one tick of the ▶ button does
    assert len(figures[-1].axes[0].lines[0].get_xdata()) == 10
    controls["epochs"].value = 30
    assert (controls["shown"].max, controls["shown"].value) == (30, 30)
    assert len(figures[-1].axes[0].lines[0].get_xdata()) == 30
    assert figures[-1].axes[0].get_title().startswith("epoch 30/30")


def test_handout_mode_shows_static_default_output(monkeypatch) -> None:
    import IPython.display

    from workbook.widgets import live

    shown: list = []
    monkeypatch.setenv("WORKBOOK_HANDOUT", "1")
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_: shown.extend(objs))
    assert live(lm_benchmarks.benchmark_card, lm_benchmarks.benchmark_controls()) is None
    assert "name = 'KLUE'" in shown[0].data and "KLUE-DP" in shown[1].data


# ---------------------------------------------------------------- the answer key against the libraries


def test_key_brevity_penalty_agrees_with_sacrebleu() -> None:
    for case in cases("q3"):
        hyp_len, ref_len = case["args"]
        stats = sacrebleu.metrics.BLEU.compute_bleu([0] * 4, [1] * 4, hyp_len, ref_len, smooth_method="none")
        assert case["expect"] == pytest.approx(stats.bp, abs=1e-9)


def test_key_modified_precision_agrees_with_sacrebleu() -> None:
    bleu = sacrebleu.metrics.BLEU(tokenize="none", smooth_method="none")
    for case in cases("q4"):
        hyp, refs, n = case["args"]
        score = bleu.corpus_score([hyp], [[r] for r in refs])
        assert case["expect"] == pytest.approx(score.precisions[n - 1] / 100, abs=1e-9), case


class _Spaces:
    def tokenize(self, text: str) -> list[str]:
        return text.split()


def test_key_word_rouge_agrees_with_rouge_score() -> None:
    scorer = rouge_scorer.RougeScorer(["rouge1"], tokenizer=_Spaces())
    for case in cases("q5"):
        prediction, reference = case["args"]
        assert case["expect"] == pytest.approx(scorer.score(reference, prediction)["rouge1"].fmeasure, abs=1e-9)


def _spans(tags: list[str]) -> set[tuple[str, int, int]]:
    """Independent span reader for the test: split into runs, a run starts at B-X or a type change."""
    spans, run = set(), None
    for i, tag in enumerate(tags):
        kind = tag[2:] if tag != "O" else None
        if run and (kind != run[0] or tag.startswith("B-")):
            spans.add((run[0], run[1], i))
            run = None
        if kind and run is None:
            run = (kind, i)
    if run:
        spans.add((run[0], run[1], len(tags)))
    return spans


def test_key_entity_f1_agrees_with_scikit_learn() -> None:
    for case in cases("q8"):
        gold, pred = (_spans(tags) for tags in case["args"])
        types = sorted({s[0] for s in gold | pred})
        if not types:
            assert case["expect"] == 0.0
            continue
        per_type = []
        for kind in types:
            universe = sorted(s for s in gold | pred if s[0] == kind)
            per_type.append(f1_score([s in gold for s in universe], [s in pred for s in universe], zero_division=0.0))
        assert case["expect"] == pytest.approx(np.mean(per_type), abs=1e-9), case


def test_key_perplexity_cases_follow_the_definition() -> None:
    for case in cases("q2"):
        (probs,) = case["args"]
        assert case["expect"] == pytest.approx(math.exp(-np.mean(np.log(probs))), abs=1e-9)
    uniform = [c for c in cases("q2") if len(set(c["args"][0])) == 1 and c["args"][0][0] < 1]
    assert uniform and all(c["expect"] == pytest.approx(1 / c["args"][0][0]) for c in uniform)


def test_key_bigram_cases_agree_with_the_lecture_model() -> None:
    """The exercise's V leaves out <unk>; the lecture model's V includes it, so compare counts directly."""
    for case in cases("q1"):
        sentences, prev, word, k = case["args"]
        model = lm.train_ngram(sentences, 2)
        count = model.ngrams[(prev, word)]
        total = model.contexts[(prev,)]
        assert case["expect"] == pytest.approx((count + k) / (total + k * (model.size - 1)), abs=1e-9)


def test_key_metric_names_come_from_the_offered_choices() -> None:
    allowed = {"accuracy", "macro_f1", "micro_f1", "pearson_r", "matthews_corr", "uas_las", "exact_match",
               "joint_goal_accuracy"}
    assert set(KEY["questions"]["q6"]["answer"].values()) <= allowed
    assert KEY["questions"]["q7"]["answer"] not in lm_benchmarks.BENCHMARKS["GLUE"]["tasks"]


# ---------------------------------------------------------------- Korean and English text


def hangul(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" for c in text)


def figure_texts(fig: Figure) -> list[str]:
    """Title, axis labels and legend entries of a one-axes figure."""
    ax = fig.axes[0]
    return [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.mark.parametrize("plot", [lm_neural.training_report, lm.smoothing_report], ids=lambda f: f.__name__)
def test_plots_are_korean_in_the_korean_edition_and_english_in_the_english_one(plot) -> None:
    import matplotlib.pyplot as plt

    korean, english = plot(lang="ko"), plot(lang="en")
    try:
        ko_texts, en_texts = figure_texts(korean), figure_texts(english)
        assert hangul(ko_texts[0]), ko_texts[0]  # the title
        assert hangul(ko_texts[2])  # the y label
        assert all(hangul(text) for text in ko_texts[3:])  # every legend entry
        assert not any(hangul(text) for text in en_texts), en_texts
        assert "held-out" in en_texts[0] and "평가" in ko_texts[0]
    finally:
        plt.close(korean)
        plt.close(english)


def test_the_plots_follow_the_current_language_when_lang_is_not_given() -> None:
    import matplotlib.pyplot as plt

    from workbook.i18n import get_lang, set_lang

    before = get_lang()
    set_lang("ko")
    try:
        fig = lm.smoothing_report()
        assert hangul(fig.axes[0].get_ylabel())
        plt.close(fig)
    finally:
        set_lang(before)


def test_sampling_header_says_the_prompt_comes_before_the_next_token() -> None:
    ko = lm_neural.sampling_report(temperature=0.0, prompt="오늘은", lang="ko").data
    assert "<code>오늘은</code> 다음에 올 토큰" in ko
    assert "다음 토큰:" not in ko  # the old label read as if the prompt were the next token
    assert "샘플링한 문장" in ko and "비트" in ko
    assert "Next token after <code>오늘은</code>" in lm_neural.sampling_report(temperature=0.0, prompt="오늘은", lang="en").data


def test_vocabulary_table_names_the_unseen_share_plainly() -> None:
    ko, en = lm.vocabulary_stats(lang="ko"), lm.vocabulary_stats(lang="en")
    assert list(ko.columns)[4] == "평가 문장의 미등록어 비율"
    assert not any("처음 보는" in column for column in ko.columns)
    assert not any(hangul(column) for column in en.columns) and all(hangul(column) for column in ko.columns)
    assert (ko.to_numpy() == en.to_numpy()).all()  # the same numbers under either heading


def test_tables_and_cards_in_korean() -> None:
    table = lm.tokenizer_table(lang="ko")
    assert [c for c in table.columns if c != "V"] == ["토큰 단위", "평가 토큰 수", "토큰당 퍼플렉서티", "문자당 비트 수",
                                                      "<unk> 토큰 수", "문자당 비트 수 (<unk> 철자까지)"]
    assert list(table.iloc[:, 0]) == ["단어", "문자"]
    metrics = lm_metrics.metrics_report(lang="ko").data
    assert list(metrics.columns) == ["지표", "점수 (0-100)"] and "rouge1 (문자 단위)" in list(metrics.iloc[:, 0])
    assert "rouge1 (characters)" in list(lm_metrics.metrics_report(lang="en").data.iloc[:, 0])
    assert "생성문과 참조문" in lm_metrics.metrics_report("", "x", lang="ko")
    card = lm_benchmarks.benchmark_card("KLUE", lang="ko").data
    assert "언어: 한국어, 과제 8개" in card and "KLUE-RE (관계 추출)" in card
    english = lm_benchmarks.benchmark_card("KLUE", lang="en").data
    assert "language: Korean, 8 tasks" in english and not hangul(english)
    assert "인도의 11개 언어" in lm_benchmarks.benchmark_card("IndicGLUE", lang="ko").data


def test_every_benchmark_language_and_described_task_has_its_korean() -> None:
    for info in lm_benchmarks.BENCHMARKS.values():
        assert hangul(lm_benchmarks.benchmark_text(info["language"], "ko")), info["language"]
        for task in info["tasks"]:
            described = "(" in task or any(w.replace("-", "").isalpha() and w.islower() and len(w) > 3
                                           for w in task.split())  # prose, not an acronym like CMRC 2018
            if described:
                assert hangul(lm_benchmarks.benchmark_text(task, "ko")), task
            else:
                assert lm_benchmarks.benchmark_text(task, "ko") == task


def test_chain_rule_report_in_korean() -> None:
    zero = lm.chain_rule_report("오늘은 외계인이 좋다", order=2, k=0.0, lang="ko").data
    assert "미등록어" in zero and "퍼플렉서티" in zero and "확률이 0이 됩니다" in zero
    assert "문맥" in zero and "perplexity" not in zero
    assert "문장을 입력하세요" in lm.chain_rule_report("  ", lang="ko").data


@pytest.mark.parametrize("controls", [lm.chain_rule_controls, lm_neural.training_controls, lm_neural.sampling_controls,
                                      lm_metrics.metrics_controls, lm_benchmarks.benchmark_controls], ids=lambda f: f.__name__)
def test_control_labels_follow_lang(controls) -> None:
    ko = [c.description for c in controls(lang="ko").values()]
    en = [c.description for c in controls(lang="en").values()]
    assert any(hangul(d) for d in ko) and not any(hangul(d) for d in en)


# ---------------------------------------------------------------- Korean BLEU: the tokenizer and the signature

KO_PAIR = ("학생이 책을 읽었다", "학생은 책을 읽었다")


def test_the_three_bleu_tokenizers_are_installed_and_offline() -> None:
    assert lm_metrics.available_tokenizers() == ["13a", "char", "ko-mecab"]  # sacrebleu[ko] is a dependency
    assert not lm_metrics.tokenizer_available("no-such-tokenizer")
    with pytest.raises(ValueError, match="tokenize must be one of"):
        lm_metrics.sentence_bleu("a", "a", "spm")


def test_same_pair_three_scores_and_the_signature_says_which() -> None:
    table = lm_metrics.bleu_by_tokenizer(*KO_PAIR).set_index("tokenize")
    assert table.loc["ko-mecab", "hypothesis as compared"] == "학생 이 책 을 읽 었 다"  # morphemes: the stem matches
    assert table.loc["13a", "hypothesis as compared"] == "학생이 책을 읽었다"  # eojeol: nothing shared with 학생은
    assert table.loc["13a", "BLEU"] < table.loc["char", "BLEU"] < table.loc["ko-mecab", "BLEU"]
    for name in ("13a", "char", "ko-mecab"):
        assert f"tok:{name}" in table.loc[name, "signature"]
    assert table.loc["13a", "BLEU"] == pytest.approx(sacrebleu.sentence_bleu(*KO_PAIR[:1], [KO_PAIR[1]]).score, abs=0.005)


def test_metrics_widget_scores_bleu_with_the_chosen_tokenizer_and_shows_its_signature() -> None:
    controls = lm_metrics.metrics_controls()
    assert list(controls["tokenize"].options) == lm_metrics.available_tokenizers()
    char = lm_metrics.metrics_report(*KO_PAIR, tokenize="char")
    bleu_row = char.data.iloc[0]
    assert "tok:char" in bleu_row.iloc[0] and bleu_row.iloc[1] == pytest.approx(
        lm_metrics.sentence_bleu(*KO_PAIR, "char")[0], abs=0.005)
    shown = char.to_html()
    assert "tok:char|smooth:exp|version" in shown and "..." not in shown  # the signature in full
    assert lm_metrics.generation_scores(*KO_PAIR, tokenize="ko-mecab")["BLEU"] != \
        lm_metrics.generation_scores(*KO_PAIR)["BLEU"]


# ---------------------------------------------------------------- significance


REFS = [s.text for s in lm.load_corpus()[:120]]


def test_simulated_systems() -> None:
    assert lm_metrics.simulate_system(REFS, 0.0) == REFS
    changed = lm_metrics.simulate_system(REFS, 1.0, seed=3)
    assert all(c != r for c, r in zip(changed, REFS) if len(r.split()) > 1)
    assert lm_metrics.simulate_system(REFS, 0.3, seed=1) == lm_metrics.simulate_system(REFS, 0.3, seed=1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        lm_metrics.simulate_system(REFS, 1.5)


def test_bootstrap_difference_is_the_corpus_bleu_difference_with_an_interval_around_it() -> None:
    a, b = lm_metrics.simulate_system(REFS, 0.3, seed=1), lm_metrics.simulate_system(REFS, 0.1, seed=2)
    boot = lm_metrics.bleu_difference_bootstrap(REFS, a, b, n_samples=300)
    direct = sacrebleu.corpus_bleu(b, [REFS]).score - sacrebleu.corpus_bleu(a, [REFS]).score
    assert boot["difference"] == pytest.approx(direct, abs=1e-9)
    assert boot["low"] < boot["difference"] < boot["high"] and len(boot["samples"]) == 300
    assert boot["low"] > 0  # a clear gap: the interval excludes 0 ...
    assert lm_metrics.sacrebleu_paired_bootstrap(REFS, a, b, n_samples=300)["p_value"] < 0.05  # ... and sacrebleu agrees
    swapped = lm_metrics.bleu_difference_bootstrap(REFS, b, a, n_samples=300)
    assert swapped["difference"] == pytest.approx(-boot["difference"]) and swapped["high"] == pytest.approx(-boot["low"])


def test_bootstrap_of_equal_systems_and_of_close_ones() -> None:
    a = lm_metrics.simulate_system(REFS, 0.3, seed=1)
    same = lm_metrics.bleu_difference_bootstrap(REFS, a, a, n_samples=100)
    assert same["difference"] == 0 and same["low"] == same["high"] == 0
    close = lm_metrics.simulate_system(REFS, 0.3, seed=2)
    boot = lm_metrics.bleu_difference_bootstrap(REFS, a, close, n_samples=300)
    assert boot["low"] < 0 < boot["high"]  # no evidence of a difference
    assert lm_metrics.sacrebleu_paired_bootstrap(REFS, a, close, n_samples=300)["p_value"] > 0.05
    with pytest.raises(ValueError, match="same, non-zero number"):
        lm_metrics.bleu_difference_bootstrap(REFS, a[:-1], a)


def test_significance_widget() -> None:
    controls = lm_metrics.significance_controls()
    assert set(controls) == set(inspect.signature(lm_metrics.significance_report).parameters) - {"lang"}
    fig = lm_metrics.significance_report(error_b=0.0, sentences=40)
    assert isinstance(fig, Figure) and "95% CI" in fig.axes[0].get_title() and "excludes 0" in fig.axes[0].get_title()
    assert "신뢰구간" in lm_metrics.significance_report(sentences=40, lang="ko").axes[0].get_title()


# ---------------------------------------------------------------- entity F1 as KLUE scores it

GOLD = ["B-PS", "I-PS", "I-PS", "O", "B-LC", "I-LC", "O", "O", "O", "O", "O", "O"]
I_START = ["B-PS", "I-PS", "O", "O", "I-LC", "I-LC", "O", "O", "O", "O", "O", "O"]


def test_strict_iob2_refuses_an_entity_that_starts_with_i() -> None:
    assert lm_benchmarks.entity_f1(GOLD, I_START, strict=False) == 0.5  # LC accepted, PS span wrong
    assert lm_benchmarks.entity_f1(GOLD, I_START, strict=True) == 0.0  # KLUE's scorer: LC does not start with B-
    assert lm_benchmarks.entity_f1(GOLD, GOLD) == lm_benchmarks.entity_f1(GOLD, GOLD, strict=False) == 1.0
    assert lm_benchmarks.entity_f1(["O"] * 3, ["O"] * 3) == 0.0  # not seqeval's nan
    assert lm_benchmarks.entity_f1(["O", "I-PS"], ["O", "I-PS"]) == 0.0  # strict: no entity at all
    assert lm_benchmarks.char_f1(GOLD, I_START) == pytest.approx(
        f1_score(["PS", "PS", "PS", "O", "LC", "LC"] + ["O"] * 6, ["PS", "PS", "O", "O", "LC", "LC"] + ["O"] * 6,
                 labels=["LC", "PS"], average="macro"))
    table = lm_benchmarks.ner_scores(GOLD, I_START, lang="ko")
    assert list(table["F1"]) == [0.9, 0.5, 0.0] and "KLUE 공식" in table.iloc[2, 0]


@pytest.mark.parametrize("gold, pred, words", [
    (GOLD, GOLD[:-1], "same, non-zero length"),
    ([], [], "same, non-zero length"),
    (GOLD, ["X-PS"] + GOLD[1:], "found 'X-PS'"),
    (GOLD, ["B-"] + GOLD[1:], "found 'B-'"),
])
def test_bad_tag_sequences_are_refused(gold: list, pred: list, words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        lm_benchmarks.entity_f1(gold, pred)


def test_the_exercise_entity_f1_is_seqevals_lenient_mode() -> None:
    """Exercise 6's entity_f1 (an entity may start at I-) is what seqeval computes by default."""
    for case in cases("q8"):
        gold, pred = case["args"]
        if any(tag != "O" for tag in [*gold, *pred]):
            assert lm_benchmarks.entity_f1(gold, pred, strict=False) == pytest.approx(case["expect"], abs=1e-9), case


def test_glue_race_rows_carry_their_source() -> None:
    rows = lm_benchmarks.GLUE_RACE
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert all(r["source"] and 60 < r["glue"] < 100 for r in rows)
    human = next(r["glue"] for r in rows if "human" in r["model"])
    bert = next(r["glue"] for r in rows if r["model"] == "BERT-large")
    assert bert < human < max(r["glue"] for r in rows)
    assert "Devlin" in lm_benchmarks.glue_race_table().to_html()


# ---------------------------------------------------------------- perplexity: open vocabulary, equal sizes, windows


def test_type_token_ratio_falls_with_size_so_compare_at_equal_size() -> None:
    stream = [w for s in lm.corpus_tokens("word", "en")[0] for w in s]
    assert lm.type_token_ratio(stream, 100) > lm.type_token_ratio(stream, 500) > lm.type_token_ratio(stream)
    with pytest.raises(ValueError, match="fewer than size"):
        lm.type_token_ratio(stream, len(stream) + 1)
    table = lm.vocabulary_stats().set_index("language")
    equal = table.columns[-1]
    n = int(equal.split("first ")[1].split(" ")[0])
    assert n == min(table["training tokens"])
    assert table.loc["ko", equal] == pytest.approx(table.loc["ko", "types per 100 tokens"])  # ko is the smaller
    assert table.loc["en", equal] > table.loc["en", "types per 100 tokens"]  # counted over its larger text, English looked poorer in word forms


def test_spelling_bits() -> None:
    chars = lm.train_ngram(lm.corpus_tokens("char")[0], 2)
    assert 0 < lm.spelling_bits("좋다", chars) < lm.spelling_bits("좋다좋다좋다", chars)
    assert lm.spelling_bits("좋다", chars) == pytest.approx(
        -sum(math.log2(chars.prob(b, (a,), 0.1)) for a, b in zip(["▁", "좋", "다"], ["좋", "다", "▁"])))
    with pytest.raises(ValueError, match="bigram"):
        lm.spelling_bits("a", lm.train_ngram([["a"]], 3))


def test_open_vocabulary_bits_per_character_charge_every_unk() -> None:
    table = lm.tokenizer_table(0.1)
    word, char = table.iloc[0], table.iloc[1]
    model = lm.train_ngram(lm.corpus_tokens("word")[0], 2)
    unknown = [w for s in lm.corpus_tokens("word")[1] for w in s if w not in model.vocab]
    assert word["<unk> tokens"] == len(unknown) > 0
    assert word["bits per character, <unk> spelled out"] > word["bits per character"]
    assert char["bits per character, <unk> spelled out"] == char["bits per character"]


def test_sliding_window_reaches_the_full_context_value() -> None:
    model, _ = lm_neural.corpus_neural_lm()
    heldout = lm.corpus_tokens("word")[1]
    x, y = lm_neural._windows(heldout, model.index, model.context)
    full = lm_neural.mean_nll(model, x, y)
    sliding, n = lm_neural.windowed_nll(model, heldout, model.context + 1, 1)
    assert sliding == pytest.approx(full, rel=1e-9) and n == len(y)
    short, _ = lm_neural.windowed_nll(model, heldout, model.context, 1)  # one token of context short
    chunks, m = lm_neural.windowed_nll(model, heldout, model.context + 1, model.context + 1)
    assert full < short and full < chunks and m == n
    stream, starts = lm_neural.token_stream([["a", "b"], ["c"]])
    assert stream == ["a", "b", "</s>", "c", "</s>"] and starts == [0, 0, 0, 3, 3]
    for window, stride in ((0, 1), (3, 0), (3, 4)):
        with pytest.raises(ValueError, match="stride"):
            lm_neural.windowed_nll(model, heldout, window, stride)
    table = lm_neural.sliding_window_table()
    assert (table.iloc[:, 2] >= table.iloc[:, 3]).all()


# ---------------------------------------------------------------- UI fixes of the lecture's controls


def test_entropy_is_never_negative_zero() -> None:
    assert f"{lm_neural.entropy_bits(np.array([0.0, 1.0, 0.0])):.2f}" == "0.00"
    assert lm_neural.entropy_bits(np.full(4, 0.25)) == pytest.approx(2.0)
    greedy = lm_neural.sampling_report(temperature=0.0, prompt="오늘은", lang="en").data
    assert "entropy = 0.00 bits" in greedy and "-0.00" not in greedy and "−0.00" not in greedy


def test_play_buttons_have_a_tooltip_and_labels_are_not_cut() -> None:
    play = lm_neural.training_controls("en")["shown"]
    assert play.description == "" and "replay" in play.tooltip and "pause" in play.tooltip  # shown only without a description
    assert "다시 보기" in lm_neural.training_controls("ko")["shown"].tooltip
    temperature = lm_neural.sampling_controls("en")["temperature"]
    assert temperature.description == "temperature" and temperature.style.description_width == "initial"


# ---------------------------------------------------------------- exercise 7 (lm.q9): strict IOB2


def _solution(name: str):
    import nbformat

    solution = nbformat.read(ROOT / "solutions" / "04_lm_training_evaluation.ipynb", as_version=4)
    namespace: dict = {}
    exec(next(c.source for c in solution.cells if c.source.startswith(f"def {name}(")), namespace)
    return namespace[name]


def _strict_by_runs(gold: list[str], pred: list[str]) -> float:
    """A differently written strict scorer: runs of (type) grown tag by tag, F1 from counts."""
    def entities(tags: list[str]) -> list[tuple[str, int, int]]:
        out: list[list] = []
        for i, tag in enumerate(tags):
            if tag.startswith("B-"):
                out.append([tag[2:], i, i + 1])
            elif tag.startswith("I-") and out and out[-1][2] == i and out[-1][0] == tag[2:]:
                out[-1][2] = i + 1
        return [tuple(e) for e in out]
    g, p = entities(gold), entities(pred)
    kinds = sorted({e[0] for e in g + p})
    f1s = [2 * len(set(x for x in g if x[0] == k) & set(x for x in p if x[0] == k))
           / (sum(x[0] == k for x in g) + sum(x[0] == k for x in p)) for k in kinds]
    return sum(f1s) / len(f1s) if f1s else 0.0


def test_solution_strict_f1_is_seqevals_on_random_tag_sequences() -> None:
    strict = _solution("entity_f1_strict")
    rng = np.random.default_rng(0)
    tags = ["O", "B-PS", "I-PS", "B-LC", "I-LC"]
    for _ in range(1500):
        n = int(rng.integers(1, 9))
        gold, pred = list(rng.choice(tags, n)), list(rng.choice(tags, n))
        want = lm_benchmarks.entity_f1(gold, pred)
        assert strict(gold, pred) == pytest.approx(want, abs=1e-12) == _strict_by_runs(gold, pred), (gold, pred)


def test_q9_check_fails_the_lenient_scorer_and_passes_another_strict_one() -> None:
    from workbook.check import check

    assert check("lm.q9", _solution("entity_f1"), lang="en").status == "failed"  # exercise 6's lenient scorer
    assert check("lm.q9", _strict_by_runs, lang="en").status == "passed"
    assert check("lm.q9", _solution("entity_f1_strict"), lang="en").status == "passed"


def test_the_neural_lm_is_trained_once_however_the_widgets_ask_for_it() -> None:
    first = lm_neural.corpus_neural_lm()
    assert lm_neural.corpus_neural_lm(2, 16, 60, 0.02, 1e-4) is first  # as training_report asks
    assert lm_neural.corpus_neural_lm(context=2, lr=0.02) is first
    assert lm_neural.corpus_neural_lm(dim=8) is not first
