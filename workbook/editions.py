"""Language editions of a bilingual source notebook, the pairing rule they rely on, and the Hangul share.

A source notebook (``notebooks/NN_topic.ipynb``, ``solutions/NN_topic.ipynb``) holds every Markdown cell
twice, in adjacent pairs: the English cell tagged ``lang:en``, then at once its Korean partner tagged
``lang:ko`` whose id is the English id + ``-ko`` and which repeats the English cell's other tags. Code
cells are shared and carry no lang tag. An edition keeps the code cells and its own language's Markdown,
with ``lang`` preset in the ``parameters`` cell. A notebook with no lang tag at all (a test fixture) is
one edition for both languages.

Why adjacent pairs and not one cell holding both languages: each cell stays plain Markdown that Jupyter,
nbconvert and a diff show as it is, an author sees the two texts side by side, and a missing or stale
partner is a structural fault a test can name by cell.
"""

from __future__ import annotations

import copy
import re
from typing import Any

LANGS = ("en", "ko")
TAGS = {lang: f"lang:{lang}" for lang in LANGS}
KO_SUFFIX = "-ko"
LANG_LINE = re.compile(r"""^(lang\s*=\s*)(["'])(?:en|ko)\2""", re.M)


class PairingError(ValueError):
    """A bilingual source breaks the pairing rule; the message names the notebook and the cell."""


def cell_langs(cell: Any) -> list[str]:
    """The languages a cell is tagged with (``[]``, ``["en"]``, ``["ko"]`` or both)."""
    tags = cell.get("metadata", {}).get("tags", [])
    return [lang for lang in LANGS if TAGS[lang] in tags]


def is_bilingual(nb: Any) -> bool:
    """True when any cell carries a lang tag: the notebook is then held to the pairing rule."""
    return any(cell_langs(cell) for cell in nb.cells)


def _other_tags(cell: Any) -> list[str]:
    return [tag for tag in cell.get("metadata", {}).get("tags", []) if tag not in TAGS.values()]


def pairing_problems(nb: Any, name: str) -> list[str]:
    """One line per cell that breaks the pairing rule, each naming ``name``, the cell index and its id.

    Checked: every Markdown cell has exactly one lang tag; an English cell is followed at once by its
    Korean partner, whose id is ``<id>-ko`` and whose other tags are the English cell's; a Korean cell
    follows its English partner; code cells carry no lang tag.
    """
    problems: list[str] = []
    cells = nb.cells

    def where(index: int) -> str:
        return f"{name}: cell {index} (id {cells[index].get('id')!r})"

    partnered: set[int] = set()
    for index, cell in enumerate(cells):
        langs = cell_langs(cell)
        if cell.cell_type != "markdown":
            if langs:
                problems.append(f"{where(index)}: a {cell.cell_type} cell carries a lang tag (code cells are shared)")
            continue
        if not langs:
            problems.append(f"{where(index)}: Markdown cell has neither a lang:en nor a lang:ko tag")
        elif len(langs) == 2:
            problems.append(f"{where(index)}: Markdown cell has both lang:en and lang:ko tags")
        elif langs == ["en"]:
            following = cells[index + 1] if index + 1 < len(cells) else None
            if following is None or following.cell_type != "markdown" or cell_langs(following) != ["ko"]:
                problems.append(f"{where(index)}: English cell has no Korean partner (a lang:ko Markdown cell) right after it")
                continue
            partnered.add(index + 1)
            want = f"{cell.get('id')}{KO_SUFFIX}"
            if following.get("id") != want:
                problems.append(f"{where(index + 1)}: the Korean partner of cell {index} must have id {want!r}")
            if _other_tags(following) != _other_tags(cell):
                problems.append(f"{where(index + 1)}: the Korean partner's tags {_other_tags(following)} differ from "
                                f"the English cell's {_other_tags(cell)}")
        elif index not in partnered:
            problems.append(f"{where(index)}: Korean cell has no English partner (a lang:en Markdown cell) right before it")
    return problems


def check_pairing(nb: Any, name: str) -> None:
    """Raise :class:`PairingError` (one line: the first problem, and how many more) for a bilingual
    notebook that breaks the pairing rule; a notebook without lang tags passes."""
    if not is_bilingual(nb):
        return
    problems = pairing_problems(nb, name)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PairingError(problems[0] + more)


def preset_lang(source: str, lang: str) -> str:
    """A parameters cell's source with ``lang = "..."`` set to ``lang``."""
    return LANG_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{lang}{m.group(2)}", source, count=1)


def edition(nb: Any, lang: str, name: str) -> Any:
    """The ``lang`` edition of a source notebook (a new node; the input is untouched): the code cells and
    the Markdown cells of ``lang`` (their lang tag dropped), ``lang`` preset in the parameters cell.
    Raises :class:`PairingError` when a bilingual source breaks the pairing rule."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    check_pairing(nb, name)
    out = copy.deepcopy(nb)
    kept = []
    for cell in out.cells:
        langs = cell_langs(cell)
        if langs and lang not in langs:
            continue
        if langs:
            cell.metadata["tags"] = _other_tags(cell)
            if not cell.metadata["tags"]:
                del cell.metadata["tags"]
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = preset_lang(cell.source, lang)
        kept.append(cell)
    out.cells = kept
    return out


# ----------------------------------------------------------------------------------- Hangul share

_FENCED = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$(?!\d)")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def prose(markdown: str) -> str:
    """The prose of a Markdown text: fenced code, ``$$...$$`` and ``$...$`` formulas, code spans, link
    targets, bare URLs and HTML tags removed (they are not translated)."""
    text = _FENCED.sub(" ", markdown)
    text = _DISPLAY_MATH.sub(" ", text)
    text = _CODE_SPAN.sub(" ", text)
    text = _INLINE_MATH.sub(" ", text)
    text = _LINK_TARGET.sub("]", text)
    text = _URL.sub(" ", text)
    return _HTML_TAG.sub(" ", text)


def is_hangul(char: str) -> bool:
    """A Hangul syllable or jamo (compatibility jamo included)."""
    code = ord(char)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F or 0xA960 <= code <= 0xA97F \
        or 0xD7B0 <= code <= 0xD7FF


def letter_counts(markdown: str) -> tuple[int, int]:
    """(Hangul letters, all letters) in the prose of ``markdown`` (see :func:`prose`)."""
    letters = [c for c in prose(markdown) if c.isalpha()]
    return sum(map(is_hangul, letters)), len(letters)


def hangul_share(markdown: str) -> float:
    """The share of the prose's letters that are Hangul (0.0 for a text without letters)."""
    hangul, letters = letter_counts(markdown)
    return hangul / letters if letters else 0.0


def notebook_hangul_share(nb: Any) -> float:
    """The Hangul share over all Markdown cells of a notebook taken together."""
    hangul = letters = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            h, n = letter_counts(cell.source)
            hangul, letters = hangul + h, letters + n
    return hangul / letters if letters else 0.0
