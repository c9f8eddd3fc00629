"""Shared fixtures: the repository root, and the kernel environment the notebooks run in."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

# Executed notebooks must not pick up a learner's language or a stray key folder from the shell.
os.environ.pop("WORKBOOK_LANG", None)
os.environ.pop("WORKBOOK_KEYS", None)
os.environ.pop("WORKBOOK_HANDOUT", None)
# Plots in the tests' own process render off-screen. Not through MPLBACKEND: kernels inherit the
# environment, and a learner's kernel uses the inline backend, so the executed notebooks should too.
matplotlib.use("Agg")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lecture_handouts(artifacts: Path) -> Path:
    """The handouts of ``notebooks/`` built once per session into ``test-artifacts/handouts``."""
    import shutil

    from workbook.handouts import build_handouts

    if not list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        pytest.skip("no lecture notebooks in notebooks/ yet")
    out = artifacts / "handouts"
    shutil.rmtree(out, ignore_errors=True)
    build_handouts(out=out, notebooks=ROOT / "notebooks")
    return out

