"""Lecture 4 — a small neural language model in NumPy: training by hand-written backpropagation, the
training widget, and sampling with temperature and top-k. Built on the corpus of ``lm``."""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..i18n import get_lang, t
from .lm import BOS, EOS, UNK, best_ngram_heldout, corpus_tokens, tokenize


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


def corpus_neural_lm(context: int = 2, dim: int = 16, epochs: int = 60, lr: float = 0.02,
                     weight_decay: float = 1e-4, seed: int = 0) -> tuple[NeuralLM, dict[str, list[float]]]:
    """The neural LM trained on the shipped corpus (cached: widgets re-use it, however they pass the
    settings — ``lru_cache`` alone keys ``f()`` and ``f(2, 16, ...)`` apart and would train twice)."""
    return _corpus_neural_lm(context, dim, epochs, float(lr), float(weight_decay), seed)


@functools.lru_cache(maxsize=8)
def _corpus_neural_lm(context: int, dim: int, epochs: int, lr: float, weight_decay: float,
                      seed: int) -> tuple[NeuralLM, dict[str, list[float]]]:
    train, heldout = corpus_tokens("word")
    return train_neural_lm(train, heldout, context=context, dim=dim, epochs=epochs, lr=lr,
                           weight_decay=weight_decay, seed=seed)


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


def entropy_bits(probs: np.ndarray) -> float:
    """Shannon entropy of a distribution in bits; never negative (a one-hot distribution gives 0.0, not
    the −0.0 that −Σ p·log p computes, which would show as "−0.00 bits")."""
    probs = np.asarray(probs, dtype=float)
    positive = probs[probs > 0]
    return max(0.0, float(-(positive * np.log2(positive)).sum()))


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
    entropy = entropy_bits(probs)
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


# --- widget controls -------------------------------------------------------------------------------


PLAY_TOOLTIP = {
    "en": "▶ replay the run epoch by epoch · ❚❚ pause · ■ stop and go back to epoch 1 · ↻ loop the replay",
    "ko": "▶ 에폭별로 학습 과정 다시 보기 · ❚❚ 일시 정지 · ■ 멈추고 1에폭으로 · ↻ 반복 재생",
}


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
        # The Play buttons are bare icons and Play shows no description; its tooltip (on hover over any
        # button) says what each does. The widget sets it as the title only while description is empty.
        "shown": w.Play(value=60, min=1, max=60, step=2, interval=60, description="",
                        tooltip=PLAY_TOOLTIP["ko" if (lang or get_lang()) == "ko" else "en"]),
    }

    def follow_epochs(change: dict[str, Any]) -> None:
        # A new run is shown whole; ▶ then replays it from epoch 1.
        play = controls["shown"]
        play.max = change["new"]
        play.value = change["new"]

    controls["epochs"].observe(follow_epochs, names="value")
    return controls

def sampling_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`sampling_report`."""
    import ipywidgets as w

    # description_width "initial": the default label width cut "temperature" to "temperat…"
    return {"temperature": w.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.1,
                                         description=t("temperature", "온도", lang), style={"description_width": "initial"}),
            "top_k": w.IntSlider(value=0, min=0, max=20, description="top-k"),
            "prompt": w.Text(value="", description=t("prompt", "프롬프트", lang), continuous_update=False),
            "seed": w.IntSlider(value=0, min=0, max=9, description="seed")}


# --- perplexity of a long text with a model of bounded context (sliding windows) ----------------------


def token_stream(sentences: Sequence[Sequence[str]]) -> tuple[list[str], list[int]]:
    """The sentences as one stream of tokens, each sentence closed by ``</s>``, and for each position the
    index where its sentence starts (the model never looks back past ``<s>``)."""
    stream: list[str] = []
    starts: list[int] = []
    for tokens in sentences:
        start = len(stream)
        stream.extend([*tokens, EOS])
        starts.extend([start] * (len(tokens) + 1))
    return stream, starts


def windowed_nll(model: NeuralLM, sentences: Sequence[Sequence[str]], window: int, stride: int) -> tuple[float, int]:
    """Mean negative log-likelihood (nats) of the stream of ``sentences`` evaluated as a model with a
    maximum input of ``window`` tokens is (the Hugging Face recipe): windows of ``window`` tokens start
    every ``stride`` tokens; each window scores only the tokens no earlier window scored, each seeing
    only the tokens inside its window (and of its own sentence). Returns (mean NLL, tokens scored).
    ``stride == window`` is chunking: a token at the start of a chunk loses its context."""
    if window < 1 or not 1 <= stride <= window:
        raise ValueError(f"need window >= 1 and 1 <= stride <= window, got window={window}, stride={stride}")
    stream, starts = token_stream(sentences)
    contexts, targets, scored = [], [], 0
    for begin in range(0, len(stream), stride):
        end = min(begin + window, len(stream))
        for i in range(max(begin, scored), end):  # only the tokens not scored yet
            history = stream[max(begin, starts[i]):i]
            padded = [BOS] * model.context + history
            contexts.append(model.ids(padded[len(padded) - model.context:]))
            targets.append(model.index.get(stream[i], model.index[UNK]))
        scored = max(scored, end)
        if end == len(stream):
            break
    return mean_nll(model, np.array(contexts), np.array(targets)), len(targets)


def sliding_window_table(windows: Sequence[int] = (2, 3, 6), lang: str | None = None) -> Any:
    """Held-out perplexity of the course's neural LM (the lecture's default, context 2) computed with
    chunks (stride = window) and with a sliding window (stride 1), for each window size."""
    import pandas as pd

    model, _ = corpus_neural_lm()
    heldout = corpus_tokens("word")[1]
    rows = []
    for window in windows:
        chunked, n = windowed_nll(model, heldout, window, window)
        sliding, _ = windowed_nll(model, heldout, window, 1)
        rows.append({t("window (tokens)", "창 크기 (토큰)", lang): window,
                     t("tokens scored", "채점한 토큰 수", lang): n,
                     t("perplexity, chunks (stride = window)", "퍼플렉서티, 덩어리로 (보폭 = 창 크기)", lang): math.exp(chunked),
                     t("perplexity, sliding (stride 1)", "퍼플렉서티, 밀어 가며 (보폭 1)", lang): math.exp(sliding)})
    return pd.DataFrame(rows)
