"""The parse, file by file: the engine's ingest against Spark's own reader of the same file.

For each delivered file of a generated day, in one process and repeated (the first repeat
pays the JVM's warm-up): Spark's plain read (bench_inputs.plain_read, the floor's read)
and the engine's read_batch into its kept lines, each forced by a no-op write. Wall
seconds; the CPU per line is about wall x cores used / lines (a gzip file is one task on
one core). A profiling aid, not a benchmark: the figures per format in docs/benchmarks.md
"Why 2x is out of reach" come from it.

    .venv-bench/bin/python benchmarks/parse_per_file.py var/bench-data/rows=1000000 --repeat 3
"""

from __future__ import annotations

import time

from bench_inputs import data_files, plain_read, profiled_day
from pyspark.sql import DataFrame

from fintech_dq.contract import load_rules
from fintech_dq.engine import jvm_calls
from fintech_dq.ingest import read_batch
from fintech_dq.rules import rules_path
from fintech_dq.spark_session import local_spark


def main() -> None:
    asked = profiled_day(__doc__.split("\n\n")[0], default_repeat=3)
    spark = local_spark(cores=asked.cores)
    jvm_calls.install()  # as validate_batch does
    rules = load_rules(rules_path("transactions"))
    names = [c.name for c in rules.columns]
    for repeat in range(asked.repeat):
        for path in data_files(asked.day_dir):
            plain = _noop_seconds(plain_read(spark, [path], names))
            batch = read_batch(spark, [str(path)], rules.columns)
            try:
                parsed = _noop_seconds(batch.lines)
            finally:
                batch.close()
            print(f"{repeat + 1} {path.name:32} plain read {plain:6.2f} s  engine {parsed:6.2f} s")


def _noop_seconds(frame: DataFrame) -> float:
    """Wall seconds to compute every row of `frame` (a no-op write)."""
    started = time.perf_counter()
    frame.write.format("noop").mode("overwrite").save()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
