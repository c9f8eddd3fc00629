"""Korean plots: the shipped Hangul font is registered by ``set_lang("ko")`` and one figure per lecture
renders in Korean with no "Glyph ... missing from font" warning (a box in the picture)."""

from __future__ import annotations

import io
import warnings
from typing import Any, Callable

import matplotlib
import pytest
from matplotlib.text import Text

from workbook.editions import is_hangul
from workbook.fonts import HANGUL_FAMILY, LATIN_FAMILY, hangul_font_path, use_hangul_font
from workbook.i18n import set_lang

MISSING = "missing from font"


def _full_stack() -> Any:
    from workbook.lectures import full_stack
    return full_stack.agreement_report(0.2, lang="ko")


def _ethics() -> Any:
    from workbook.lectures import ethics
    return ethics.compas_figure(lang="ko")


def _career() -> Any:
    from workbook.lectures import career
    return career.debt_figure(lang="ko")


def _lm() -> Any:
    from workbook.lectures import lm
    return lm.smoothing_report(lang="ko")


FIGURES: dict[str, Callable[[], Any]] = {"full_stack": _full_stack, "ethics": _ethics, "career": _career, "lm": _lm}


def build_and_render(build: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Build a figure (its builder may lay it out already) and draw it to a PNG in memory; return the
    figure and the missing-glyph warnings raised on the way."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = build()
        fig.savefig(io.BytesIO(), format="png", dpi=40)
    return fig, [str(w.message) for w in caught if MISSING in str(w.message)]


def hangul_texts(fig: Any) -> list[str]:
    return [a.get_text() for a in fig.findobj(Text) if any(map(is_hangul, a.get_text()))]


@pytest.fixture
def korean() -> Any:
    """The process in Korean, as a kernel is after ``set_lang("ko")``; rcParams restored afterwards."""
    with matplotlib.rc_context():
        set_lang("ko")
        yield
        set_lang("en")


def test_the_font_ships_with_its_licence() -> None:
    import importlib.metadata

    path = hangul_font_path()
    assert path.is_file() and path.suffix in (".otf", ".ttf")
    licence = importlib.metadata.distribution("pylopdf-fonts-ko").read_text("licenses/LICENSE") or ""
    assert "SIL Open Font License" in licence


def test_set_lang_ko_puts_the_hangul_font_after_dejavu(korean: Any) -> None:
    families = matplotlib.rcParams["font.family"]
    assert families[:2] == [LATIN_FAMILY, HANGUL_FAMILY]
    assert use_hangul_font() == families  # registering twice changes nothing


@pytest.mark.parametrize("lecture", FIGURES)
def test_korean_figure_has_no_missing_glyph(lecture: str, korean: Any) -> None:
    import matplotlib.pyplot as plt

    try:
        fig, warned = build_and_render(FIGURES[lecture])
        assert hangul_texts(fig), f"{lecture}: the figure holds no Korean text (is lang='ko' passed through?)"
        assert warned == [], f"{lecture}: glyphs fell back to boxes"
    finally:
        plt.close("all")


def test_the_detector_sees_boxes_without_the_hangul_font(korean: Any) -> None:
    """The assertion above means something: the same figure with DejaVu Sans alone warns."""
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"font.family": [LATIN_FAMILY]}):
        try:
            _, warned = build_and_render(_lm)
        finally:
            plt.close("all")
    assert warned and all("DejaVu Sans" in w for w in warned)
