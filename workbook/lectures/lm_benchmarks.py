"""Lecture 4 — benchmarks: GLUE, KLUE and their multilingual relatives, KLUE's task metrics, and
a contamination signal; the lecture's benchmark widget."""

from __future__ import annotations

import html
import math
from typing import Any, Sequence

import numpy as np

from ..i18n import t
from ..widgets import full_text_table


BENCHMARKS: dict[str, dict[str, Any]] = {
    "GLUE": {"language": "English", "year": 2018, "tasks": [
        "CoLA", "SST-2", "MRPC", "STS-B", "QQP", "MNLI", "QNLI", "RTE", "WNLI"]},
    "SuperGLUE": {"language": "English", "year": 2019, "tasks": [
        "BoolQ", "CB", "COPA", "MultiRC", "ReCoRD", "RTE", "WiC", "WSC"]},
    "KLUE": {"language": "Korean", "year": 2021, "tasks": [
        "YNAT (topic classification)", "KLUE-STS (semantic textual similarity)", "KLUE-NLI (natural language inference)",
        "KLUE-NER (named entity recognition)", "KLUE-RE (relation extraction)", "KLUE-DP (dependency parsing)",
        "KLUE-MRC (machine reading comprehension)", "WoS (dialogue state tracking)"]},
    "FLUE": {"language": "French", "year": 2020, "tasks": [
        "CLS (review classification)", "PAWS-X (paraphrase)", "XNLI (inference)", "constituency and dependency parsing",
        "word sense disambiguation"]},
    "CLUE": {"language": "Chinese", "year": 2020, "tasks": [
        "AFQMC", "TNEWS", "IFLYTEK", "CMNLI", "CLUEWSC2020", "CSL", "CMRC 2018", "ChID", "C³"]},
    "IndoNLU": {"language": "Indonesian", "year": 2020, "tasks": [
        "EmoT", "SmSA", "CASA", "HoASA", "WReTE", "POSP", "BaPOS", "TermA", "KEPS", "NERGrit", "NERP", "FacQA"]},
    "IndicGLUE": {"language": "11 Indian languages", "year": 2020, "tasks": [
        "news category classification", "headline prediction", "Wikipedia section-title prediction",
        "cloze-style multiple-choice QA", "named entity recognition", "cross-lingual sentence retrieval",
        "WNLI", "COPA", "paraphrase detection", "discourse mode classification", "sentiment analysis"]},
    "RussianSuperGLUE": {"language": "Russian", "year": 2020, "tasks": [
        "LiDiRus", "RCB", "PARus", "MuSeRC", "TERRa", "RUSSE", "RWSD", "DaNetQA", "RuCoS"]},
}


# The Korean for the languages and task descriptions above (task acronyms stay as they are).
BENCHMARK_KO: dict[str, str] = {
    "English": "영어", "Korean": "한국어", "French": "프랑스어", "Chinese": "중국어", "Indonesian": "인도네시아어",
    "11 Indian languages": "인도의 11개 언어", "Russian": "러시아어",
    "topic classification": "주제 분류", "semantic textual similarity": "문장 유사도",
    "natural language inference": "자연어 추론", "named entity recognition": "개체명 인식",
    "relation extraction": "관계 추출", "dependency parsing": "의존 구문 분석",
    "machine reading comprehension": "기계 독해", "dialogue state tracking": "대화 상태 추적",
    "review classification": "리뷰 분류", "paraphrase": "패러프레이즈 판별", "inference": "추론",
    "constituency and dependency parsing": "구성 성분 구문 분석과 의존 구문 분석",
    "word sense disambiguation": "단어 의미 중의성 해소", "news category classification": "뉴스 범주 분류",
    "headline prediction": "헤드라인 예측", "Wikipedia section-title prediction": "위키백과 섹션 제목 예측",
    "cloze-style multiple-choice QA": "빈칸 채우기식 객관식 질의응답",
    "cross-lingual sentence retrieval": "교차 언어 문장 검색", "paraphrase detection": "패러프레이즈 탐지",
    "discourse mode classification": "담화 유형 분류", "sentiment analysis": "감성 분석",
}


def benchmark_text(text: str, lang: str | None = None) -> str:
    """A benchmark's language or task in ``lang``: ``KLUE-RE (relation extraction)`` → ``KLUE-RE (관계 추출)``."""
    name, paren, rest = text.partition(" (")
    if paren and rest.endswith(")"):
        return f"{name} ({benchmark_text(rest[:-1], lang)})"
    return t(text, BENCHMARK_KO.get(text, text), lang)


def benchmark_card(name: str = "KLUE", lang: str | None = None) -> Any:
    """Widget: a benchmark's language, year and tasks."""
    from IPython.display import HTML

    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; choose one of {sorted(BENCHMARKS)}")
    info = BENCHMARKS[name]
    tasks = len(info["tasks"])
    items = "".join(f"<li>{html.escape(benchmark_text(task, lang))}</li>" for task in info["tasks"])
    return HTML(f"<p><b>{html.escape(name)}</b> ({info['year']}) — {t('language', '언어', lang)}: "
                f"{html.escape(benchmark_text(info['language'], lang))}, "
                f"{t(f'{tasks} tasks', f'과제 {tasks}개', lang)}</p><ul>{items}</ul>")


def attachment_scores(gold_heads: Sequence[int], gold_labels: Sequence[str], pred_heads: Sequence[int],
                      pred_labels: Sequence[str]) -> dict[str, float]:
    """Dependency parsing: UAS = share of words with the right head; LAS = right head and right label."""
    if not len(gold_heads) == len(gold_labels) == len(pred_heads) == len(pred_labels) or not gold_heads:
        raise ValueError("heads and labels must be non-empty and of equal length")
    heads = np.array(gold_heads) == np.array(pred_heads)
    labels = np.array(gold_labels) == np.array(pred_labels)
    return {"UAS": float(heads.mean()), "LAS": float((heads & labels).mean())}


def ngram_overlap(test: Sequence[Sequence[str]], train: Sequence[Sequence[str]], n: int = 4) -> list[float]:
    """For each test sentence, the share of its word n-grams that also occur in the training sentences
    (a simple contamination signal: 1.0 means every n-gram was seen)."""
    seen = {tuple(s[i:i + n]) for s in train for i in range(len(s) - n + 1)}
    shares = []
    for sentence in test:
        grams = [tuple(sentence[i:i + n]) for i in range(len(sentence) - n + 1)]
        shares.append(sum(g in seen for g in grams) / len(grams) if grams else 0.0)
    return shares


def benchmark_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`benchmark_card`."""
    import ipywidgets as w

    return {"name": w.Dropdown(options=list(BENCHMARKS), value="KLUE", description=t("benchmark", "벤치마크", lang))}


# --- the leaderboard race (beyond the talk's notes; each number from the paper named) -----------------

GLUE_RACE: tuple[dict[str, Any], ...] = (
    {"model": "OpenAI GPT", "date": "2018-06", "glue": 72.8,
     "source": "Devlin et al. 2019 (BERT), §4.1: its official GLUE leaderboard score"},
    {"model": "BERT-large", "date": "2018-10", "glue": 80.5,
     "source": "Devlin et al. 2019 (BERT), §4.1"},
    {"model": "GLUE human baseline", "date": "2019-05", "glue": 87.1,
     "source": "Nangia & Bowman 2019 (paper date), as listed on the GLUE leaderboard"},
    {"model": "RoBERTa", "date": "2019-07", "glue": 88.5,
     "source": "Liu et al. 2019 (RoBERTa), §5.1"},
    {"model": "T5-11B", "date": "2019-10", "glue": 90.3,
     "source": "Raffel et al. 2020 (T5), Table 14"},
)


def glue_race_table(lang: str | None = None) -> Any:
    """The GLUE race in five rows: model, date, GLUE score, where the number comes from."""
    import pandas as pd

    return full_text_table(pd.DataFrame({t("model", "모델", lang): [r["model"] for r in GLUE_RACE],
                         t("date", "시기", lang): [r["date"] for r in GLUE_RACE],
                         t("GLUE score", "GLUE 점수", lang): [r["glue"] for r in GLUE_RACE],
                         t("source", "출처", lang): [r["source"] for r in GLUE_RACE]}))


# --- NER: entity-level F1 as KLUE scores it --------------------------------------------------------


def _check_tags(gold: Sequence[str], pred: Sequence[str]) -> None:
    if len(gold) != len(pred) or not gold:
        raise ValueError(f"gold and pred need the same, non-zero length (got {len(gold)} and {len(pred)})")
    bad = [tag for tag in [*gold, *pred] if tag != "O" and not (tag[:2] in ("B-", "I-") and len(tag) > 2)]
    if bad:
        raise ValueError(f"tags must be O, B-<type> or I-<type>; found {bad[0]!r}")


def entity_f1(gold: Sequence[str], pred: Sequence[str], strict: bool = True) -> float:
    """Entity-level macro-F1 with seqeval. ``strict=True`` is KLUE-NER's official scorer (KLUE-baseline's
    ``klue_ner_entity_macro_f1``: ``mode="strict", scheme=IOB2``): an entity must start with ``B-``;
    ``strict=False`` is seqeval's default, conlleval-like mode, which also accepts an entity that starts
    with ``I-``. 0.0 when neither side has an entity."""
    import warnings

    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    _check_tags(gold, pred)
    options = {"mode": "strict", "scheme": IOB2} if strict else {}
    with warnings.catch_warnings():  # a type seen only on one side gets F1 0, as intended; no warning needed
        warnings.simplefilter("ignore")
        score = float(f1_score([list(gold)], [list(pred)], average="macro", **options))
    return 0.0 if math.isnan(score) else score  # no entity on either side: seqeval's macro mean of nothing


def char_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Character-level macro-F1 over entity types (scikit-learn): each character's type, prefixes dropped."""
    from sklearn.metrics import f1_score

    _check_tags(gold, pred)
    kinds = [[tag.partition("-")[2] or "O" for tag in tags] for tags in (gold, pred)]
    labels = sorted(set(kinds[0] + kinds[1]) - {"O"})
    return float(f1_score(kinds[0], kinds[1], labels=labels, average="macro", zero_division=0)) if labels else 0.0


def ner_scores(gold: Sequence[str], pred: Sequence[str], lang: str | None = None) -> Any:
    """One prediction scored three ways: characters, lenient entities, strict IOB2 entities (KLUE)."""
    import pandas as pd

    return pd.DataFrame({t("scorer", "채점 방식", lang): [
        t("character-level macro-F1", "문자 단위 매크로 F1", lang),
        t("entity-level macro-F1, lenient (seqeval default)", "개체 단위 매크로 F1, 느슨하게 (seqeval 기본값)", lang),
        t("entity-level macro-F1, strict IOB2 (KLUE's official)", "개체 단위 매크로 F1, 엄격한 IOB2 (KLUE 공식)", lang)],
        "F1": [round(char_f1(gold, pred), 4), round(entity_f1(gold, pred, strict=False), 4),
               round(entity_f1(gold, pred, strict=True), 4)]})
