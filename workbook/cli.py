"""The ``workbook`` command: a thin click layer; each verb calls one plain function."""

from __future__ import annotations

import sys
from pathlib import Path

import click


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
def assign_cmd(check_only: bool, solutions: Path, exercises: Path, keys_dir: Path) -> None:
    """Generate exercises/ and the learner keys from solutions/ (the one source of truth)."""
    from .assign import Paths, assign
    from .keys import KeyFileError
    from .markers import MarkerError

    try:
        stale = assign(paths=Paths(solutions, exercises, keys_dir), check=check_only)
    except (MarkerError, KeyFileError) as err:
        raise click.ClickException(str(err)) from None
    if check_only and stale:
        for path in stale:
            click.echo(f"{path}: stale; run `workbook assign` and commit the result", err=True)
        sys.exit(1)
    verb = "up to date" if check_only else f"wrote {len(stale)} file(s)"
    click.echo(f"assign: {verb}")


@main.command("handouts")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the HTML pages.")
@click.option("--notebooks", type=click.Path(path_type=Path), default=Path("notebooks"), show_default=True)
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True)
@click.option("--live-widgets", is_flag=True,
              help="Embed interactive widget controls (widget manager from npm, cached in --npm-cache).")
@click.option("--npm-cache", type=click.Path(path_type=Path), default=Path(".cache/npm"), show_default=True)
def handouts_cmd(out: Path, notebooks: Path, lang: str, live_widgets: bool, npm_cache: Path) -> None:
    """Execute the lecture notebooks and write one HTML page each plus index.html."""
    from .handouts import HandoutError, build_handouts

    try:
        pages = build_handouts(out=out, notebooks=notebooks, lang=lang, live_widgets=live_widgets,
                               npm_cache=npm_cache)
    except HandoutError as err:
        raise click.ClickException(str(err)) from None
    for page in pages:
        click.echo(str(page))


if __name__ == "__main__":
    main()
