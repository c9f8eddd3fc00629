"""Mutants for exercises/*/01_full_stack_ml.ipynb."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter

import numpy as np

from . import right, wrong

STAGES = {
    "Customer meeting (B2B) or service planning (B2C)": "requirements",
    "Write down detailed requirements, constraints and schedule": "requirements",
    "Recast the real-life problem as an ML problem": "requirements",
    "Collect raw data (no bias, mind the copyright)": "data",
    "Plan and build the annotation tool": "data",
    "Write and run the annotation guide": "data",
    "Research existing work and internalise it": "model",
    "Experiment on the collected data, evaluate, feed back": "model",
    "Lightweight the model itself (distillation, network surgery)": "model",
    "Engineering lightweighting (TensorRT, quantization)": "deploy",
    "Rework the research code for deployment": "deploy",
    "Model version control and deployment automation": "deploy",
}
WORDS = {"requirements": "요구사항 전달", "data": "Data Collection", "model": "ML 모델 개발", "deploy": "deployment"}
PROBLEMS = {
    "Route each incoming support e-mail to the right team": "classification",
    "Find and box every pedestrian in a dash-cam frame": "detection",
    "Turn a Korean product review into English": "seq2seq",
    "Predict how many orders arrive tomorrow": "regression",
    "Write a one-line summary of each call-centre transcript": "seq2seq",
}


def kappa_squared_marginals(a, b):
    """p_e = sum p_a(k)^2: the common slip of using one annotator's shares twice."""
    n = len(a)
    p_o = sum(x == y for x, y in zip(a, b)) / n
    p_e = sum((a.count(k) / n) ** 2 for k in set(a))
    return (p_o - p_e) / (1 - p_e)


def kappa_raw_agreement(a, b):
    return sum(x == y for x, y in zip(a, b)) / len(a)


def kappa_uniform_chance(a, b):
    labels = set(a) | set(b)
    p_o = sum(x == y for x, y in zip(a, b)) / len(a)
    return (p_o - 1 / len(labels)) / (1 - 1 / len(labels))


def kappa_confusion_matrix(a, b):
    labels = sorted(set(a) | set(b), key=str)
    index = {label: i for i, label in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)))
    for x, y in zip(a, b):
        m[index[x], index[y]] += 1
    m /= m.sum()
    p_o, p_e = np.trace(m), m.sum(axis=1) @ m.sum(axis=0)
    return (p_o - p_e) / (1 - p_e)


def kappa_counters(a, b):
    n, ca, cb = len(a), Counter(a), Counter(b)
    p_o = sum(map(lambda pair: pair[0] == pair[1], zip(a, b))) / n
    p_e = sum(ca[k] * cb[k] for k in ca) / n**2
    return float(np.float64((p_o - p_e) / (1 - p_e)))


def hash_builtin(rows):
    return str(hash(json.dumps(rows)))


def hash_joined(rows):
    return hashlib.sha256("".join(cell for row in rows for cell in row).encode()).hexdigest()


def hash_row_count(rows):
    return hashlib.sha256(str(len(rows)).encode()).hexdigest()


def hash_md5_repr(rows):
    return hashlib.md5(repr(rows).encode()).hexdigest()


def hash_short(rows):
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:12]


def quantize_max_not_abs(weights):
    peak = max(weights)
    return [0] * len(weights) if peak == 0 else [round(w / (peak / 127)) for w in weights]


def quantize_truncating(weights):
    peak = max(abs(w) for w in weights)
    return [0] * len(weights) if peak == 0 else [int(w / (peak / 127)) for w in weights]


def quantize_no_zero_guard(weights):
    scale = max(abs(w) for w in weights) / 127
    return [round(w / scale) for w in weights]


def quantize_pure_python(weights):
    peak = max((abs(w) for w in weights), default=0)
    if not peak:
        return [0 for _ in weights]
    return [math.floor(w * 127 / peak + 0.5) if w >= 0 else -math.floor(-w * 127 / peak + 0.5) for w in weights]


def softmax_ignores_t(logits, T):
    z = np.asarray(logits, float)
    e = np.exp(z - z.max())
    return (e / e.sum()).tolist()


def softmax_times_t(logits, T):
    z = np.asarray(logits, float) * T
    e = np.exp(z - z.max())
    return (e / e.sum()).tolist()


def softmax_unstable(logits, T):
    e = [math.exp(x / T) for x in logits]
    return [x / sum(e) for x in e]


def softmax_math_rounded(logits, T):
    top = max(logits)
    e = [math.exp((x - top) / T) for x in logits]
    return [round(x / sum(e), 4) for x in e]


MUTANTS = [
    wrong("full_stack.q1", "TensorRT lightweighting put under model", {**STAGES, "Engineering lightweighting (TensorRT, quantization)": "model"}),
    wrong("full_stack.q1", "research under data", {**STAGES, "Research existing work and internalise it": "data"}),
    wrong("full_stack.q1", "all twelve right plus an extra key", {**STAGES, "Deploy to the app store": "deploy"}),
    wrong("full_stack.q1", "a list of stages instead of the dict", list(STAGES.values())),
    right("full_stack.q1", "synonyms, Korean labels and other case", {k.upper(): WORDS[v] for k, v in STAGES.items()}),
    right("full_stack.q1", "'deployment' and 'data collection'", {k: {"deploy": "deployment", "data": "data collection"}.get(v, v) for k, v in STAGES.items()}),
    wrong("full_stack.q2", "translation called classification", {**PROBLEMS, "Turn a Korean product review into English": "classification"}),
    wrong("full_stack.q2", "detection called classification", {**PROBLEMS, "Find and box every pedestrian in a dash-cam frame": "classification"}),
    wrong("full_stack.q2", "summary called 'summarization' (not a listed type)", {**PROBLEMS, "Write a one-line summary of each call-centre transcript": "summarization"}),
    right("full_stack.q2", "'object detection', 'sequence-to-sequence'", {k: {"detection": "object detection", "seq2seq": "sequence-to-sequence"}.get(v, v) for k, v in PROBLEMS.items()}),
    right("full_stack.q2", "Korean labels", {k: {"classification": "분류", "detection": "객체 검출", "seq2seq": "시퀀스 생성", "regression": "회귀"}[v] for k, v in PROBLEMS.items()}),
    wrong("full_stack.q3", "p_e = sum p_a(k)^2", kappa_squared_marginals),
    wrong("full_stack.q3", "raw agreement p_o", kappa_raw_agreement),
    wrong("full_stack.q3", "chance as 1/K", kappa_uniform_chance),
    right("full_stack.q3", "a confusion matrix in NumPy", kappa_confusion_matrix),
    right("full_stack.q3", "Counters", kappa_counters),
    wrong("full_stack.q4", "str(hash(json.dumps(rows))), salted per process", hash_builtin),
    wrong("full_stack.q4", "cells joined without boundaries", hash_joined),
    wrong("full_stack.q4", "hash of the row count", hash_row_count),
    right("full_stack.q4", "md5 of repr", hash_md5_repr),
    right("full_stack.q4", "12 hex digits, like the lecture's model version", hash_short),
    wrong("full_stack.q5", "scale from max(w), not max|w|", quantize_max_not_abs),
    wrong("full_stack.q5", "int() truncates instead of rounding", quantize_truncating),
    wrong("full_stack.q5", "no guard for an all-zero vector", quantize_no_zero_guard),
    right("full_stack.q5", "pure Python, half away from zero", quantize_pure_python),
    wrong("full_stack.q6", "ignores T", softmax_ignores_t),
    wrong("full_stack.q6", "multiplies by T", softmax_times_t),
    wrong("full_stack.q6", "no max subtraction (overflows)", softmax_unstable),
    right("full_stack.q6", "math.exp, rounded to 4 decimals", softmax_math_rounded),
    wrong("full_stack.q7", "one worker only", 20),
    wrong("full_stack.q7", "one machine only", 80),
    wrong("full_stack.q7", "'240 qps' as text", "240 qps"),
    right("full_stack.q7", "'240' as a string", "240"),
    right("full_stack.q7", "240.0 from a float computation", 1000 / 50 * 4 * 3),
    right("full_stack.q7", "a NumPy integer", np.int64(240)),
]
