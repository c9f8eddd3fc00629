"""Mutants for exercises/*/04_lm_training_evaluation.ipynb."""

from __future__ import annotations

import math
from collections import Counter

from rouge_score import rouge_scorer

from . import right, wrong

METRICS = {"CoLA": "matthews_corr", "STS-B": "pearson_r", "MNLI": "accuracy", "YNAT": "macro_f1", "KLUE-STS": "pearson_r",
           "KLUE-NLI": "accuracy", "KLUE-NER": "macro_f1", "KLUE-RE": "micro_f1", "KLUE-DP": "uas_las",
           "KLUE-MRC": "exact_match", "WoS": "joint_goal_accuracy"}


def _bigrams(sentences, start=True, end=True):
    counts, vocab = Counter(), set()
    for s in sentences:
        padded = (["<s>"] if start else []) + list(s) + (["</s>"] if end else [])
        vocab.update(padded)
        counts.update(zip(padded, padded[1:]))
    return counts, vocab


def bigram_v_with_start(sentences, prev, word, k):
    counts, vocab = _bigrams(sentences)
    after = sum(c for (a, _), c in counts.items() if a == prev)
    return (counts[prev, word] + k) / (after + k * len(vocab))


def bigram_no_end(sentences, prev, word, k):
    counts, vocab = _bigrams(sentences, end=False)
    after = sum(c for (a, _), c in counts.items() if a == prev)
    return (counts[prev, word] + k) / (after + k * len(vocab - {"<s>"}))


def bigram_v_without_end(sentences, prev, word, k):
    counts, vocab = _bigrams(sentences)
    after = sum(c for (a, _), c in counts.items() if a == prev)
    return (counts[prev, word] + k) / (after + k * len(vocab - {"<s>", "</s>"}))


def bigram_unigram_counts(sentences, prev, word, k):
    tokens = [t for s in sentences for t in ["<s>", *s, "</s>"]]
    unigrams = Counter(tokens)
    pairs = Counter(zip(tokens, tokens[1:]))
    vocab = set(tokens) - {"<s>"}
    return (pairs[prev, word] + k) / (unigrams[prev] + k * len(vocab))


def perplexity_geometric_mean(probs):
    return math.exp(sum(math.log(p) for p in probs) / len(probs))


def perplexity_arithmetic(probs):
    return len(probs) / sum(probs)


def perplexity_sum_not_mean(probs):
    return math.exp(-sum(math.log(p) for p in probs))


def perplexity_base_two(probs):
    return 2 ** (-sum(math.log2(p) for p in probs) / len(probs))


def perplexity_product(probs):
    return math.prod(probs) ** (-1 / len(probs))


def bp_swapped(hyp_len, ref_len):
    if hyp_len == 0:
        return 0.0
    return 1.0 if hyp_len >= ref_len else math.exp(1 - hyp_len / ref_len)


def bp_no_zero_guard(hyp_len, ref_len):
    return 1.0 if hyp_len >= ref_len else math.exp(1 - ref_len / hyp_len)


def bp_always(hyp_len, ref_len):
    return 0.0 if hyp_len == 0 else math.exp(1 - ref_len / hyp_len)


def bp_min(hyp_len, ref_len):
    return min(1.0, math.exp(1 - ref_len / hyp_len)) if hyp_len else 0.0


def _ngrams(text, n):
    words = text.split()
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def precision_unclipped(hypothesis, references, n):
    hyp = _ngrams(hypothesis, n)
    seen = set().union(*(_ngrams(r, n) for r in references))
    total = sum(hyp.values())
    return sum(c for g, c in hyp.items() if g in seen) / total if total else 0.0


def precision_clip_by_sum(hypothesis, references, n):
    hyp = _ngrams(hypothesis, n)
    limit = sum((_ngrams(r, n) for r in references), Counter())
    total = sum(hyp.values())
    return sum(min(c, limit[g]) for g, c in hyp.items()) / total if total else 0.0


def precision_unique_denominator(hypothesis, references, n):
    hyp = _ngrams(hypothesis, n)
    limit = Counter()
    for r in references:
        limit |= _ngrams(r, n)
    return sum(min(c, limit[g]) for g, c in hyp.items()) / len(hyp) if hyp else 0.0


def precision_counter_union(hypothesis, references, n):
    hyp = _ngrams(hypothesis, n)
    limit = Counter()
    for r in references:
        limit |= _ngrams(r, n)  # | keeps the maximum count of each n-gram
    clipped = hyp & limit
    return sum(clipped.values()) / max(sum(hyp.values()), 1) if hyp else 0.0


def rouge_default_tokenizer(prediction, reference):
    return rouge_scorer.RougeScorer(["rouge1"]).score(reference, prediction)["rouge1"].fmeasure


def rouge_precision(prediction, reference):
    pred, ref = Counter(prediction.split()), Counter(reference.split())
    return sum((pred & ref).values()) / sum(pred.values())


def rouge_sets(prediction, reference):
    pred, ref = set(prediction.split()), set(reference.split())
    overlap = len(pred & ref)
    return 0.0 if not overlap else 2 * overlap / (len(pred) + len(ref))


def rouge_counters(prediction, reference):
    pred, ref = Counter(prediction.split()), Counter(reference.split())
    overlap = sum((pred & ref).values())
    if not overlap:
        return 0.0
    p, r = overlap / sum(pred.values()), overlap / sum(ref.values())
    return 2 * p * r / (p + r)


def _spans(tags, strict):
    """(type, start, end) entities; ``strict``: an I-X must follow B-X or I-X (seqeval's IOB2 strict mode)."""
    spans, current = set(), None
    for i, tag in enumerate(list(tags) + ["O"]):
        kind = tag[2:] if tag != "O" else None
        inside = tag.startswith("I-") and current is not None and current[0] == kind
        if current is not None and not inside:
            spans.add((current[0], current[1], i - 1))
            current = None
        if tag.startswith("B-") or (tag.startswith("I-") and not inside and not strict):
            current = (kind, i)
    return spans


def _macro(gold, pred, strict=False):
    g, p = _spans(gold, strict), _spans(pred, strict)
    types = {t for t, _, _ in g | p}
    if not types:
        return 0.0
    scores = []
    for t in types:
        gt, pt = {s for s in g if s[0] == t}, {s for s in p if s[0] == t}
        scores.append(2 * len(gt & pt) / (len(gt) + len(pt)))
    return sum(scores) / len(scores)


def entity_token_accuracy(gold, pred):
    return sum(a == b for a, b in zip(gold, pred)) / len(gold)


def entity_micro(gold, pred):
    g, p = _spans(gold, False), _spans(pred, False)
    return 2 * len(g & p) / (len(g) + len(p)) if g or p else 0.0


def entity_empty_is_perfect(gold, pred):
    g, p = _spans(gold, False), _spans(pred, False)
    return _macro(gold, pred) if g or p else 1.0


def entity_seqeval_strict(gold, pred):
    return _macro(gold, pred, strict=True)


def entity_lenient(gold, pred):
    return _macro(gold, pred)


def entity_strict_micro(gold, pred):
    g, p = _spans(gold, True), _spans(pred, True)
    return 2 * len(g & p) / (len(g) + len(p)) if g or p else 0.0


def entity_strict_empty_is_perfect(gold, pred):
    return _macro(gold, pred, strict=True) if _spans(gold, True) | _spans(pred, True) else 1.0


def entity_seqeval_library(gold, pred):
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    score = f1_score([gold], [pred], average="macro", mode="strict", scheme=IOB2, zero_division=0)
    return 0.0 if math.isnan(score) else score  # seqeval's mean over no entity type


def entity_seqeval_nan(gold, pred):
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2

    return f1_score([gold], [pred], average="macro", mode="strict", scheme=IOB2, zero_division=0)


MUTANTS = [
    wrong("lm.q1", "V counts <s>", bigram_v_with_start),
    wrong("lm.q1", "no </s> padding", bigram_no_end),
    wrong("lm.q1", "V leaves out </s>", bigram_v_without_end),
    right("lm.q1", "unigram counts of prev (equal with </s> padding)", bigram_unigram_counts),
    wrong("lm.q2", "exp of the mean log (no minus)", perplexity_geometric_mean),
    wrong("lm.q2", "inverse arithmetic mean", perplexity_arithmetic),
    wrong("lm.q2", "sum, not mean, of the logs", perplexity_sum_not_mean),
    right("lm.q2", "base 2", perplexity_base_two),
    right("lm.q2", "product to the power -1/N", perplexity_product),
    wrong("lm.q3", "ratio upside down", bp_swapped),
    wrong("lm.q3", "no guard for an empty hypothesis", bp_no_zero_guard),
    wrong("lm.q3", "a penalty for long hypotheses too", bp_always),
    right("lm.q3", "min(1, exp(...))", bp_min),
    wrong("lm.q4", "no clipping", precision_unclipped),
    wrong("lm.q4", "clipped by the sum over references", precision_clip_by_sum),
    wrong("lm.q4", "divided by distinct n-grams", precision_unique_denominator),
    right("lm.q4", "Counter union and intersection", precision_counter_union),
    wrong("lm.q5", "rouge-score's default tokenizer drops Hangul", rouge_default_tokenizer),
    wrong("lm.q5", "precision, not F1", rouge_precision),
    wrong("lm.q5", "sets, not counts", rouge_sets),
    right("lm.q5", "Counters by hand", rouge_counters),
    wrong("lm.q6", "KLUE-NER as micro F1", {**METRICS, "KLUE-NER": "micro_f1"}),
    wrong("lm.q6", "CoLA as accuracy", {**METRICS, "CoLA": "accuracy"}),
    wrong("lm.q6", "KLUE-MRC as accuracy", {**METRICS, "KLUE-MRC": "accuracy"}),
    right("lm.q6", "'matthews corr', 'Pearson R', 'MCC' style spellings", {**METRICS, "CoLA": "matthews corr", "STS-B": "Pearson R",
                                                                            "WoS": "Joint Goal Accuracy", "KLUE-DP": "UAS/LAS"}),
    right("lm.q6", "the lecture's Korean table names", {"CoLA": "매튜스 상관계수", "STS-B": "피어슨 상관계수", "MNLI": "정확도",
                                                       "YNAT": "매크로 F1", "KLUE-STS": "Pearson's r", "KLUE-NLI": "정확도",
                                                       "KLUE-NER": "매크로 F1", "KLUE-RE": "마이크로 F1", "KLUE-DP": "UAS, LAS",
                                                       "KLUE-MRC": "완전 일치(EM)", "WoS": "결합 목표 정확도"}),
    wrong("lm.q7", "RTE", "RTE"),
    wrong("lm.q7", "QNLI (QA recast as NLI, still GLUE)", "QNLI"),
    right("lm.q7", "'SQuAD 1.1'", "SQuAD 1.1"),
    right("lm.q7", "lower case", " squad "),
    wrong("lm.q8", "token accuracy", entity_token_accuracy),
    wrong("lm.q8", "micro F1", entity_micro),
    wrong("lm.q8", "no entities scored 1.0", entity_empty_is_perfect),
    right("lm.q8", "KLUE's official strict IOB2 (seqeval mode strict)", entity_seqeval_strict),
    right("lm.q8", "the lenient rule of the question", entity_lenient),
    wrong("lm.q9", "exercise 6's lenient scorer (an I-X may start an entity)", entity_lenient),
    wrong("lm.q9", "strict spans, micro F1", entity_strict_micro),
    wrong("lm.q9", "no entities scored 1.0", entity_strict_empty_is_perfect),
    right("lm.q9", "strict spans by hand", entity_seqeval_strict),
    right("lm.q9", "seqeval itself, mode strict, IOB2", entity_seqeval_library),
    wrong("lm.q9", "seqeval's NaN left when there is no entity", entity_seqeval_nan),
]
