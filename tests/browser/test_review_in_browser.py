"""`workbook review` in real Chromium: score three answers with the mouse and keyboard, reload, see
them kept; a second tab on the same answer cannot silently overwrite the first tab's save."""

from __future__ import annotations

import secrets
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.review_fixture import make_results
from workbook import gradebook, gradedb
from workbook.review import create_app

pytestmark = pytest.mark.browser


@pytest.fixture()
def review_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, Path]]:
    from werkzeug.serving import make_server

    make_results(tmp_path, students=getattr(request, "param", 6))
    token = secrets.token_urlsafe(16)
    server = make_server("127.0.0.1", 0, create_app(tmp_path, token), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/?token={token}", tmp_path
    server.shutdown()
    thread.join()


def _open_first_written(page: Any, url: str) -> None:
    page.goto(url)
    page.get_by_role("link", name="Written: the COMPAS trade-off").click()
    page.wait_for_selector("#answer")


def test_score_three_answers_reload_and_see_them_kept(page: Any, review_url: tuple[str, Path]) -> None:
    url, out = review_url
    _open_first_written(page, url)
    assert page.locator("#progress").inner_text() == "0 of 6 read"
    scored = []
    plan = [(["tradeoff", "cost"], "Clear."), (["tradeoff"], "Which number?"), (["cost", "remedy"], "Good remedy.")]
    for ticks, comment in plan:
        scored.append(page.locator("#who").inner_text())
        for tick in ticks:
            page.locator(f"input[name=tick][value={tick}]").check()
        page.locator("#comment").fill(comment)
        page.locator("#comment").press("Control+Enter")  # save and next, from the keyboard
        page.wait_for_selector("#saved")
    assert page.locator("#progress").inner_text() == "3 of 6 read"
    page.keyboard.press("ArrowLeft")  # back to the third answer with the keyboard
    page.wait_for_function("document.querySelector('#who').textContent === %r" % scored[2])
    page.reload()
    assert page.locator("input[name=tick][value=cost]").is_checked()
    assert page.locator("input[name=tick][value=remedy]").is_checked()
    assert not page.locator("input[name=tick][value=tradeoff]").is_checked()
    assert page.locator("#comment").input_value() == "Good remedy."
    page.keyboard.press("p")
    page.wait_for_function("document.querySelector('#who').textContent === %r" % scored[1])
    assert page.locator("#comment").input_value() == "Which number?"
    points = sorted(q["points"] for r in gradebook.effective_records(out) for q in r["questions"]
                    if q["qid"] == "q12" and q.get("review"))
    assert points == [2.0, 2.0, 3.0]


def test_a_second_tab_does_not_clobber_the_first_tabs_save(chromium: Any, review_url: tuple[str, Path]) -> None:
    url, out = review_url
    first, second = chromium.new_page(), chromium.new_page()
    try:
        _open_first_written(first, url)
        _open_first_written(second, url)
        assert first.locator("#who").inner_text() == second.locator("#who").inner_text()
        first.locator("input[name=tick][value=tradeoff]").check()
        first.locator("#comment").fill("saved in the first tab")
        first.locator("#save").click()
        first.wait_for_selector("#saved")
        second.locator("input[name=tick][value=remedy]").check()
        second.locator("#comment").fill("typed in the second tab")
        second.locator("#save").click()
        error = second.wait_for_selector("#error")
        assert "saved elsewhere" in error.inner_text() and "reload" in error.inner_text()
        with gradedb.connect(out) as db:
            (review,) = gradedb.all_reviews(db).values()
        assert (review["comment"], review["ticks"], review["version"]) == ("saved in the first tab", ["tradeoff"], 1)
        second.goto(second.url.split("?")[0])  # reload: the first tab's save is what it shows
        assert second.locator("#comment").input_value() == "saved in the first tab"
    finally:
        first.close()
        second.close()


@pytest.mark.parametrize("review_url", [12], indirect=True)
def test_review_ten_answers_of_a_class_from_the_keyboard(page: Any, review_url: tuple[str, Path]) -> None:
    """The issue's walk-through: ten written answers read and scored in a row, keyboard only."""
    url, out = review_url
    _open_first_written(page, url)
    assert page.locator("#progress").inner_text() == "0 of 12 read"
    for n in range(10):
        page.locator("input[name=tick][value=tradeoff]").check()
        if n % 2:
            page.locator("input[name=tick][value=cost]").check()
        page.locator("#comment").fill(f"read {n + 1}")
        page.locator("#comment").press("Control+Enter")
        page.wait_for_selector("#saved")
    assert page.locator("#progress").inner_text() == "10 of 12 read"
    reviewed = [q for r in gradebook.effective_records(out) for q in r["questions"] if q["qid"] == "q12" and q.get("review")]
    assert len(reviewed) == 10 and sorted(q["points"] for q in reviewed) == [2.0] * 5 + [3.0] * 5
