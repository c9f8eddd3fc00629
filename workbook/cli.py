"""The ``workbook`` command: a thin click layer; each verb calls one plain function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .lean_imports import skip_unused

skip_unused()  # before anything imports nbformat: see workbook.lean_imports


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ml-course-workbook")
def main() -> None:
    """ML course workbook: author, release, grade and publish the lecture notebooks."""


@main.command("assign")
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 naming each stale generated file.")
@click.option("--solutions", type=click.Path(path_type=Path), default=Path("solutions"), show_default=True)
@click.option("--exercises", type=click.Path(path_type=Path), default=Path("exercises"), show_default=True)
@click.option("--keys", "keys_dir", type=click.Path(path_type=Path), default=Path("workbook/keys"), show_default=True,
              help="Where the learner keys (digests only) are written.")
@click.option("--notebooks", type=click.Path(path_type=Path), default=None,
              help="The bilingual lecture sources [default: notebooks/ beside --solutions].")
def assign_cmd(check_only: bool, solutions: Path, exercises: Path, keys_dir: Path, notebooks: Path | None) -> None:
    """Generate the English and Korean editions and the learner keys from the bilingual sources.

    \b
    solutions/NN_topic.ipynb  ->  exercises/en/NN_topic.ipynb, exercises/ko/NN_topic.ipynb
    notebooks/NN_topic.ipynb  ->  notebooks/en/NN_topic.ipynb, notebooks/ko/NN_topic.ipynb
    solutions/keys/NN_topic.yml -> the learner keys (digests only)
    """
    from .assign import Paths, assign
    from .editions import PairingError
    from .keys import KeyFileError
    from .markers import MarkerError

    try:
        stale = assign(paths=Paths(solutions, exercises, keys_dir, notebooks), check=check_only)
    except (MarkerError, KeyFileError, PairingError) as err:
        raise click.ClickException(str(err)) from None
    if check_only and stale:
        for path in stale:
            click.echo(f"{path}: stale; run `workbook assign` and commit the result", err=True)
        sys.exit(1)
    verb = "up to date" if check_only else f"wrote {len(stale)} file(s)"
    click.echo(f"assign: {verb}")


@main.command("grade")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Results folder (created).")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Submissions graded at once [default: cores].")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Grade on this Dask cluster (one submission at a time per `dask worker`) instead of --jobs.")
@click.option("--timeout-cell", type=float, default=60.0, show_default=True, help="Seconds per cell; the cell is interrupted.")
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Seconds per notebook; the kernel is killed.")
@click.option("--memory", "memory_mb", type=click.IntRange(min=128), default=2048, show_default=True,
              help="Address-space cap of each kernel, MB.")
@click.option("--force", is_flag=True, help="Grade everything again, even unchanged submissions.")
@click.option("--notebook", "notebooks", multiple=True, help="NN_topic to grade (repeatable) [default: those submitted].")
@click.option("--keys", "keys_dir", type=click.Path(path_type=Path), default=Path("solutions/keys"), show_default=True)
@click.option("--exercises", type=click.Path(path_type=Path), default=Path("exercises"), show_default=True)
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True, help="Language of the feedback.")
@click.option("--student", "students", multiple=True,
              help="Regrade only this student's submissions (repeatable; with --notebook, only that notebook).")
@click.option("--course", type=click.Path(path_type=Path), default=None,
              help="Course file with due dates, the late penalty and extensions (see workbook/deadlines.py).")
def grade_cmd(submissions: Path, out: Path, jobs: int | None, timeout_cell: float, timeout: float, memory_mb: int,
              force: bool, notebooks: tuple[str, ...], keys_dir: Path, exercises: Path, lang: str,
              scheduler: str | None, students: tuple[str, ...], course: Path | None) -> None:
    """Grade SUBMISSIONS into --out: grades.csv, summary.csv, results.json, report.html, feedback/.

    \b
    SUBMISSIONS may hold, mixed:
      <student_id>/<NN_topic>.ipynb     one folder per student
      <student_id>_<NN_topic>.ipynb     a flat folder
      <student_id>.zip                  one archive per student, holding <NN_topic>.ipynb

    Each notebook runs with papermill in a fresh kernel with grading=True and a per-student seed;
    answers are judged in the grader's process against the answer key, never inside the kernel.
    Rerunning grades only new or changed submissions. Kernels get no network, a private read-only
    view of the file system and a memory cap where the OS allows it (root or user namespaces on
    Linux); where it does not, the grader warns, runs them unboxed (memory cap only, via prlimit)
    and records the isolation level in results.json.
    """
    from .cluster import ClusterError
    from .grade import grade_all
    from .gradebook import ResultsLocked
    from .gradedb import GradebookError
    from .keys import KeyFileError

    try:
        batch = grade_all(submissions=submissions, out=out, keys_dir=keys_dir, exercises=exercises,
                          notebooks=list(notebooks) or None, jobs=jobs, timeout_cell=timeout_cell, timeout=timeout,
                          memory_mb=memory_mb, force=force, lang=lang, scheduler=scheduler, progress=True,
                          students=list(students) or None, course=course)
    except (FileNotFoundError, ValueError, KeyFileError, ResultsLocked, ClusterError, GradebookError) as err:
        raise click.ClickException(str(err)) from None
    for warning in batch.isolation.get("warnings", []):
        click.echo(f"warning: {warning}", err=True)
    for address, worker in sorted(batch.workers.items()):
        click.echo(f"worker {address} ({worker['host']}): isolation {worker['level']}"
                   + (f" via {worker['tool']}" if worker["tool"] else ""), err=True)
        for warning in worker["warnings"]:
            click.echo(f"warning: worker {address}: {warning}", err=True)
    graded = batch.count("graded")
    click.echo(f"grade: {len(batch.records)} submission(s): {graded} graded, {len(batch.records) - graded} not "
               f"({batch.graded} run now, {batch.reused} reused); see {out / 'report.html'}")


@main.command("review")
@click.argument("results", type=click.Path(path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0: any free port.")
@click.option("--names", is_flag=True, help="Show student ids instead of pseudonyms.")
def review_cmd(results: Path, port: int, names: bool) -> None:
    """Score free-response answers and override automatic scores in a browser (127.0.0.1 only).

    Prints a URL with a random token; open it (and only share it with co-graders on this machine).
    Every save lands in RESULTS/gradebook.sqlite at once; `workbook export RESULTS --to csv` rewrites
    grades.csv, summary.csv and results.json from it. Stop with Ctrl+C."""
    from .gradedb import GradebookError
    from .review import serve

    try:
        serve(results, port=port, names=names, announce=lambda url: click.echo(f"review: open {url}", err=True))
    except (FileNotFoundError, GradebookError, OSError) as err:
        raise click.ClickException(str(err)) from None


@main.command("export")
@click.argument("results", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--to", "to", type=click.Choice(["canvas", "moodle", "csv"]), required=True)
@click.option("--roster", type=click.Path(path_type=Path), default=None,
              help="CSV mapping student ids to LMS ids and names (canvas, moodle).")
@click.option("--out", "target", type=click.Path(path_type=Path), default=None,
              help="The LMS file [default: RESULTS/lms/<to>.csv].")
@click.option("--moodle-key", type=click.Choice(["email", "username", "idnumber"]), default="email", show_default=True,
              help="The roster column Moodle matches learners by.")
def export_cmd(results: Path, to: str, roster: Path | None, target: Path | None, moodle_key: str) -> None:
    """Export the gradebook's scores (reviews and late penalties applied) for Canvas or Moodle, or
    rewrite grades.csv, summary.csv and results.json (--to csv). Learners missing from the roster
    are listed, one per line, and the command exits 1."""
    from .gradedb import GradebookError
    from .lms import RosterError, export_lms

    try:
        done = export_lms(results, to, roster=roster, target=target, moodle_key=moodle_key)
    except (RosterError, GradebookError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"export: {done.written} learner(s) -> {done.path}")
    for student in done.not_in_roster:
        click.echo(f"not in the roster (not exported): {student}", err=True)
    if done.not_in_roster:
        click.echo(f"export: {len(done.not_in_roster)} learner(s) in the gradebook are missing from {roster}; "
                   "add them to the roster and export again", err=True)
        sys.exit(1)


@main.command("feedback")
@click.argument("results", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--out", "target", type=click.Path(path_type=Path), required=True, help="Folder for the learners' folders and zips.")
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True)
@click.option("--student", "students", multiple=True, help="Release only this learner's feedback (repeatable).")
def feedback_cmd(results: Path, target: Path, lang: str, students: tuple[str, ...]) -> None:
    """Release feedback: OUT/<student>/ (their feedback pages and a summary page with automatic and
    manual scores, rubric ticks, comments and late penalties) and OUT/<student>.zip, per learner."""
    from .gradedb import GradebookError
    from .feedback import release

    try:
        done = release(results, target, lang=lang, students=list(students) or None)
    except GradebookError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"feedback: {len(done.folders)} learner(s) -> {target}")
@main.command("release")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="A new folder outside the repository for the learner edition.")
def release_cmd(out: Path) -> None:
    """Write the learner edition to OUT: lecture and exercise notebooks (en, ko), an installable wheel
    with the learner keys only, and a README saying how to work and what to hand in. No solution, no
    source key, no hidden case: the release checks that no answer is readable anywhere in it."""
    from .keys import KeyFileError
    from .release import ReleaseError, release

    try:
        files = release(out)
    except (ReleaseError, KeyFileError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"release: wrote {len(files)} file(s) to {out}; hand {out / 'README.md'} to the learners")


@main.command("handouts")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the HTML pages.")
@click.option("--notebooks", type=click.Path(path_type=Path), default=Path("notebooks"), show_default=True,
              help="The lectures; their editions in <notebooks>/en and <notebooks>/ko are published.")
@click.option("--lang", "langs", type=click.Choice(["en", "ko"]), multiple=True,
              help="Publish only this language (repeatable) [default: en and ko].")
@click.option("--live-widgets", is_flag=True,
              help="Embed interactive widget controls (widget manager from npm, cached in --npm-cache).")
@click.option("--npm-cache", type=click.Path(path_type=Path), default=Path(".cache/npm"), show_default=True)
def handouts_cmd(out: Path, notebooks: Path, langs: tuple[str, ...], live_widgets: bool, npm_cache: Path) -> None:
    """Execute the lecture editions and write OUT/en/ and OUT/ko/ (a page per lecture, each linking to
    the same page in the other language, and an index) plus OUT/index.html."""
    from .handouts import LANGS, HandoutError, build_handouts

    try:
        pages = build_handouts(out=out, notebooks=notebooks, langs=tuple(dict.fromkeys(langs)) or LANGS,
                               live_widgets=live_widgets, npm_cache=npm_cache)
    except HandoutError as err:
        raise click.ClickException(str(err)) from None
    for page in pages:
        click.echo(str(page))


if __name__ == "__main__":
    main()
