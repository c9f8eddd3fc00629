"""``workbook feedback RESULTS --out DIR``: one folder and one zip per learner, to hand back.

``DIR/<student>/`` holds the learner's own feedback pages (their executed notebook with the automatic
checks, written by ``workbook grade``) and ``index.html``, a summary: per notebook the automatic and
final scores, the rubric items ticked, the reader's comments, overrides with their reason and any
late penalty. ``DIR/<student>.zip`` holds the same files. Nothing else goes in: no other learner's
record, no hidden test case (the feedback pages never had any), no solution code (the grader never
had any in a submission), no grader internals (hashes, seeds, cells, hosts).
Folder and zip names come from :func:`workbook.gradebook.safe_name`.
"""

from __future__ import annotations

import functools
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import write_atomic
from .gradebook import effective_records, safe_name
from .i18n import msg, status_label

_KEPT = ("qid", "title", "status", "points", "max_points", "auto_points", "auto_status", "answer", "figure", "rubric",
         "review")


@dataclass
class Released:
    folders: list[Path]
    zips: list[Path]


@functools.lru_cache(maxsize=None)
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader

    return Environment(loader=FileSystemLoader(Path(__file__).parent / "templates" / "feedback"), autoescape=True)


def _public(record: dict[str, Any], page: str | None) -> dict[str, Any]:
    """What of a record the learner sees."""
    questions = []
    for q in record["questions"]:
        kept = {k: q[k] for k in _KEPT if k in q}
        review = q.get("review")
        if review:
            kept["review"] = {k: review[k] for k in ("ticks", "comment", "override", "reason")}
        questions.append(kept)
    return {"notebook": record["notebook"], "score": record["score"], "max_score": record["max_score"],
            "raw_score": record.get("raw_score", record["score"]), "penalty": record.get("penalty"),
            "questions": questions, "feedback_page": page}


def summary_page(records: list[dict[str, Any]], lang: str = "en") -> str:
    """The learner's summary page from their public records."""
    def m(key: str, **fields: Any) -> str:
        return msg(key, lang, **fields)

    return _environment().get_template("summary.html").render(
        records=records, m=m, label=lambda s: status_label(s, lang), lang=lang,
        total=round(sum(r["score"] for r in records), 4), max_total=round(sum(r["max_score"] for r in records), 4))


def release(out: Path, target: Path, *, lang: str = "en", students: list[str] | None = None) -> Released:
    """Write every learner's (or only ``students``') folder and zip under ``target``."""
    out, target = Path(out), Path(target)
    mine: dict[str, list[dict[str, Any]]] = {}
    for record in effective_records(out):
        mine.setdefault(record["student"], []).append(record)
    folders, zips = [], []
    for student in sorted(mine):
        if students is not None and student not in students:
            continue
        name = safe_name(student)
        folder = target / name
        if folder.exists():
            shutil.rmtree(folder)
        public = []
        for record in mine[student]:
            page = None
            source = out / "feedback" / name / f"{record['notebook']}.html"
            if record.get("feedback") and source.is_file():  # only the page graded for this learner
                page = f"{record['notebook']}.html"
                write_atomic(folder / page, source.read_text(encoding="utf-8"))
            public.append(_public(record, page))
        write_atomic(folder / "index.html", summary_page(public, lang))
        archive = target / f"{name}.zip"
        tmp = archive.with_suffix(".zip.tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as handle:
            for path in sorted(folder.iterdir()):
                handle.write(path, f"{name}/{path.name}")
        tmp.replace(archive)
        folders.append(folder)
        zips.append(archive)
    return Released(folders, zips)
