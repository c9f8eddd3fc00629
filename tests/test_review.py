"""The review app without a browser: the token, anonymity, escaping, saves, overrides, conflicts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbook import gradebook, gradedb
from workbook.review import create_app

from tests.review_fixture import NB, make_results

TOKEN = "t0ken-for-tests"


@pytest.fixture()
def client(tmp_path: Path):
    make_results(tmp_path)
    app = create_app(tmp_path, TOKEN)
    with app.test_client() as c:
        yield c


def _first_answer(client) -> str:
    index = client.get(f"/?token={TOKEN}").get_data(as_text=True)
    return re.search(r'href="(/answer/02_ai_ethics/q12/[^"]+)"', index).group(1)


def test_nothing_is_served_or_saved_without_the_token(tmp_path: Path) -> None:
    make_results(tmp_path)
    app = create_app(tmp_path, TOKEN)
    with app.test_client() as c:
        assert c.get("/").status_code == 403
        assert c.get("/?token=wrong").status_code == 403
        url = re.search(r'href="(/answer/[^"]+)"', c.get(f"/?token={TOKEN}").get_data(as_text=True)).group(1)
    with app.test_client() as other:  # a fresh client: no cookie
        assert other.post(url, data={"version": "0", "tick": "cost"}).status_code == 403
    with gradedb.connect(tmp_path) as db:
        assert not gradedb.all_reviews(db)


def test_answers_are_anonymised_and_escaped(client) -> None:
    page = client.get(_first_answer(client)).get_data(as_text=True)
    assert not re.search(r"\bs0\d\b(?!:)", page.replace("Essay of s0", "")), "a student id is on the page"
    assert "&lt;b&gt;here&lt;/b&gt;" in page and "<b>here</b>" not in page
    assert "0 of 5 read" in page and "Answer 1 of 5" in page


def test_a_save_lands_in_the_gradebook_at_once(client, tmp_path: Path) -> None:
    url = _first_answer(client)
    reply = client.post(url, data={"version": "0", "tick": ["tradeoff", "remedy"], "comment": "Good & clear"})
    assert reply.status_code == 302
    reviews = gradebook.effective_records(tmp_path)
    ticked = [q for r in reviews for q in r["questions"] if q.get("review")]
    assert len(ticked) == 1 and ticked[0]["points"] == 3.0 and ticked[0]["review"]["comment"] == "Good & clear"
    assert "1 of 5 read" in client.get(url).get_data(as_text=True)


def test_an_override_without_a_reason_or_out_of_range_is_refused_whole(client, tmp_path: Path) -> None:
    index = client.get(f"/?token={TOKEN}").get_data(as_text=True)
    url = re.search(r'href="(/answer/02_ai_ethics/q3/[^"]+)"', index).group(1)
    refused = client.post(url, data={"version": "0", "override": "1.5", "reason": "", "comment": "kept?"})
    assert refused.status_code == 400 and "needs a reason" in refused.get_data(as_text=True)
    too_big = client.post(url, data={"version": "0", "override": "7", "reason": "generous"})
    assert too_big.status_code == 400 and "between 0 and 2" in too_big.get_data(as_text=True)
    with gradedb.connect(tmp_path) as db:
        assert not gradedb.all_reviews(db)
    assert client.post(url, data={"version": "0", "override": "1.5", "reason": "rounding"}).status_code == 302
    q3 = [q for r in gradebook.effective_records(tmp_path) for q in r["questions"] if q["qid"] == "q3" and q.get("review")]
    assert [(q["points"], q["status"], q["review"]["reason"]) for q in q3] == [(1.5, "overridden", "rounding")]


def test_a_save_from_a_stale_page_is_refused_with_a_clear_message(client, tmp_path: Path) -> None:
    url = _first_answer(client)
    assert client.post(url, data={"version": "0", "tick": "cost", "comment": "first tab"}).status_code == 302
    stale = client.post(url, data={"version": "0", "tick": "tradeoff", "comment": "second tab"})
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "saved elsewhere" in text and "reload" in text
    with gradedb.connect(tmp_path) as db:
        (review,) = gradedb.all_reviews(db).values()
    assert (review["comment"], review["ticks"], review["version"]) == ("first tab", ["cost"], 1)


def test_an_unknown_answer_is_404(client) -> None:
    client.get(f"/?token={TOKEN}")
    assert client.get(f"/answer/{NB}/q12/learner-00000000").status_code == 404


def test_names_are_shown_only_when_asked(tmp_path: Path) -> None:
    make_results(tmp_path)
    with create_app(tmp_path, TOKEN, names=True).test_client() as c:
        url = re.search(r'href="(/answer/02_ai_ethics/q12/[^"]+)"', c.get(f"/?token={TOKEN}").get_data(as_text=True)).group(1)
        who = re.search(r'<b id="who">([^<]+)</b>', c.get(url).get_data(as_text=True)).group(1)
    assert re.fullmatch(r"s0\d \(learner-[0-9a-f]{8}\)", who), who


def test_a_regrade_while_the_app_runs_shows_the_new_answer_and_keeps_the_review(client, tmp_path: Path) -> None:
    url = _first_answer(client)
    assert client.post(url, data={"version": "0", "tick": "cost", "comment": "kept"}).status_code == 302
    student = next(s for s in ("s00", "s01", "s02", "s03", "s04") if f"Essay of {s}:" in client.get(url).get_data(as_text=True))
    record = gradebook.read_record(tmp_path, student, NB)
    record["questions"][1]["answer"] = "A resubmitted essay."
    gradebook.write_record(tmp_path, record)
    page = client.get(url).get_data(as_text=True)
    assert "A resubmitted essay." in page and ">kept</textarea>" in page
