"""``make lab`` opens the Korean edition with JupyterLab in Korean; ``make lab EDITION=en`` the English
one. Read from ``make -n`` (nothing is started) and from the settings ``make lab-settings`` writes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCALE = Path("@jupyterlab/translation-extension/plugin.jupyterlab-settings")

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args], capture_output=True, text=True)


def lab_command(*args: str) -> str:
    """The ``jupyter lab`` command ``make lab`` would run (install steps it would run are left out)."""
    dry = make("-n", "lab", "HEADLESS=1", *args)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.replace("\\\n", " ").splitlines()
    return next(line for line in lines if "jupyter lab" in line)


@pytest.mark.parametrize("args, edition", [((), "ko"), (("EDITION=en",), "en"), (("EDITION=ko",), "ko")])
def test_lab_opens_the_edition(args: tuple[str, ...], edition: str) -> None:
    command = lab_command(*args)
    assert f"--ServerApp.root_dir={ROOT / 'workspace' / edition} " in command
    assert "--LabApp.default_url=/lab/tree/notebooks " in command
    assert f"--LabApp.user_settings_dir={ROOT / '.venv' / 'lab-settings' / edition} " in command


@pytest.mark.parametrize("edition, locale", [("ko", "ko_KR"), ("en", "en")])
def test_lab_settings_set_jupyterlabs_language(edition: str, locale: str, tmp_path: Path) -> None:
    (tmp_path / LOCALE).parent.mkdir(parents=True)
    (tmp_path / LOCALE).write_text('{"locale": "fr_FR"}')  # chosen in the menu last time: reset
    done = make("lab-settings", f"EDITION={edition}", f"LAB_SETTINGS_DIR={tmp_path}")
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / LOCALE).read_text()) == {"locale": locale}


def test_an_unknown_edition_is_refused(tmp_path: Path) -> None:
    done = make("lab-settings", "EDITION=fr", f"LAB_SETTINGS_DIR={tmp_path}")
    assert done.returncode != 0 and "EDITION must be ko or en, not 'fr'" in done.stderr
    assert not (tmp_path / LOCALE).exists()


def test_the_korean_language_pack_is_installed() -> None:
    import importlib.util

    spec = importlib.util.find_spec("jupyterlab_language_pack_ko_KR")
    assert spec is not None, "pip install jupyterlab-language-pack-ko-KR (a dependency in pyproject.toml)"
    assert (Path(spec.origin).parent / "locale" / "ko_KR" / "LC_MESSAGES" / "jupyterlab.json").is_file()


def test_the_workspace_holds_copies_and_never_overwrites_the_learners_work(tmp_path: Path) -> None:
    """JupyterLab autosaves into the learner's copies (untracked), never into the generated editions."""
    work = tmp_path / "ko"
    done = make("workspace", "EDITION=ko", f"WORKSPACE={work}")
    assert done.returncode == 0, done.stderr
    for kind in ("notebooks", "exercises"):
        names = sorted(p.name for p in (ROOT / kind / "ko").glob("*.ipynb"))
        assert sorted(p.name for p in (work / kind).glob("*.ipynb")) == names
        assert (work / kind / names[0]).read_bytes() == (ROOT / kind / "ko" / names[0]).read_bytes()
    mine = work / "exercises" / "01_full_stack_ml.ipynb"
    mine.write_text("my work", encoding="utf-8")
    (work / "notebooks" / "02_ai_ethics.ipynb").unlink()  # deleted: the course's copy comes back
    assert make("workspace", "EDITION=ko", f"WORKSPACE={work}").returncode == 0
    assert mine.read_text(encoding="utf-8") == "my work"
    assert (work / "notebooks" / "02_ai_ethics.ipynb").is_file()
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "workspace/ko/exercises/x.ipynb"])
    assert ignored.returncode == 0, "workspace/ must be gitignored"
