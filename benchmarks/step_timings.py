"""Where validate_batch spends its time: each step of one run timed alone, repeated in one
process (the first repeat pays the JVM's warm-up, later ones show the steady state).

Wall-clock and the JVM's CPU seconds (from /proc, Linux) per step: ingest planning on the
driver, parsing the files into the cached lines, building the checks (incl. the id
lookups), computing and caching the rows kept for the outputs, the figures, the two Parquet
writes. It calls the engine's steps one by one, as engine.runner does (and installs
engine.jvm_calls as validate_batch does): a profiling aid, not an API. The figures in
docs/benchmarks.md "Where the time goes now" come from it.

    .venv/bin/python benchmarks/step_timings.py var/bench-data/rows=1000000 --repeat 2

The data folder is one the benchmark generated (scripts/benchmark --rows N).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TypeVar

from bench_inputs import profiled_day

from fintech_dq import kept_rows
from fintech_dq.contract import load_rules
from fintech_dq.engine import jvm_calls, runner
from fintech_dq.engine.metrics import compute_figures
from fintech_dq.engine.outputs import (
    processed_rows,
    quarantine_rows,
    rows_for_outputs,
    write_partition,
)
from fintech_dq.ingest import read_batch
from fintech_dq.rules import rules_path
from fintech_dq.spark_session import local_spark

T = TypeVar("T")


def main() -> None:
    asked = profiled_day(__doc__.split("\n\n")[0], default_repeat=2)
    references = {"merchants": str(asked.root / "reference/merchants/merchants.csv")}
    spark = local_spark(cores=asked.cores)
    jvm_calls.install()  # as validate_batch does
    jvm: Any = spark.sparkContext._jvm
    timer = _StepTimer(int(jvm.java.lang.ProcessHandle.current().pid()))
    out = Path(tempfile.mkdtemp(prefix="fdq-steps-"))
    for repeat in range(asked.repeat):
        print(f"--- run {repeat + 1} of {asked.repeat}", flush=True)
        _timed_run(spark, timer, str(asked.day_dir), asked.business_date, references, out)
    print(f"outputs in {out} (delete at will)")


def _timed_run(
    spark: Any,
    timer: _StepTimer,
    day: str,
    business_date: date,
    references: dict[str, str],
    out: Path,
) -> None:
    rules = load_rules(rules_path("transactions"))
    now = datetime.combine(business_date + timedelta(days=1), clock_time(6), tzinfo=UTC)
    batch = timer.step("ingest planning (driver)", lambda: read_batch(spark, [day], rules.columns))
    timer.step("parse into the cached lines", batch.lines.count)
    checked, compiled, _ = timer.step(
        "build the checks (incl. id lookups)",
        lambda: runner.check_records(
            spark, rules, batch.records, business_date, now, references, None
        ),
    )
    kept = kept_rows.keep(rows_for_outputs(checked, rules, compiled), batch.keeps_rows)
    timer.step("every rule, kept rows cached", kept.count)
    timer.step("figures", lambda: compute_figures(kept, rules, compiled))
    files = [f.path for f in batch.files]
    processed = processed_rows(kept, rules, "steps")
    timer.step(
        "write processed",
        lambda: write_partition(processed, str(out / "processed"), business_date, files),
    )
    quarantine = quarantine_rows(kept, rules, "steps", [])
    timer.step(
        "write quarantine",
        lambda: write_partition(quarantine, str(out / "quarantine"), business_date, files),
    )
    kept_rows.release(kept)
    batch.close()


class _StepTimer:
    def __init__(self, jvm_pid: int) -> None:
        self.stat = Path(f"/proc/{jvm_pid}/stat")
        self.ticks = os.sysconf("SC_CLK_TCK")

    def jvm_cpu(self) -> float:
        fields = self.stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks  # utime + stime

    def step(self, label: str, work: Callable[[], T]) -> T:
        cpu, started = self.jvm_cpu(), time.perf_counter()
        result = work()
        wall = time.perf_counter() - started
        print(f"{wall:7.2f} s wall {self.jvm_cpu() - cpu:7.2f} s JVM CPU  {label}", flush=True)
        return result


if __name__ == "__main__":
    main()
