"""scripts/demo's closing steps, without running the demo: the commands it prints work in
the user's shell, and it fetches every day the report index links to."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "scripts" / "demo"


def test_the_commands_it_prints_work_without_the_venv_on_path() -> None:
    text = DEMO.read_text(encoding="utf-8")
    printed = text[text.index("cat <<MSG") : text.index("\nMSG\n")]
    printed = re.sub(r"\$\([^)]*\)", "", printed)  # run by the demo itself, .venv/bin on PATH
    bare = [line.strip() for line in printed.splitlines() if re.search(r"(?<![/\w])fdq ", line)]
    assert bare == []
    assert ".venv/bin/fdq alerts list" in printed


def test_it_fetches_every_day_it_ran_so_the_report_index_has_no_broken_link(
    tmp_path: Path,
) -> None:
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith('echo "[demo] 6/6'))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("eval "))
    fetching = "\n".join(lines[start + 1 : end])
    stub = 'fdq() { printf "%s\\n" "$*" >> "$CALLS"; }\n'  # records each fetch
    calls = tmp_path / "calls"
    environment = {
        "PATH": "/usr/bin:/bin",
        "CALLS": str(calls),
        "DEMO": str(tmp_path),
        "DAY": "2026-11-29",
        "HISTORY_DAYS": "5",  # the history days end the day before DAY
    }
    subprocess.run(["bash", "-euo", "pipefail", "-c", stub + fetching], env=environment, check=True)
    fetched = re.findall(r"--business-date (\S+)", calls.read_text())
    assert fetched == [f"2026-11-{day}" for day in range(24, 30)]
