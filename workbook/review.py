"""``workbook review RESULTS``: score free-response answers (and override any automatic score) in a browser.

A small Flask app on 127.0.0.1 with a random token in the printed URL (like JupyterLab): the first
request must carry ``?token=...``; it sets an HttpOnly, SameSite=Strict cookie that later requests
carry, and nothing is served or saved without one or the other. The reader walks question by
question through every learner's answer, anonymised by default (a pseudonym per learner from a
per-gradebook secret; ``--names`` shows the ids), ticks rubric items, writes a comment, or overrides
the score with a reason. Each save is one transaction in the gradebook (:mod:`workbook.gradedb`),
based on the version the page was loaded with: a save from a stale page (another tab saved first)
is refused with a message saying so, and nothing of it is applied.

Pages come from autoescaped Jinja2 templates in ``workbook/templates/review``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import gradedb
from .i18n import status_label

COOKIE = "workbook_review"


@dataclass(frozen=True)
class Answer:
    """One learner's answer to one question, as the reader sees it."""

    student: str
    pseudonym: str
    notebook: str
    qid: str
    question: dict[str, Any]


class Answers:
    """Every answer in the gradebook grouped by question, rebuilt when the submissions change."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.stamp: tuple[Any, ...] | None = None
        self.questions: list[dict[str, Any]] = []
        self.by_question: dict[tuple[str, str], list[Answer]] = {}
        self.secret = ""

    def refresh(self, conn: Any) -> None:
        stamp = tuple(conn.execute("SELECT COUNT(*), MAX(saved_at), TOTAL(LENGTH(record)) FROM submissions").fetchone())
        if stamp == self.stamp:
            return
        self.secret = gradedb.get_meta(conn, "review_secret") or ""
        if not self.secret:
            self.secret = secrets.token_hex(16)
            gradedb.set_meta(conn, "review_secret", self.secret)
        questions: dict[tuple[str, str], dict[str, Any]] = {}
        by_question: dict[tuple[str, str], list[Answer]] = {}
        for record in gradedb.all_records(conn):
            for q in record["questions"]:
                key = (record["notebook"], str(q["qid"]))
                info = questions.setdefault(key, {"notebook": key[0], "qid": key[1], "title": q.get("title") or key[1],
                                                  "manual": q.get("kind") == "manual", "max_points": q["max_points"]})
                info["manual"] = info["manual"] or q.get("kind") == "manual"
                by_question.setdefault(key, []).append(Answer(record["student"], self.pseudonym(record["student"]),
                                                              key[0], key[1], q))
        for answers in by_question.values():
            answers.sort(key=lambda a: a.pseudonym)  # an order that says nothing about who wrote it
        # free-response questions first, then the automatic ones (open to an override)
        self.questions = sorted(questions.values(), key=lambda q: (not q["manual"], q["notebook"], _qorder(q["qid"])))
        self.by_question = by_question
        self.stamp = stamp

    def pseudonym(self, student: str) -> str:
        return "learner-" + hmac.new(self.secret.encode(), student.encode(), hashlib.sha256).hexdigest()[:8]

    def find(self, notebook: str, qid: str, pseudonym: str) -> Answer | None:
        return next((a for a in self.by_question.get((notebook, qid), []) if a.pseudonym == pseudonym), None)


def _qorder(qid: str) -> tuple[int, str]:
    digits = "".join(ch for ch in qid if ch.isdigit())
    return (int(digits) if digits else 0, qid)


def progress(answers: Answers, reviews: dict[tuple[str, str, str], dict[str, Any]]) -> tuple[int, int]:
    """(read, total) over the free-response answers that have text to read."""
    todo = [a for q in answers.questions if q["manual"] for a in answers.by_question[(q["notebook"], q["qid"])]
            if a.question.get("answer")]
    done = sum(1 for a in todo if (reviews.get((a.student, a.notebook, a.qid)) or {}).get("read"))
    return done, len(todo)


def create_app(out: Path, token: str, *, names: bool = False) -> Any:
    """The review app for results folder ``out``; every request needs ``token`` (query or cookie)."""
    from flask import Flask, abort, redirect, render_template, request, url_for

    out = Path(out)
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates" / "review"))
    app.jinja_env.autoescape = True  # every template, whatever its name
    answers = Answers(out)
    with gradedb.connect(out) as conn:  # created and migrated before the first request
        answers.refresh(conn)

    @app.before_request
    def _guard() -> Any:
        given = request.args.get("token") or request.cookies.get(COOKIE) or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            abort(403)
        return None

    @app.after_request
    def _headers(response: Any) -> Any:
        if request.args.get("token") == token:
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                                                       "script-src 'unsafe-inline'; form-action 'self'")
        response.headers["X-Frame-Options"] = "DENY"
        return response

    def shown(answer: Answer) -> str:
        return f"{answer.student} ({answer.pseudonym})" if names else answer.pseudonym

    @app.get("/")
    def index() -> Any:
        with gradedb.connect(out) as conn:
            answers.refresh(conn)
            reviews = gradedb.all_reviews(conn)
        rows = []
        for q in answers.questions:
            mine = answers.by_question[(q["notebook"], q["qid"])]
            read = sum(1 for a in mine if (reviews.get((a.student, a.notebook, a.qid)) or {}).get("read"))
            rows.append({**q, "count": len(mine), "read": read, "first": mine[0].pseudonym})
        done, total = progress(answers, reviews)
        return render_template("index.html", rows=rows, done=done, total=total)

    @app.route("/answer/<notebook>/<qid>/<pseudonym>", methods=["GET", "POST"])
    def answer(notebook: str, qid: str, pseudonym: str) -> Any:
        error, status = "", 200
        with gradedb.connect(out) as conn:
            answers.refresh(conn)
            found = answers.find(notebook, qid, pseudonym)
            if found is None:
                abort(404)
            if request.method == "POST":
                form = request.form
                try:
                    base = int(form.get("version", "-1"))
                    override_text = form.get("override", "").strip()
                    override = float(override_text) if override_text else None
                    if override is not None and not 0 <= override <= float(found.question["max_points"]):
                        raise ValueError(f"the override must be between 0 and {found.question['max_points']:g}")
                    gradedb.save_review(conn, found.student, notebook, qid, base_version=base,
                                        ticks=form.getlist("tick"), comment=form.get("comment", ""),
                                        override=override, reason=form.get("reason", ""))
                except gradedb.Conflict as err:
                    error, status = str(err), 409
                except ValueError as err:
                    error, status = f"not saved: {err}", 400
                else:
                    target = _neighbour(answers, found, +1) if form.get("go") == "next" else found
                    return redirect(url_for("answer", notebook=notebook, qid=qid, pseudonym=target.pseudonym,
                                            saved=found.pseudonym))
            review = gradedb.get_review(conn, found.student, notebook, qid)
            reviews = gradedb.all_reviews(conn)
        mine = answers.by_question[(notebook, qid)]
        position = next(i for i, a in enumerate(mine) if a.pseudonym == pseudonym)
        done, total = progress(answers, reviews)
        question = next(q for q in answers.questions if (q["notebook"], q["qid"]) == (notebook, qid))
        html = render_template(
            "answer.html", a=found, who=shown(found), q=found.question, question=question, review=review,
            error=error, position=position + 1, count=len(mine), done=done, total=total,
            status=status_label(found.question["status"], "en"),
            saved=request.args.get("saved") if not error else None,
            previous=_neighbour(answers, found, -1), next=_neighbour(answers, found, +1))
        return html, status

    return app


def _neighbour(answers: Answers, answer: Answer, step: int) -> Answer:
    mine = answers.by_question[(answer.notebook, answer.qid)]
    index = next(i for i, a in enumerate(mine) if a.pseudonym == answer.pseudonym)
    return mine[(index + step) % len(mine)]


def serve(out: Path, *, port: int = 0, names: bool = False, announce: Any = print) -> None:
    """Run the review app on 127.0.0.1 until interrupted; ``announce`` gets the URL with its token."""
    from werkzeug.serving import make_server

    if not Path(out).is_dir():
        raise FileNotFoundError(f"{out}: results folder not found")
    token = secrets.token_urlsafe(24)
    server = make_server("127.0.0.1", port, create_app(Path(out), token, names=names), threaded=True)
    announce(f"http://127.0.0.1:{server.server_port}/?token={token}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
