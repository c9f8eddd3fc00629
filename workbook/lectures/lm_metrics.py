"""Lecture 4 — generation metrics (BLEU, chrF, ROUGE) computed by the field's libraries (sacrebleu,
rouge-score), with the tokenizer made visible, and the lecture's metrics widget."""

from __future__ import annotations

from typing import Any

from ..i18n import t


class CharTokenizer:
    """A rouge-score tokenizer for any script: characters, spaces dropped (``tokenize(text)``)."""

    def tokenize(self, text: str) -> list[str]:
        return [c for c in text.lower() if not c.isspace()]


def generation_scores(hypothesis: str, reference: str) -> dict[str, float]:
    """Sentence BLEU and chrF (sacrebleu), ROUGE-1/2/L F1 with rouge-score's default tokenizer and with
    character tokens, all on a 0–100 scale."""
    import sacrebleu
    from rouge_score import rouge_scorer

    types = ["rouge1", "rouge2", "rougeL"]
    default = rouge_scorer.RougeScorer(types).score(reference, hypothesis)
    chars = rouge_scorer.RougeScorer(types, tokenizer=CharTokenizer()).score(reference, hypothesis)
    scores = {"BLEU": sacrebleu.sentence_bleu(hypothesis, [reference]).score,
              "chrF": sacrebleu.sentence_chrf(hypothesis, [reference]).score}
    scores.update({f"{name} (default tokenizer)": 100 * default[name].fmeasure for name in types})
    scores.update({f"{name} (characters)": 100 * chars[name].fmeasure for name in types})
    return scores


def metric_label(name: str, lang: str | None = None) -> str:
    """A :func:`generation_scores` key as a reader sees it: ``rouge1 (characters)`` → ``rouge1 (문자 단위)``."""
    return (name.replace("(default tokenizer)", t("(default tokenizer)", "(기본 토크나이저)", lang))
            .replace("(characters)", t("(characters)", "(문자 단위)", lang)))


def metrics_report(hypothesis: str = "오늘은 햇살이 참 좋다", reference: str = "오늘은 햇살이 좋다",
                   lang: str | None = None) -> Any:
    """Widget: generation metrics for one hypothesis/reference pair, as a table."""
    import pandas as pd

    if not hypothesis.split() or not reference.split():
        return t("Type a hypothesis and a reference.", "생성문과 참조문을 모두 입력하세요.", lang)
    scores = generation_scores(hypothesis, reference)
    return pd.DataFrame({t("metric", "지표", lang): [metric_label(name, lang) for name in scores],
                         t("score (0-100)", "점수 (0-100)", lang): [round(v, 2) for v in scores.values()]})


def metrics_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`metrics_report`."""
    import ipywidgets as w

    return {"hypothesis": w.Text(value="오늘은 햇살이 참 좋다", description=t("hypothesis", "생성문", lang),
                                 continuous_update=False),
            "reference": w.Text(value="오늘은 햇살이 좋다", description=t("reference", "참조문", lang),
                                continuous_update=False)}
