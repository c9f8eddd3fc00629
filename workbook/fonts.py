"""A Hangul font for matplotlib, shipped with the course so Korean plots never fall back to boxes.

The font is Noto Sans KR Regular (SIL Open Font License 1.1), from the PyPI package
``pylopdf-fonts-ko``, which holds only the font files and their licence (installed with the workbook; README says more).
:func:`use_hangul_font` registers it with matplotlib and puts it after DejaVu Sans in ``font.family``:
Latin letters, digits and maths keep DejaVu Sans, and every glyph DejaVu lacks (Hangul) comes from
Noto Sans KR through matplotlib's per-glyph fallback. ``set_lang("ko")`` calls it in the kernel.
"""

from __future__ import annotations

import functools
from pathlib import Path

HANGUL_FAMILY = "Noto Sans KR"
LATIN_FAMILY = "DejaVu Sans"


def hangul_font_path() -> Path:
    """The shipped Hangul font file."""
    import pylopdf_fonts_ko

    return Path(pylopdf_fonts_ko.sans_path())


@functools.lru_cache(maxsize=1)
def _register() -> str:
    from matplotlib import font_manager

    path = hangul_font_path()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the Hangul font is missing (reinstall pylopdf-fonts-ko)")
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use_hangul_font() -> list[str]:
    """Register the Hangul font with matplotlib and make ``font.family`` DejaVu Sans then the Hangul
    font (other families already listed are kept after them); return the new family list."""
    import matplotlib

    name = _register()
    current = matplotlib.rcParams["font.family"]
    rest = [f for f in ([current] if isinstance(current, str) else current) if f not in (LATIN_FAMILY, name, "sans-serif")]
    families = [LATIN_FAMILY, name, *rest]
    matplotlib.rcParams["font.family"] = families
    matplotlib.rcParams["axes.unicode_minus"] = True  # DejaVu Sans has U+2212; the minus stays a real minus
    return families
