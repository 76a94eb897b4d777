"""The `fdq` tool: every verb answers --help; usage errors are clear and exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fintech_dq.cli import build_parser

FDQ = [sys.executable, "-m", "fintech_dq.cli"]


def _verb_paths() -> list[list[str]]:
    """Every verb and sub-verb the parser knows, discovered rather than listed by hand."""
    import argparse

    paths: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    paths.append([*prefix, name])
                    walk(child, [*prefix, name])

    walk(build_parser(), [])
    return paths


def test_top_level_help_lists_the_verbs() -> None:
    result = subprocess.run([*FDQ, "--help"], capture_output=True, text=True, check=True)
    for verb in ("validate", "rules", "sample"):
        assert verb in result.stdout


@pytest.mark.parametrize("path", _verb_paths(), ids=lambda p: " ".join(p))
def test_every_verb_has_help(path: list[str]) -> None:
    result = subprocess.run([*FDQ, *path, "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "usage: fdq " + " ".join(path) in result.stdout


def test_rules_check_reports_problems_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("dataset: x\nversion: 1.0.0\ncolumns: {a: {type: strng}}\nrules: []\n")
    result = subprocess.run([*FDQ, "rules", "check", str(broken)], capture_output=True, text=True)
    assert result.returncode == 2
    assert f"{broken}:3:" in result.stderr
    assert "columns.a.type" in result.stderr


def test_validate_refuses_a_missing_input(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            *FDQ,
            "validate",
            "--dataset",
            "transactions",
            "--business-date",
            "2026-11-28",
            "--input",
            str(tmp_path / "nope.csv"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "nope.csv does not exist" in result.stderr
