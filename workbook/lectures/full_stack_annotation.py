"""Lecture 1, §4 — annotation: a generated review set, simulated annotators, an annotation tool and
agreement (Cohen's kappa from scikit-learn)."""

from __future__ import annotations

import html
from typing import Any, Sequence

import numpy as np

from ..i18n import t


def agreement_controls(lang: str | None = None) -> dict[str, Any]:
    """Controls for :func:`agreement_report`: the annotators' noise."""
    import ipywidgets as w

    return {"noise": w.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.05, description=t("noise", "노이즈", lang))}


# ---------------------------------------------------------------------------------------------------
# Annotation: a generated review set, simulated annotators, an annotation tool, agreement (kappa)
# ---------------------------------------------------------------------------------------------------

LABELS = ("positive", "negative", "neutral")
# What a learner reads for each label; the data keeps the English keys, which the exercises hash.
LABEL_NAMES = {"positive": ("positive", "긍정"), "negative": ("negative", "부정"), "neutral": ("neutral", "중립")}
_ASPECTS = (("Delivery", "배송"), ("Battery", "배터리"), ("Screen", "화면"), ("Price", "가격"),
            ("Customer service", "고객 응대"), ("Packaging", "포장"))
_PHRASES = {
    "positive": (("excellent", "훌륭해요"), ("better than expected", "기대 이상이에요"), ("really good", "정말 좋아요")),
    "negative": (("terrible", "최악이에요"), ("worse than expected", "기대 이하예요"), ("a real letdown", "실망스러워요")),
    "neutral": (("as described", "설명 그대로예요"), ("about average", "보통이에요"), ("nothing special", "특별할 것 없어요")),
}


def label_name(label: str, lang: str | None = None) -> str:
    """The label ``label`` as the learner reads it (a key outside :data:`LABEL_NAMES` as it is)."""
    return t(*LABEL_NAMES[label], lang) if label in LABEL_NAMES else label


def label_options(lang: str | None = None) -> list[tuple[str, str]]:
    """(name, label) pairs for a label selector, in the learner's language."""
    return [(label_name(label, lang), label) for label in LABELS]


def review_items(n: int = 12, seed: int = 0, lang: str | None = None) -> list[tuple[str, str]]:
    """``n`` generated product-review snippets with their intended label: ``[(text, label), ...]``."""
    if n < 1:
        raise ValueError(f"review_items: n must be at least 1, not {n}")
    rng = np.random.default_rng(seed)
    items = []
    for _ in range(n):
        label = LABELS[rng.integers(len(LABELS))]
        aspect = _ASPECTS[rng.integers(len(_ASPECTS))]
        phrase = _PHRASES[label][rng.integers(len(_PHRASES[label]))]
        text = t(f"{aspect[0]}: {phrase[0]}.", f"{aspect[1]}: {phrase[1]}.", lang)
        items.append((text, label))
    return items


def noisy_annotator(truth: Sequence[str], noise: float, seed: int = 0,
                    labels: Sequence[str] = LABELS) -> list[str]:
    """A simulated annotator: keeps each true label, except with probability ``noise`` picks a label
    uniformly at random (which may, by chance, be the true one)."""
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noisy_annotator: noise must be in [0, 1], not {noise}")
    rng = np.random.default_rng(seed)
    flip = rng.random(len(truth)) < noise
    random_labels = rng.integers(len(labels), size=len(truth))
    return [labels[r] if f else y for y, f, r in zip(truth, flip, random_labels)]


def agreement_curve(noises: Sequence[float], n: int = 300, seed: int = 0) -> list[tuple[float, float, float]]:
    """For each noise level: (noise, raw agreement, Cohen's kappa) of two independent noisy annotators
    labelling the same generated set. Kappa from scikit-learn."""
    from sklearn.metrics import cohen_kappa_score

    truth = [label for _, label in review_items(n, seed)]
    curve = []
    for noise in noises:
        # The same two annotators at every level (same seeds): more noise only adds random labels, so
        # the curve shows the effect of noise rather than sampling luck.
        a = noisy_annotator(truth, noise, seed=seed + 1)
        b = noisy_annotator(truth, noise, seed=seed + 2)
        raw = float(np.mean([x == y for x, y in zip(a, b)]))
        curve.append((float(noise), raw, float(cohen_kappa_score(a, b))))
    return curve


def agreement_report(noise: float, n: int = 300, seed: int = 0, lang: str | None = None) -> Any:
    """A figure: raw agreement and Cohen's kappa of two annotators against annotator noise, with
    ``noise`` marked. Kappa falls faster than raw agreement because chance agreement is removed."""
    import matplotlib.pyplot as plt

    grid = sorted({round(x, 2) for x in np.linspace(0, 1, 21)} | {round(float(noise), 2)})
    curve = agreement_curve(grid, n=n, seed=seed)
    xs, raw, kappa = (list(col) for col in zip(*curve))
    here = next(c for c in curve if c[0] == round(float(noise), 2))
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(xs, raw, label=t("raw agreement", "단순 일치율", lang))
    ax.plot(xs, kappa, label=t("Cohen's kappa", "코헨의 카파", lang))
    ax.axhline(1 / len(LABELS), color="grey", lw=0.8, ls=":", label=t("chance (1/3)", "우연 수준 (1/3)", lang))
    ax.axvline(here[0], color="black", lw=0.8, ls="--")
    ax.set_xlabel(t("annotator noise (share of random labels)", "작업자 노이즈 (무작위로 고른 라벨의 비율)", lang))
    ax.set_ylim(-0.2, 1.05)
    ax.set_title(t(f"noise {here[0]:.2f}: agreement {here[1]:.2f}, kappa {here[2]:.2f}",
                   f"노이즈 {here[0]:.2f}: 단순 일치율 {here[1]:.2f}, 카파 {here[2]:.2f}", lang))
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


class AnnotationTool:
    """A small annotation tool: shows one item at a time, a button per label and a box taking the label's
    number from the keyboard; each choice records the label and moves on. When done, compares the learner with a simulated colleague (Cohen's kappa)."""

    def __init__(self, items: Sequence[tuple[str, str]], *, labels: Sequence[str] = LABELS,
                 colleague_noise: float = 0.2, seed: int = 0, lang: str | None = None) -> None:
        import ipywidgets as w

        self.items, self.labels, self.lang = list(items), tuple(labels), lang
        self.colleague = noisy_annotator([y for _, y in self.items], colleague_noise, seed=seed, labels=self.labels)
        self.answers: list[str] = []
        self.buttons = [w.Button(description=f"{i + 1} · {label_name(label, lang)}", tooltip=label)
                        for i, label in enumerate(self.labels)]
        for button, label in zip(self.buttons, self.labels):
            button.on_click(lambda _b, label=label: self.label(label))
        self.undo_button = w.Button(description=t("undo", "되돌리기", lang), icon="undo")
        self.undo_button.on_click(lambda _b: self.undo())
        # Keyboard labelling with stock widgets: a text box sends every keystroke; a digit picks a label.
        self.keys = w.Text(value="", continuous_update=True, layout=w.Layout(width="14em"),
                           placeholder=t(f"or type 1-{len(self.labels)} here", f"또는 여기에 1~{len(self.labels)} 입력", lang))
        self.keys.observe(self._typed, names="value")
        self.view = w.HTML(self.render())
        self.notice = w.HTML("")  # why a typed key did nothing
        self.widget = w.VBox([self.view, w.HBox([*self.buttons, self.undo_button]), self.keys, self.notice])

    @property
    def done(self) -> bool:
        return len(self.answers) == len(self.items)

    def label(self, value: str) -> None:
        """Record ``value`` for the current item and show the next one (ignored once all are done)."""
        if value not in self.labels:
            raise ValueError(f"AnnotationTool: unknown label {value!r}; choose from {self.labels}")
        if not self.done:
            self.answers.append(value)
        self.view.value = self.render()

    def _typed(self, change: dict[str, Any]) -> None:
        key = change["new"][-1:]
        if not key:
            return
        if key.isdigit() and 1 <= int(key) <= len(self.labels):
            self.label(self.labels[int(key) - 1])
            self.notice.value = ""
        else:  # say why nothing happened, rather than swallowing the key
            n = len(self.labels)
            choices = ", ".join(f"{i} = {label_name(name, self.lang)}" for i, name in enumerate(self.labels, start=1))
            self.notice.value = html.escape(t(f"'{key}' is not a label key: type a digit from 1 to {n} ({choices}).",
                                              f"'{key}': 라벨 키가 아닙니다. 1부터 {n}까지의 숫자를 입력하세요({choices}).",
                                              self.lang))
        self.keys.value = ""  # ready for the next key

    def undo(self) -> None:
        """Forget the last label."""
        if self.answers:
            self.answers.pop()
        self.view.value = self.render()

    def kappa(self) -> float | None:
        """Cohen's kappa (scikit-learn) between the learner's labels so far and the colleague's."""
        from sklearn.metrics import cohen_kappa_score

        k = len(self.answers)
        if k < 2 or len(set(self.answers) | set(self.colleague[:k])) < 2:
            return None  # kappa is undefined while only one label has been used
        return float(cohen_kappa_score(self.answers, self.colleague[:k]))

    def render(self) -> str:
        """The HTML the tool shows now: progress, the current item (or the result), agreement so far."""
        k, total = len(self.answers), len(self.items)
        progress = t(f"Item {min(k + 1, total)} of {total}", f"항목 {min(k + 1, total)} / {total}", self.lang)
        kappa = self.kappa()
        agree = sum(a == b for a, b in zip(self.answers, self.colleague))
        stats = (t(f"Agreement with your colleague so far: {agree}/{k}", f"지금까지 동료와 일치한 항목: {agree}/{k}", self.lang)
                 + (t(f", kappa = {kappa:.2f}", f", 카파 = {kappa:.2f}", self.lang) if kappa is not None else ""))
        if self.done:
            body = t("<b>Done.</b> Compare: raw agreement counts chance matches; kappa does not.",
                     "<b>완료!</b> 비교해 보세요. 단순 일치율은 우연히 맞은 경우까지 세지만, 카파는 그만큼을 뺍니다.", self.lang)
        else:
            body = (f"<div style='font-size:1.3em;padding:8px;border:1px solid #ccc;border-radius:4px'>"
                    f"{html.escape(self.items[k][0])}</div>")
        return f"<div class='annotation-tool'><p>{progress}</p>{body}<p>{stats}</p></div>"


def annotation_tool(items: Sequence[tuple[str, str]], *, lang: str | None = None, **options: Any) -> AnnotationTool | None:
    """Display an :class:`AnnotationTool` (or, in handout mode, a static table of the first items)."""
    from IPython.display import HTML, display

    from ..widgets import handout_mode

    if handout_mode():
        names = " / ".join(label_name(label, lang) for label in LABELS)
        rows = "".join(f"<tr><td>{html.escape(text)}</td><td>{html.escape(names)}</td></tr>" for text, _ in items[:5])
        note = t("In JupyterLab each item gets a button per label:", "JupyterLab에서는 항목마다 라벨별 버튼이 나옵니다:", lang)
        display(HTML(f"<p><i>{note}</i></p><table>{rows}</table>"))
        return None
    tool = AnnotationTool(items, lang=lang, **options)
    display(tool.widget)
    return tool
