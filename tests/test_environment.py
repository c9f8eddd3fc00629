"""environment.yml (conda) and pyproject.toml (pip) must declare the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*$")
CONDA_ONLY = {"python", "pip"}  # the interpreter and the installer, not project dependencies


def _split(requirement: str) -> tuple[str, str]:
    name, spec = SPEC.match(requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def pip_requirements(pyproject: dict) -> dict[str, str]:
    project = pyproject["project"]
    found = [*project["dependencies"], *project.get("optional-dependencies", {}).get("test", [])]
    return dict(_split(r) for r in found)


def conda_requirements(env: dict) -> tuple[dict[str, str], list[str]]:
    conda, pip = {}, []
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            pip.extend(entry.get("pip", []))
        else:
            name, spec = _split(entry)
            if name not in CONDA_ONLY:
                conda[name] = spec
    return conda, pip


def disagreements(pyproject: dict, env: dict) -> list[str]:
    """Each dependency whose name or version range differs between the two files. A package that is on
    PyPI only may be declared in environment.yml's ``pip:`` list instead, with the same range."""
    pip, (conda, pip_section) = pip_requirements(pyproject), conda_requirements(env)
    pypi_only = dict(_split(r) for r in pip_section if not r.startswith("-"))
    conda = {**pypi_only, **conda}
    problems = [f"{n}: pyproject {pip[n]!r} vs environment.yml {conda.get(n)!r}" for n in pip if conda.get(n) != pip[n]]
    problems += [f"{n}: only in environment.yml" for n in conda if n not in pip]
    return problems


def load() -> tuple[dict, dict]:
    return (tomllib.loads((ROOT / "pyproject.toml").read_text()),
            yaml.safe_load((ROOT / "environment.yml").read_text()))


def test_environment_matches_pyproject() -> None:
    pyproject, env = load()
    assert disagreements(pyproject, env) == []


def test_environment_installs_the_package_and_python() -> None:
    pyproject, env = load()
    _, pip = conda_requirements(env)
    assert "-e ." in pip
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert python == [f"python{pyproject['project']['requires-python']}"]


def test_the_comparison_catches_a_disagreement() -> None:
    pyproject, env = load()
    env["dependencies"] = [d for d in env["dependencies"] if not str(d).startswith("papermill")] + ["numpy<2", "extra-pkg"]
    env["dependencies"] = [d for d in env["dependencies"] if d != "numpy>=1.26"]
    problems = disagreements(pyproject, env)
    assert any(p.startswith("papermill:") for p in problems)
    assert any(p.startswith("numpy:") for p in problems)
    assert "extra-pkg: only in environment.yml" in problems


def test_a_pypi_only_package_counts_from_the_pip_list_with_its_range() -> None:
    pyproject, env = load()
    pip_list = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert "mecab-ko>=1.0.2,<2" in pip_list and disagreements(pyproject, env) == []
    pip_list[pip_list.index("mecab-ko>=1.0.2,<2")] = "mecab-ko>=1.0"
    assert disagreements(pyproject, env) == ["mecab-ko: pyproject '>=1.0.2,<2' vs environment.yml '>=1.0'"]
