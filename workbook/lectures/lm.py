"""Lecture 4 — training and evaluating language models: corpus, n-gram and neural LMs, sampling,
generation metrics, benchmark facts and the lecture's widgets, as plain typed functions.

Everything runs offline on the small corpus ``workbook/data/lm_corpus.tsv`` (written for this course).
Metric values come from the field's libraries (sacrebleu, rouge-score, scikit-learn, SciPy); this
module only shows them.
"""

from __future__ import annotations

import functools
import html
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..i18n import t

CORPUS = Path(__file__).resolve().parent.parent / "data" / "lm_corpus.tsv"
LANGS = ("en", "ko")
UNITS = ("word", "char")
BOS, EOS, UNK = "<s>", "</s>", "<unk>"
SPACE = "▁"  # marks a word boundary in character tokens, as SentencePiece does
HELDOUT_EVERY = 5


class CorpusError(ValueError):
    """The corpus file is malformed; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Sentence:
    """One line of the corpus."""

    lang: str
    text: str


def load_corpus(path: Path | str = CORPUS) -> list[Sentence]:
    """Read a ``lang<TAB>text`` corpus with a header line; raise CorpusError naming the file on any problem."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise CorpusError(f"{path}: cannot read corpus: {err}") from None
    if not lines or lines[0].split("\t") != ["lang", "text"]:
        raise CorpusError(f"{path}: the first line must be the header 'lang<TAB>text'")
    sentences = []
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        if len(parts) != 2:
            raise CorpusError(f"{path}: line {number}: expected 2 tab-separated fields, found {len(parts)}")
        lang, text = parts[0].strip(), " ".join(parts[1].split())
        if lang not in LANGS:
            raise CorpusError(f"{path}: line {number}: language must be one of {LANGS}, not {lang!r}")
        if not text:
            raise CorpusError(f"{path}: line {number}: empty sentence")
        sentences.append(Sentence(lang, text))
    if not sentences:
        raise CorpusError(f"{path}: no sentences")
    return sentences


def tokenize(text: str, unit: str = "word") -> list[str]:
    """Lower-cased whitespace words, or characters with ``▁`` for each space."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    words = text.lower().split()
    return words if unit == "word" else list(SPACE.join(words))


def split_corpus(sentences: Sequence[Sentence], every: int = HELDOUT_EVERY) -> tuple[list[Sentence], list[Sentence]]:
    """Training and held-out sentences: every ``every``-th sentence is held out (deterministic)."""
    train = [s for i, s in enumerate(sentences) if i % every != every - 1]
    heldout = [s for i, s in enumerate(sentences) if i % every == every - 1]
    return train, heldout


# --- n-gram language model -------------------------------------------------------------------------


@dataclass
class NGramLM:
    """Counts of an n-gram model; probabilities are add-k smoothed at query time.

    The vocabulary is every training token plus ``</s>`` and ``<unk>`` (``<s>`` is only ever a context),
    so add-k over ``V`` types keeps each conditional distribution summing to one.
    """

    order: int
    vocab: set[str]
    ngrams: Counter = field(default_factory=Counter)
    contexts: Counter = field(default_factory=Counter)

    @property
    def size(self) -> int:
        return len(self.vocab)

    def pad(self, tokens: Sequence[str]) -> list[str]:
        """``<s>`` × (order-1), the tokens (unknown ones as ``<unk>``), then ``</s>``."""
        return [BOS] * (self.order - 1) + [w if w in self.vocab else UNK for w in tokens] + [EOS]

    def prob(self, word: str, context: tuple[str, ...], k: float = 0.0) -> float:
        """P(word | context) = (c(context, word) + k) / (c(context) + k·V); 0 for an unseen context at k=0."""
        context = tuple(context[len(context) - (self.order - 1):]) if self.order > 1 else ()
        word = word if word in self.vocab else UNK
        total = self.contexts[context] + k * self.size
        return (self.ngrams[context + (word,)] + k) / total if total > 0 else 0.0

    def steps(self, tokens: Sequence[str], k: float = 0.0) -> list[tuple[tuple[str, ...], str, float]]:
        """The chain rule, one factor per token: (context, token, P(token | context))."""
        padded = self.pad(tokens)
        n = self.order - 1
        return [(tuple(padded[i - n:i]), padded[i], self.prob(padded[i], tuple(padded[i - n:i]), k))
                for i in range(n, len(padded))]

    def cross_entropy(self, sentences: Sequence[Sequence[str]], k: float = 0.0) -> float:
        """Mean negative log-likelihood per predicted token (nats); ``inf`` if a token gets P = 0."""
        probs = [p for tokens in sentences for _, _, p in self.steps(tokens, k)]
        if min(probs) <= 0.0:
            return math.inf
        return float(-np.mean(np.log(probs)))

    def perplexity(self, sentences: Sequence[Sequence[str]], k: float = 0.0) -> float:
        """exp(cross-entropy): the effective number of equally likely choices per token."""
        return math.exp(self.cross_entropy(sentences, k))


def train_ngram(sentences: Sequence[Sequence[str]], order: int = 2) -> NGramLM:
    """Count n-grams of ``order`` over tokenised sentences."""
    if order < 1:
        raise ValueError(f"order must be at least 1, not {order}")
    model = NGramLM(order=order, vocab={w for s in sentences for w in s} | {EOS, UNK})
    for tokens in sentences:
        padded = model.pad(tokens)
        for i in range(order - 1, len(padded)):
            context = tuple(padded[i - order + 1:i])
            model.ngrams[context + (padded[i],)] += 1
            model.contexts[context] += 1
    return model


@functools.lru_cache(maxsize=None)
def corpus_tokens(unit: str = "word", lang: str | None = None) -> tuple[list[list[str]], list[list[str]]]:
    """Tokenised training and held-out sentences of the shipped corpus (one language, or both).
    Cached and shared: build new lists (``train + more``) rather than modifying these."""
    train, heldout = split_corpus([s for s in load_corpus() if lang in (None, s.lang)])
    return [tokenize(s.text, unit) for s in train], [tokenize(s.text, unit) for s in heldout]


def vocabulary_stats(lang: str | None = None) -> Any:
    """Per language of the shipped corpus: word tokens, word types, and the share of held-out words never
    seen in training (Korean's particles and endings make many more word forms). Column names in ``lang``."""
    import pandas as pd

    rows = []
    for corpus_lang in LANGS:
        train, heldout = corpus_tokens("word", corpus_lang)
        seen = {w for s in train for w in s}
        held = [w for s in heldout for w in s]
        rows.append({t("language", "언어", lang): corpus_lang,
                     t("training tokens", "학습 토큰 수", lang): sum(map(len, train)),
                     t("word types", "단어 유형 수", lang): len(seen),
                     t("types per 100 tokens", "100토큰당 유형 수", lang): 100 * len(seen) / sum(map(len, train)),
                     t("share of held-out words unseen in training", "평가 문장의 미등록어 비율", lang):
                         sum(w not in seen for w in held) / len(held)})
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=None)
def corpus_ngram(order: int = 2, unit: str = "word") -> NGramLM:
    """The n-gram model of the shipped corpus's training part (both languages)."""
    return train_ngram(corpus_tokens(unit)[0], order)


def chain_rule_table(text: str, order: int = 2, k: float = 0.1, lang: str | None = None) -> Any:
    """One row per factor of the chain rule for ``text`` under the corpus n-gram model."""
    import pandas as pd

    model = corpus_ngram(order)
    rows = [{t("context", "문맥", lang): " ".join(context) or "∅", t("token", "토큰", lang): word,
             "P(token | context)": p, "−log P": -math.log(p) if p > 0 else math.inf}
            for context, word, p in model.steps(tokenize(text), k)]
    return pd.DataFrame(rows)


def chain_rule_report(text: str = "오늘은 햇살이 좋다", order: int = 2, k: float = 0.1,
                      lang: str | None = None) -> Any:
    """Widget: the sentence's probability as a product of conditional probabilities, with the table."""
    from IPython.display import HTML

    if not text.split():
        return HTML(f"<p>{t('Type a sentence.', '문장을 입력하세요.', lang)}</p>")
    table = chain_rule_table(text, order, k, lang)
    probs = table["P(token | context)"].to_numpy()
    model = corpus_ngram(order)
    factors = " × ".join(f"P({html.escape(w)} | {html.escape(c)})" for c, w in zip(table.iloc[:, 0], table.iloc[:, 1]))
    logp = float(np.sum(np.log(probs))) if probs.min() > 0 else -math.inf
    ppl = math.exp(-logp / len(probs)) if math.isfinite(logp) else math.inf
    unknown = [w for w in tokenize(text) if w not in model.vocab]
    unk, words = f"<code>{html.escape(UNK)}</code>", html.escape(", ".join(unknown))
    note = (f"<p>{t(f'Unknown words (scored as {unk}): {words}', f'미등록어({unk}로 계산): {words}', lang)}</p>"
            if unknown else "")
    zero = t("A factor is 0, so the whole sentence gets probability 0: raise k.",
             "곱의 한 항이 0이라 문장 전체의 확률이 0이 됩니다. k를 올려 보세요.", lang)
    zero = f"<p><b>{zero}</b></p>" if probs.min() <= 0 else ""
    return HTML(
        f"<p><b>P({html.escape(text)})</b> = {factors}</p>"
        f"<p>log P = {logp:.3f} &nbsp; P = {math.exp(logp):.3g} &nbsp; "
        f"{t('perplexity', '퍼플렉서티', lang)} = {ppl:.2f} &nbsp; ({order}-gram, add-k = {k:g}, V = {model.size})</p>"
        f"{note}{zero}{table.to_html(index=False, float_format=lambda x: f'{x:.4f}')}"
    )


# --- a small neural language model in NumPy -----------------------------------------------------------


@dataclass
class NeuralLM:
    """A Bengio-style LM: the embeddings of the previous ``context`` tokens, concatenated, then a
    linear layer and a softmax over the vocabulary."""

    vocab: list[str]
    context: int
    embed: np.ndarray  # (V_in, dim); the input vocabulary also holds <s>
    weight: np.ndarray  # (context·dim, V)
    bias: np.ndarray  # (V,)

    @functools.cached_property
    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.vocab)}

    def ids(self, tokens: Sequence[str]) -> list[int]:
        return [self.index.get(w, self.index[UNK]) for w in tokens]

    def logits(self, contexts: np.ndarray) -> np.ndarray:
        """Scores for the next token after each row of context ids, shape (N, V)."""
        hidden = self.embed[contexts].reshape(len(contexts), -1)
        return hidden @ self.weight + self.bias

    def next_logits(self, history: Sequence[str]) -> np.ndarray:
        """Scores for the token after ``history`` (padded with ``<s>``)."""
        padded = [BOS] * self.context + list(history)
        return self.logits(np.array([self.ids(padded[len(padded) - self.context:])]))[0]


def _windows(sentences: Sequence[Sequence[str]], index: dict[str, int], context: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (previous ``context`` ids, next id) pair, each sentence padded with ``<s>`` and ``</s>``."""
    xs, ys = [], []
    for tokens in sentences:
        ids = [index[BOS]] * context + [index.get(w, index[UNK]) for w in tokens] + [index[EOS]]
        for i in range(context, len(ids)):
            xs.append(ids[i - context:i])
            ys.append(ids[i])
    return np.array(xs, dtype=np.int64), np.array(ys, dtype=np.int64)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def loss_and_grads(model: NeuralLM, x: np.ndarray, y: np.ndarray,
                   weight_decay: float = 0.0) -> tuple[float, list[np.ndarray]]:
    """Mean cross-entropy of next ids ``y`` after context ids ``x`` (plus ``weight_decay``/2 · ‖weight‖²),
    and its gradients for (embed, weight, bias), by backpropagation written out by hand."""
    hidden = model.embed[x].reshape(len(x), -1)
    logp = _log_softmax(hidden @ model.weight + model.bias)
    loss = float(-logp[np.arange(len(y)), y].mean()) + 0.5 * weight_decay * float((model.weight**2).sum())
    dlogits = np.exp(logp)  # d(mean CE)/d logits = (softmax - one_hot) / N
    dlogits[np.arange(len(y)), y] -= 1.0
    dlogits /= len(y)
    dembed = np.zeros_like(model.embed)
    np.add.at(dembed, x, (dlogits @ model.weight.T).reshape(len(x), model.context, -1))
    return loss, [dembed, hidden.T @ dlogits + weight_decay * model.weight, dlogits.sum(axis=0)]


def mean_nll(model: NeuralLM, x: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood (nats) of next ids ``y`` after context ids ``x``."""
    return float(-_log_softmax(model.logits(x))[np.arange(len(y)), y].mean())


def train_neural_lm(train: Sequence[Sequence[str]], heldout: Sequence[Sequence[str]] = (), *, context: int = 2,
                    dim: int = 16, epochs: int = 60, lr: float = 0.02, weight_decay: float = 0.0,
                    seed: int = 0) -> tuple[NeuralLM, dict[str, list[float]]]:
    """Train with full-batch Adam; return the model and the train/held-out cross-entropy (nats) before each step."""
    if context < 1 or dim < 1 or epochs < 1 or lr <= 0:
        raise ValueError("context, dim and epochs must be positive integers and lr a positive number")
    # The matrices are small: BLAS threads only fight over the cores (several times slower on a busy
    # 2-core machine). threadpoolctl comes with scikit-learn.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _train(train, heldout, context, dim, epochs, lr, weight_decay, seed)


def _train(train: Sequence[Sequence[str]], heldout: Sequence[Sequence[str]], context: int, dim: int, epochs: int,
           lr: float, weight_decay: float, seed: int) -> tuple[NeuralLM, dict[str, list[float]]]:
    rng = np.random.default_rng(seed)
    vocab = sorted({w for s in train for w in s}) + [EOS, UNK, BOS]  # BOS last: an input, never predicted
    size = len(vocab) - 1
    model = NeuralLM(vocab, context, rng.normal(0, 0.1, (len(vocab), dim)),
                     rng.normal(0, 0.1, (context * dim, size)), np.zeros(size))
    x, y = _windows(train, model.index, context)
    held = _windows(heldout, model.index, context) if heldout else None
    params = [model.embed, model.weight, model.bias]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    history: dict[str, list[float]] = {"train": [], "heldout": []}
    for step in range(1, epochs + 1):
        loss, grads = loss_and_grads(model, x, y, weight_decay)
        history["train"].append(loss - 0.5 * weight_decay * float((model.weight**2).sum()))
        if held is not None:
            history["heldout"].append(mean_nll(model, *held))
        for param, grad, (m, v) in zip(params, grads, moments):  # Adam, updating in place
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad**2
            param -= lr * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return model, history


@functools.lru_cache(maxsize=8)
def corpus_neural_lm(context: int = 2, dim: int = 16, epochs: int = 60, lr: float = 0.02,
                     weight_decay: float = 1e-4, seed: int = 0) -> tuple[NeuralLM, dict[str, list[float]]]:
    """The neural LM trained on the shipped corpus (cached: widgets re-use it)."""
    train, heldout = corpus_tokens("word")
    return train_neural_lm(train, heldout, context=context, dim=dim, epochs=epochs, lr=lr,
                           weight_decay=weight_decay, seed=seed)


@functools.lru_cache(maxsize=None)
def best_ngram_heldout(order: int = 2) -> tuple[float, float]:
    """The add-k (on a log grid) that gives the lowest held-out cross-entropy, and that cross-entropy."""
    heldout = corpus_tokens("word")[1]
    model = corpus_ngram(order)
    grid = np.logspace(-3, 0, 13)
    losses = [model.cross_entropy(heldout, k) for k in grid]
    best = int(np.argmin(losses))
    return float(grid[best]), float(losses[best])


def training_report(context: int = 2, dim: int = 16, epochs: int = 60, lr: float = 0.02,
                    weight_decay: float = 1e-4, shown: int = 60, lang: str | None = None) -> Any:
    """Widget: the neural LM's train and held-out loss over the first ``shown`` epochs (of ``epochs``),
    against the best add-k bigram and trigram models' held-out loss. Plot text in ``lang``."""
    import matplotlib.pyplot as plt

    _, history = corpus_neural_lm(context, dim, epochs, lr, weight_decay)
    shown = max(1, min(shown, epochs))
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    steps = np.arange(1, shown + 1)
    ax.plot(steps, history["train"][:shown], label=t("neural LM, training", "신경망 언어 모델, 학습 문장", lang))
    ax.plot(steps, history["heldout"][:shown], label=t("neural LM, held-out", "신경망 언어 모델, 평가 문장", lang))
    for order, style in ((2, "--"), (3, ":")):
        k, ngram = best_ngram_heldout(order)
        ax.axhline(ngram, color="grey", ls=style,
                   label=t(f"{order}-gram add-k={k:.3g}, held-out", f"{order}-gram add-k={k:.3g}, 평가 문장", lang))
    ax.set_xlim(0, epochs + 1)
    ax.set_ylim(0, max(history["train"][0], history["heldout"][0]) * 1.05)
    ax.set_xlabel(t("epoch (full batch)", "에폭 (전체 배치)", lang))
    ax.set_ylabel(t("cross-entropy (nats/token)", "교차 엔트로피 (토큰당 nat)", lang))
    now, bigram = math.exp(history["heldout"][shown - 1]), math.exp(best_ngram_heldout(2)[1])
    ax.set_title(t(f"epoch {shown}/{epochs}: held-out perplexity neural {now:.1f} vs bigram {bigram:.1f}",
                   f"에폭 {shown}/{epochs}: 평가 퍼플렉서티는 신경망 {now:.1f}, 바이그램 {bigram:.1f}", lang),
                 fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


# --- perplexity ------------------------------------------------------------------------------------


def smoothing_curve(order: int = 2, unit: str = "word", grid: Sequence[float] | None = None) -> dict[str, list[float]]:
    """Training and held-out perplexity of the corpus n-gram model at each add-k value of ``grid``."""
    train, heldout = corpus_tokens(unit)
    model = train_ngram(train, order)
    ks = list(grid if grid is not None else np.logspace(-3, 1, 17))
    return {"k": ks, "train": [model.perplexity(train, k) for k in ks],
            "heldout": [model.perplexity(heldout, k) for k in ks]}


def smoothing_report(k: float = 0.1, order: int = 2, lang: str | None = None) -> Any:
    """Widget: training vs held-out perplexity as add-k smoothing varies; the current k is marked.
    Plot text in ``lang``."""
    import matplotlib.pyplot as plt

    curve = smoothing_curve(order)
    train, heldout = corpus_tokens("word")
    model = corpus_ngram(order)
    at_train, at_heldout = model.perplexity(train, k), model.perplexity(heldout, k)
    unknown = sum(w not in model.vocab for s in heldout for w in s)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.plot(curve["k"], curve["train"], marker=".", label=t("training sentences", "학습 문장", lang))
    ax.plot(curve["k"], curve["heldout"], marker=".", label=t("held-out sentences", "평가 문장", lang))
    ax.scatter([k, k], [at_train, at_heldout], color="black", zorder=3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("add-k")
    ax.set_ylabel(t("perplexity (log scale)", "퍼플렉서티 (로그 눈금)", lang))
    ax.set_title(t(f"{order}-gram, k = {k:g}: train {at_train:.1f}, held-out {at_heldout:.1f} "
                   f"(V = {model.size}, {unknown} unknown held-out tokens)",
                   f"{order}-gram, k = {k:g}: 학습 {at_train:.1f}, 평가 {at_heldout:.1f} "
                   f"(V = {model.size}, 평가 문장의 미등록어 토큰 {unknown}개)", lang), fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def tokenizer_table(k: float = 0.1, lang: str | None = None) -> Any:
    """Bigram perplexity of the held-out corpus with word and character tokens: per token it differs
    wildly, per character (bits per character) the two become comparable."""
    import pandas as pd

    rows = []
    for unit in UNITS:
        train, heldout = corpus_tokens(unit)
        model = train_ngram(train, 2)
        nats = model.cross_entropy(heldout, k) * sum(len(s) + 1 for s in heldout)  # + 1: each </s>
        chars = sum(len(" ".join(s) if unit == "word" else "".join(s)) + 1 for s in heldout)
        rows.append({t("tokens", "토큰 단위", lang): t(unit, {"word": "단어", "char": "문자"}[unit], lang),
                     "V": model.size,
                     t("held-out tokens", "평가 토큰 수", lang): sum(len(s) + 1 for s in heldout),
                     t("perplexity per token", "토큰당 퍼플렉서티", lang): model.perplexity(heldout, k),
                     t("bits per character", "문자당 비트 수", lang): nats / chars / math.log(2)})
    return pd.DataFrame(rows)


# --- sampling --------------------------------------------------------------------------------------


def next_token_distribution(logits: np.ndarray, temperature: float = 1.0, top_k: int = 0) -> np.ndarray:
    """softmax(logits / T), keeping only the ``top_k`` largest (0 keeps all); T near 0 is greedy."""
    logits = np.asarray(logits, dtype=float)
    if temperature <= 1e-6:
        probs = np.zeros_like(logits)
        probs[int(np.argmax(logits))] = 1.0
        return probs
    scaled = logits / temperature
    if 0 < top_k < len(scaled):
        cutoff = np.sort(scaled)[-top_k]
        scaled = np.where(scaled >= cutoff, scaled, -np.inf)
    scaled = scaled - scaled.max()
    probs = np.exp(scaled)
    return probs / probs.sum()


def sample_sentences(model: NeuralLM, *, temperature: float = 1.0, top_k: int = 0, n: int = 5,
                     seed: int = 0, max_len: int = 15, prompt: Sequence[str] = ()) -> list[str]:
    """``n`` sentences sampled token by token until ``</s>`` (or ``max_len`` tokens)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        tokens = list(prompt)
        while len(tokens) < max_len:
            probs = next_token_distribution(model.next_logits(tokens), temperature, top_k)
            word = model.vocab[int(rng.choice(len(probs), p=probs))]
            if word == EOS:
                break
            tokens.append(word)
        out.append(" ".join(tokens))
    return out


def sampling_report(temperature: float = 1.0, top_k: int = 0, prompt: str = "", seed: int = 0,
                    lang: str | None = None) -> Any:
    """Widget: the next-token distribution after ``prompt`` at this temperature / top-k, and samples."""
    from IPython.display import HTML

    model, _ = corpus_neural_lm()
    history = tokenize(prompt)
    probs = next_token_distribution(model.next_logits(history), temperature, top_k)
    top = np.argsort(probs)[::-1][:8]
    entropy = float(-(probs[probs > 0] * np.log2(probs[probs > 0])).sum())
    bars = "".join(
        f"<tr><td>{html.escape(model.vocab[i])}</td><td>{probs[i]:.3f}</td>"
        f"<td><div style='background:#4c72b0;height:10px;width:{int(200 * probs[i])}px'></div></td></tr>"
        for i in top)
    samples = sample_sentences(model, temperature=temperature, top_k=top_k, n=5, seed=seed, prompt=history)
    items = "".join(f"<li>{html.escape(s)}</li>" for s in samples)
    after = f"<code>{html.escape(prompt or BOS)}</code>"
    # Korean puts the prompt first: "<prompt> 다음에 올 토큰", not "다음 토큰: <prompt>" (which reads as
    # if the prompt were the next token).
    head = t(f"Next token after {after}", f"{after} 다음에 올 토큰의 분포", lang)
    return HTML(
        f"<p>{head} — "
        f"T = {temperature:g}, top-k = {top_k or t('all', '전체', lang)}, "
        f"{t('entropy', '엔트로피', lang)} = {entropy:.2f} {t('bits', '비트', lang)}</p>"
        f"<table>{bars}</table><p><b>{t('Samples', '샘플링한 문장', lang)}</b></p><ol>{items}</ol>"
    )


# --- generation metrics ----------------------------------------------------------------------------


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


# --- benchmarks ------------------------------------------------------------------------------------

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


# --- widget controls (stock ipywidgets; the logic above stays plain functions) -----------------------


def chain_rule_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`chain_rule_report`."""
    import ipywidgets as w

    return {"text": w.Text(value="오늘은 햇살이 좋다", description=t("sentence", "문장", lang), continuous_update=False),
            "order": w.IntSlider(value=2, min=1, max=3, description="n"),
            "k": w.FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.25, description="add-k")}


def training_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`training_report`; the ▶ button replays the loss curve epoch by epoch (the
    model is trained once, cached, so each frame only redraws)."""
    import ipywidgets as w

    controls = {
        "context": w.IntSlider(value=2, min=1, max=3, description=t("context", "문맥 길이", lang)),
        "dim": w.IntSlider(value=16, min=2, max=48, step=2, description=t("emb. dim", "임베딩 차원", lang)),
        "epochs": w.IntSlider(value=60, min=10, max=200, step=10, description=t("epochs", "에폭 수", lang)),
        "lr": w.FloatLogSlider(value=0.02, base=10, min=-3, max=-0.5, step=0.1,
                               description=t("learn. rate", "학습률", lang)),
        "weight_decay": w.FloatLogSlider(value=1e-4, base=10, min=-4, max=-1, step=0.25,
                                         description=t("wt. decay", "가중치 감쇠", lang)),
        "shown": w.Play(value=60, min=1, max=60, step=2, interval=60, description=t("replay", "다시 보기", lang)),
    }

    def follow_epochs(change: dict[str, Any]) -> None:
        # A new run is shown whole; ▶ then replays it from epoch 1.
        play = controls["shown"]
        play.max = change["new"]
        play.value = change["new"]

    controls["epochs"].observe(follow_epochs, names="value")
    return controls


def smoothing_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`smoothing_report`."""
    import ipywidgets as w

    return {"k": w.FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.25, description="add-k"),
            "order": w.IntSlider(value=2, min=1, max=3, description="n")}


def sampling_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`sampling_report`."""
    import ipywidgets as w

    return {"temperature": w.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.1,
                                         description=t("temperature", "온도", lang)),
            "top_k": w.IntSlider(value=0, min=0, max=20, description="top-k"),
            "prompt": w.Text(value="", description=t("prompt", "프롬프트", lang), continuous_update=False),
            "seed": w.IntSlider(value=0, min=0, max=9, description="seed")}


def metrics_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`metrics_report`."""
    import ipywidgets as w

    return {"hypothesis": w.Text(value="오늘은 햇살이 참 좋다", description=t("hypothesis", "생성문", lang),
                                 continuous_update=False),
            "reference": w.Text(value="오늘은 햇살이 좋다", description=t("reference", "참조문", lang),
                                continuous_update=False)}


def benchmark_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`benchmark_card`."""
    import ipywidgets as w

    return {"name": w.Dropdown(options=list(BENCHMARKS), value="KLUE", description=t("benchmark", "벤치마크", lang))}
