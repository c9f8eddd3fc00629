"""Language editions: the pairing rule (on small hand-made notebooks, then on every real source), the
edition of a bilingual notebook, and the Hangul share of the Korean editions."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workbook.editions import (PairingError, check_pairing, edition, hangul_share, notebook_hangul_share,
                               pairing_problems, preset_lang, prose)

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
KOREAN = sorted((ROOT / "notebooks" / "ko").glob("*.ipynb")) + sorted((ROOT / "exercises" / "ko").glob("*.ipynb"))
MIN_HANGUL = 0.60


def md(source: str, cell_id: str, *tags: str) -> nbformat.NotebookNode:
    cell = new_markdown_cell(source, id=cell_id)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def params() -> nbformat.NotebookNode:
    cell = new_code_cell('lang = "en"\nseed = 0', id="params")
    cell.metadata["tags"] = ["parameters"]
    return cell


def paired() -> nbformat.NotebookNode:
    """A right pairing: English then Korean, ids ``x`` / ``x-ko``, other tags repeated."""
    return new_notebook(cells=[
        md("# Title", "t", "lang:en"), md("# 제목", "t-ko", "lang:ko"), params(),
        md("The base rate matters.", "c03", "lang:en", "hide-input"),
        md("기저율이 중요합니다.", "c03-ko", "hide-input", "lang:ko"),
        new_code_cell("print(t('hi', '안녕'))", id="code")])


def test_a_right_pairing_passes() -> None:
    assert pairing_problems(paired(), "notebooks/07_demo.ipynb") == []
    check_pairing(paired(), "notebooks/07_demo.ipynb")


def test_a_pairing_written_the_other_way_round_in_the_tags_still_passes() -> None:
    nb = paired()
    nb.cells[3].metadata["tags"] = ["hide-input", "lang:en"]  # tag order around the lang tag is free
    assert pairing_problems(nb, "x.ipynb") == []


@pytest.mark.parametrize("break_it, words", [
    (lambda nb: nb.cells.__setitem__(slice(0, 2), [nb.cells[1], nb.cells[0]]), "cell 0 (id 't-ko'): Korean cell has no English partner"),
    (lambda nb: nb.cells.pop(1), "cell 0 (id 't'): English cell has no Korean partner"),
    (lambda nb: nb.cells[0].metadata.__setitem__("tags", ["lang:en", "lang:ko"]), "cell 0 (id 't'): Markdown cell has both"),
    (lambda nb: nb.cells[0].metadata.pop("tags"), "cell 0 (id 't'): Markdown cell has neither"),
    (lambda nb: nb.cells[1].__setitem__("id", "t-kr"), "cell 1 (id 't-kr'): the Korean partner of cell 0 must have id 't-ko'"),
    (lambda nb: nb.cells[4].metadata.__setitem__("tags", ["lang:ko"]), "cell 4 (id 'c03-ko'): the Korean partner's tags [] differ"),
    (lambda nb: nb.cells.insert(1, params()), "cell 0 (id 't'): English cell has no Korean partner"),
    (lambda nb: nb.cells[5].metadata.__setitem__("tags", ["lang:en"]), "cell 5 (id 'code'): a code cell carries a lang tag"),
])
def test_a_wrong_pairing_names_the_notebook_and_the_cell(break_it, words: str) -> None:
    nb = paired()
    break_it(nb)
    problems = pairing_problems(nb, "notebooks/07_demo.ipynb")
    assert any(p.startswith("notebooks/07_demo.ipynb: ") and words in p for p in problems), problems
    with pytest.raises(PairingError, match=r"^notebooks/07_demo\.ipynb: cell \d+"):
        edition(nb, "ko", "notebooks/07_demo.ipynb")


def test_a_notebook_without_lang_tags_is_one_edition_for_both() -> None:
    nb = new_notebook(cells=[md("# Fixture", "t"), params(), new_code_cell("x = 1", id="x")])
    assert pairing_problems(nb, "f.ipynb") != []  # not paired ...
    for lang in ("en", "ko"):  # ... but generated as it is
        out = edition(nb, lang, "f.ipynb")
        assert [c.source for c in out.cells] == ["# Fixture", f'lang = "{lang}"\nseed = 0', "x = 1"]


def test_an_edition_keeps_its_language_and_the_code() -> None:
    source = paired()
    ko = edition(source, "ko", "n.ipynb")
    assert [c.get("id") for c in ko.cells] == ["t-ko", "params", "c03-ko", "code"]
    assert ko.cells[1].source == 'lang = "ko"\nseed = 0'
    assert ko.cells[2].metadata["tags"] == ["hide-input"]  # the lang tag is dropped, the rest kept
    assert "tags" not in ko.cells[0].metadata
    en = edition(source, "en", "n.ipynb")
    assert [c.source for c in en.cells if c.cell_type == "markdown"] == ["# Title", "The base rate matters."]
    assert source.cells[0].metadata["tags"] == ["lang:en"]  # the source is untouched


def test_preset_lang_changes_only_the_lang_line() -> None:
    assert preset_lang("seed = 0\nlang = 'en'  # or ko\nlanguage = 'en'", "ko") == "seed = 0\nlang = 'ko'  # or ko\nlanguage = 'en'"
    assert preset_lang('lang="ko"', "en") == 'lang="en"'


def test_prose_leaves_out_code_formulas_links_and_tags() -> None:
    text = ("정밀도(precision) `precision_score(y, p)` 와 $\\frac{TP}{TP+FP}$\n\n$$\\sum_i x_i$$\n\n"
            "```python\nprint('hello world')\n```\n[논문](https://example.org/paper) <b>굵게</b>")
    kept = prose(text)
    for gone in ("precision_score", "frac", "sum", "hello", "example", "<b>"):
        assert gone not in kept
    assert "precision" in kept and "논문" in kept and "굵게" in kept


def test_hangul_share_counts_letters_only() -> None:
    assert hangul_share("기저율 base") == pytest.approx(3 / 7)
    assert hangul_share("123 !?") == 0.0
    assert hangul_share("위양성률 `false_positive_rate_of_the_group` 입니다") == 1.0  # the code span does not count


def test_notebook_hangul_share_would_fail_an_english_edition() -> None:
    """The per-notebook threshold means something: the English edition of a paired notebook fails it,
    the Korean one passes."""
    nb = paired()
    assert notebook_hangul_share(edition(nb, "en", "n.ipynb")) < MIN_HANGUL
    assert notebook_hangul_share(edition(nb, "ko", "n.ipynb")) >= MIN_HANGUL


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_source_is_fully_paired(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    name = f"{path.parent.name}/{path.name}"
    problems = pairing_problems(nb, name)
    assert problems == [], "\n".join(problems)


def test_there_are_korean_editions() -> None:
    assert len(KOREAN) == len(SOURCES), "run `workbook assign`: a source has no Korean edition"


@pytest.mark.parametrize("path", KOREAN, ids=lambda p: f"{p.parent.parent.name}/ko/{p.name}")
def test_korean_edition_is_mostly_hangul(path: Path) -> None:
    share = notebook_hangul_share(nbformat.read(path, as_version=4))
    assert share >= MIN_HANGUL, f"{path.relative_to(ROOT)}: {share:.0%} of the Markdown letters are Hangul (need {MIN_HANGUL:.0%})"
