"""The instructor's term on a generated cohort (a benchmark, not a test: it prints, it asserts nothing).

Generates ``--count`` learners (default 30) with mixed answers to all four exercise notebooks
(correct, half done, untouched; English and Korean editions; written answers of varied length for
the free-response questions), a course file whose deadline two learners miss and one of them has
an extension for, and a roster that lacks one learner. Then it runs the term and times each step:

1. ``workbook grade --course`` (``--jobs``), 2. the review app: one answer page requested 50 times
(median and p90 of the server's answer), 3. ten free-response answers scored through the app,
4. ``workbook export`` for Canvas, Moodle and CSV, 5. ``workbook feedback``.

    .venv/bin/python bench/term_bench.py [--count 30] [--jobs 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import secrets
import statistics
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ("01_full_stack_ml", "02_ai_ethics", "03_career_building", "04_lm_training_evaluation")
ESSAYS = [
    "Equal false-positive rates and calibration cannot both hold when base rates differ; with the notebook's "
    "numbers PPV would have to drop to 0.43. I would protect people from wrongful detention first.",
    "I think the model is unfair.",
    "The plan reads twenty abstracts and learns three languages in a month: all breadth, nothing to show. "
    "I would reproduce one paper's result in a public repository and ask two peers to review it.",
    "데이터의 기저율이 다르면 FPR과 PPV를 동시에 맞출 수 없습니다. 저는 위양성을 줄이는 쪽을 우선하겠습니다.",
]


def make_cohort(target: Path, count: int, seed: int = 7) -> list[str]:
    """``count`` learner folders with one submission per notebook; returns the learner ids."""
    rng = random.Random(seed)
    students = [f"learner{n:02d}" for n in range(count)]
    for notebook in NOTEBOOKS:
        solution = {c.get("id"): c.source for c in nbformat.read(ROOT / "solutions" / f"{notebook}.ipynb", as_version=4).cells}
        for n, student in enumerate(students):
            lang = "ko" if n % 3 == 0 else "en"
            nb = nbformat.read(ROOT / "exercises" / lang / f"{notebook}.ipynb", as_version=4)
            answers = [c for c in nb.cells if c.cell_type == "code" and c.get("id") in solution
                       and c.source != solution[c.get("id")]]
            kind = ("correct", "half", "correct", "untouched", "half")[n % 5]
            for rank, cell in enumerate(answers):
                if kind == "correct" or (kind == "half" and rank % 2 == 0):
                    cell.source = solution[cell.get("id")]
                    if re.search(r'^\w+ = """', cell.source, re.M):  # a written answer: each learner's own
                        name = cell.source.split("=")[0].strip()
                        cell.source = f"{name} = {rng.choice(ESSAYS)!r} + ' ({student})'"
            folder = target / student
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(copy.deepcopy(nb), folder / f"{notebook}.ipynb")
    return students


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="Work here (kept) instead of a temporary folder.")
    args = parser.parse_args()

    from werkzeug.serving import make_server

    from workbook import gradedb
    from workbook.grade import grade_all
    from workbook.lms import export_lms
    from workbook.feedback import release
    from workbook.review import Answers, create_app

    work = args.keep or Path(tempfile.mkdtemp(prefix="term-bench-"))
    subs, out = work / "subs", work / "results"
    students = make_cohort(subs, args.count)
    for late, stamp in ((students[1], "2026-03-03T10:00:00+09:00"), (students[2], "2026-03-02T09:00:00+09:00")):
        (subs / late / "timestamp.txt").write_text(stamp)
    (subs / students[3] / "timestamp.txt").write_text("2026-03-01T12:00:00+09:00")
    (work / "course.yml").write_text(
        'timezone: "+09:00"\nnotebooks:\n' + "".join(f"  {n}: 2026-03-01T23:59\n" for n in NOTEBOOKS)
        + "penalty: {per_day: 0.1, max: 0.3, zero_after_days: 7}\n"
        + f"extensions:\n  {students[2]}: {{02_ai_ethics: 2}}\n")
    for student in students:  # the others submitted on time
        stamp = subs / student / "timestamp.txt"
        if not stamp.exists():
            stamp.write_text("2026-03-01T20:00:00+09:00")
    (work / "roster.csv").write_text("student,name,canvas_id,sis_user_id,sis_login_id,section,email\n" + "".join(
        f"{s},\"Learner {i}\",{1000 + i},2026-{i:04d},{s},AI-{1 + i % 2},{s}@example.com\n" for i, s in enumerate(students[:-1])))
    timings: dict[str, float] = {}

    start = time.perf_counter()
    batch = grade_all(submissions=subs, out=out, jobs=args.jobs, timeout_cell=60, course=work / "course.yml",
                      progress=True)
    timings["grade"] = time.perf_counter() - start
    print(f"grade: {len(batch.records)} submissions ({batch.graded} run, {batch.reused} reused), {timings['grade']:.1f} s "
          f"({timings['grade'] / max(len(batch.records), 1):.2f} s each, --jobs {args.jobs})")

    import http.cookiejar
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    token = secrets.token_urlsafe(16)
    server = make_server("127.0.0.1", 0, create_app(out, token), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    answers = Answers(out)
    with gradedb.connect(out) as conn:
        answers.refresh(conn)
    written = [q for q in answers.questions if q["manual"]]
    first = answers.by_question[(written[0]["notebook"], written[0]["qid"])]
    url = f"{base}/answer/{written[0]['notebook']}/{written[0]['qid']}/{first[0].pseudonym}?token={token}"
    loads = []
    for _ in range(50):
        begin = time.perf_counter()
        with opener.open(url) as reply:
            reply.read()
        loads.append(time.perf_counter() - begin)
    loads.sort()
    print(f"review page: median {1000 * statistics.median(loads):.1f} ms, p90 {1000 * loads[44]:.1f} ms over 50 loads")
    start = time.perf_counter()
    to_read = [a for q in written for a in answers.by_question[(q["notebook"], q["qid"])] if a.question.get("answer")]
    for answer in to_read[:10]:  # ten written answers scored, each a real POST of the review form
        with gradedb.connect(out) as conn:  # the version the reader's page was loaded with
            version = gradedb.get_review(conn, answer.student, answer.notebook, answer.qid)["version"]
        body = f"version={version}&tick={answer.question['rubric'][0]['id']}&comment=read".encode()
        request = urllib.request.Request(f"{base}/answer/{answer.notebook}/{answer.qid}/{answer.pseudonym}?token={token}",
                                         data=body, method="POST")
        with opener.open(request) as reply:
            reply.read()
    timings["review10"] = time.perf_counter() - start
    server.shutdown()
    print(f"review: 10 answers scored in {timings['review10']:.2f} s")

    for to in ("canvas", "moodle", "csv"):
        start = time.perf_counter()
        done = export_lms(out, to, roster=work / "roster.csv")
        timings[f"export_{to}"] = time.perf_counter() - start
        print(f"export {to}: {done.written} learners in {1000 * timings[f'export_{to}']:.0f} ms -> {done.path}"
              + (f"; not in roster: {', '.join(done.not_in_roster)}" if done.not_in_roster else ""))
    start = time.perf_counter()
    released = release(out, work / "release")
    timings["feedback"] = time.perf_counter() - start
    print(f"feedback: {len(released.folders)} learners in {timings['feedback']:.2f} s")
    with gradedb.connect(out) as conn:
        late = [dict(r) for r in conn.execute("SELECT student, notebook, days_late, fraction, source FROM penalties "
                                               "WHERE days_late > 0 ORDER BY student, notebook")]
    print(f"late: {json.dumps(late)}")
    print(json.dumps({k: round(v, 3) for k, v in timings.items()}))
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
