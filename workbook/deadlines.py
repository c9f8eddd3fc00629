"""Deadlines and late penalties from a course file (``course.yml``), applied by ``workbook grade --course``.

::

    timezone: "+09:00"                 # for dates written without an offset (default +00:00)
    notebooks:                         # when each notebook is due
      02_ai_ethics: 2026-03-01T23:59
      03_career_building: 2026-03-08T23:59
    penalty:
      per_day: 0.10                    # this fraction of the score per day (or part of one) late ...
      max: 0.30                        # ... at most this much ...
      zero_after_days: 7               # ... and later than this many days the submission scores 0
      grace_minutes: 10                # optional: this late is on time
    extensions:                        # per student: a new due date, or extra days
      s07: {02_ai_ethics: 2026-03-04T23:59}
      s12: {03_career_building: 3}

When a submission came in is taken from, in order: a ``timestamp.txt`` in the student's folder or zip
(what nbgrader's exchange writes; ISO 8601, a bare ``YYYY-MM-DD HH:MM:SS`` is in the course's
timezone, ``UTC`` suffix allowed), the zip entry's own time (in the course's timezone), or the file's
modification time. Which one was used is stored with the penalty in the gradebook. A malformed
course file is one line naming the file and the line.
"""

from __future__ import annotations

import math
import os
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

TIMESTAMP_FILE = "timestamp.txt"


class CourseFileError(ValueError):
    """The course file is malformed; the message is one line naming the file and the line."""


@dataclass(frozen=True)
class Penalty:
    per_day: float = 0.0
    max: float = 1.0
    zero_after_days: int | None = None
    grace_minutes: float = 0.0

    def describe(self) -> str:
        text = f"{100 * self.per_day:g}% per day late, at most {100 * self.max:g}%"
        return text + (f", 0 after {self.zero_after_days} days" if self.zero_after_days is not None else "")

    def fraction(self, days_late: int) -> float:
        """The fraction of the score taken off for a submission ``days_late`` (started) days late."""
        if days_late <= 0:
            return 0.0
        if self.zero_after_days is not None and days_late > self.zero_after_days:
            return 1.0
        return round(min(self.per_day * days_late, self.max), 6)


@dataclass(frozen=True)
class Course:
    path: Path
    tz: timezone
    due: dict[str, datetime]
    penalty: Penalty
    extensions: dict[str, dict[str, datetime]] = field(default_factory=dict)

    def due_for(self, student: str, notebook: str) -> datetime | None:
        return self.extensions.get(student, {}).get(notebook) or self.due.get(notebook)


def _tz(text: str) -> timezone:
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


def parse_time(value: Any, tz: timezone) -> datetime:
    """A date-time from the course file or a timestamp file (naive ones are in ``tz``)."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if text.endswith(" UTC") or text.endswith("Z"):
            text = text.removesuffix(" UTC").removesuffix("Z") + "+00:00"
        moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def load_course(path: Path) -> Course:
    """Read and check a course file; CourseFileError (file:line: problem) on anything wrong."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
    except OSError as err:
        raise CourseFileError(f"{path}: cannot read the course file ({err.strerror})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise CourseFileError(f"{path}{where}: not YAML ({getattr(err, 'problem', None) or err})") from None

    def fail(node: Any, problem: str) -> CourseFileError:
        return CourseFileError(f"{path}:{node.start_mark.line + 1}: {problem}")

    def mapping(node: Any, what: str) -> dict[str, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise fail(node, f"{what} must be a mapping")
        return {k.value: v for k, v in node.value}

    if root is None:
        raise CourseFileError(f"{path}:1: the course file is empty")
    top = mapping(root, "the course file")
    unknown = sorted(set(top) - {"timezone", "notebooks", "penalty", "extensions"})
    if unknown:
        raise fail(next(k for k, _ in root.value if k.value == unknown[0]), f"unknown field {unknown[0]!r}")
    try:
        tz = _tz(str(top["timezone"].value)) if "timezone" in top else timezone.utc
    except (ValueError, AttributeError):
        raise fail(top["timezone"], "timezone must look like +09:00") from None

    def when(node: Any, what: str) -> datetime:
        try:
            return parse_time(yaml.safe_load(yaml.serialize(node)), tz)
        except (ValueError, TypeError):
            raise fail(node, f"{what}: {getattr(node, 'value', '?')!r} is not a date-time (YYYY-MM-DDTHH:MM)") from None

    if "notebooks" not in top:
        raise fail(root, "the course file needs 'notebooks' (notebook: due date-time)")
    due = {name: when(node, f"due date of {name}") for name, node in mapping(top["notebooks"], "notebooks").items()}
    penalty = Penalty()
    if "penalty" in top:
        fields = mapping(top["penalty"], "penalty")
        values: dict[str, Any] = {}
        for name, node in fields.items():
            if name not in ("per_day", "max", "zero_after_days", "grace_minutes"):
                raise fail(node, f"unknown penalty field {name!r} (per_day, max, zero_after_days, grace_minutes)")
            value = yaml.safe_load(yaml.serialize(node))
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
                    or (name in ("per_day", "max") and value > 1):
                raise fail(node, f"penalty {name} must be a number >= 0" + (" and <= 1 (a fraction)" if name in ("per_day", "max") else ""))
            values[name] = int(value) if name == "zero_after_days" else float(value)
        penalty = Penalty(**values)
    extensions: dict[str, dict[str, datetime]] = {}
    for student, node in (mapping(top["extensions"], "extensions").items() if "extensions" in top else []):
        mine: dict[str, datetime] = {}
        for notebook, value in mapping(node, f"extensions of {student}").items():
            if notebook not in due:
                raise fail(value, f"extension of {student} for {notebook!r}, which has no due date")
            plain = yaml.safe_load(yaml.serialize(value))
            if isinstance(plain, int) and not isinstance(plain, bool):
                if plain < 0:
                    raise fail(value, f"extension of {student}: days must be >= 0")
                mine[notebook] = due[notebook] + timedelta(days=plain)
            else:
                mine[notebook] = when(value, f"extension of {student} for {notebook}")
        extensions[str(student)] = mine
    return Course(path, tz, due, penalty, extensions)


def submitted_at(sub: Any, tz: timezone) -> tuple[datetime | None, str]:
    """When ``sub`` (a discovered Submission) came in, and from where: ``timestamp.txt``, ``zip entry``
    or ``mtime`` (None and ``none`` for a submission without a file)."""
    if not sub.path:
        return None, "none"
    if sub.member:  # inside a zip
        try:
            with zipfile.ZipFile(sub.path) as archive:
                names = {Path(n).name: n for n in archive.namelist() if Path(n).name == TIMESTAMP_FILE}
                if names:
                    raw = archive.read(sorted(names.values(), key=len)[0])[:200].decode("utf-8", "replace")
                    try:
                        return parse_time(raw.strip().splitlines()[0], tz), TIMESTAMP_FILE
                    except (ValueError, IndexError):
                        pass
                return datetime(*archive.getinfo(sub.member).date_time, tzinfo=tz), "zip entry"
        except (OSError, KeyError, zipfile.BadZipFile, ValueError):
            pass
    else:
        beside = Path(sub.path).parent / TIMESTAMP_FILE
        if beside.is_file() and not beside.is_symlink() and Path(sub.path).parent.name == sub.student:
            try:
                return parse_time(beside.read_text(encoding="utf-8", errors="replace")[:200].strip().splitlines()[0], tz), \
                    TIMESTAMP_FILE
            except (ValueError, IndexError, OSError):
                pass
    try:
        return datetime.fromtimestamp(os.lstat(sub.path).st_mtime, tz), "mtime"
    except OSError:
        return None, "none"


def days_late(submitted: datetime, due: datetime, grace_minutes: float = 0.0) -> int:
    """Started days after ``due`` (0 when on time, within the grace)."""
    late = (submitted - due).total_seconds()
    if late <= grace_minutes * 60:
        return 0
    return math.ceil(late / 86400)


def penalties(course: Course, subs: list[Any]) -> list[dict[str, Any]]:
    """A gradebook penalty row per submission of a notebook with a due date."""
    rows = []
    for sub in subs:
        due = course.due_for(sub.student, sub.notebook)
        if due is None:
            continue
        moment, source = submitted_at(sub, course.tz)
        days = days_late(moment, due, course.penalty.grace_minutes) if moment else 0
        extended = sub.notebook in course.extensions.get(sub.student, {})
        rows.append({"student": sub.student, "notebook": sub.notebook, "source": source,
                     "submitted": moment.isoformat(timespec="seconds") if moment else None,
                     "due": due.isoformat(timespec="minutes"), "days_late": days,
                     "fraction": course.penalty.fraction(days),
                     "rule": course.penalty.describe() + (" (extension)" if extended else "")})
    return rows
