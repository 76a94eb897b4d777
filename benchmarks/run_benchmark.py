"""Benchmark: the floor, fintech-dq, Great Expectations and Soda Core on the same generated day.

One Python process, one local SparkSession (same cores, same settings) for every tool, so
no tool gets a fresher JVM or a different configuration. Per size, in order: the floor
(plain Spark read of the delivered files, written as Parquet), our validate_batch with its
quarantine split, Great Expectations 1.24 and Soda Core 3.5 on the same plain read. Before
the timed runs every tool runs once on a small day (imports loaded, JVM code compiled), and
every input file is read once so all tools start with the files in the page cache.

Run it through `scripts/benchmark` (it creates .venv-bench, where the three tools install
together); this is a script, not a test. Results: a JSON file in benchmarks/results/ and the
generated parts of docs/benchmarks.md. The numbers are what was measured, never adjusted.
"""

from __future__ import annotations

import argparse
import gc
import os
import shlex
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_inputs  # noqa: E402
import bench_peers  # noqa: E402
import bench_report  # noqa: E402

TOOLS = ("floor", "fintech-dq", "gx", "soda")
# Optional: Soda Core with its shipped DefaultSampler (see bench_peers.counting_sampler).
EXTRA_TOOLS = ("soda-default",)


@dataclass
class Context:
    spark: Any
    rules: Any
    columns: list[str]
    typed: list[bench_inputs.TypedColumn]
    out_root: Path


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/benchmark",
        description="Time fintech-dq against a plain Spark read/write and against "
        "Great Expectations and Soda Core on the same generated data.",
    )
    parser.add_argument(
        "--rows",
        default="1000000,10000000",
        help="comma-separated sizes in rows (default: 1000000,10000000)",
    )
    parser.add_argument(
        "--tools",
        default=",".join(TOOLS),
        help=f"comma-separated, in order, of {','.join(TOOLS + EXTRA_TOOLS)} "
        f"(default {','.join(TOOLS)})",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="timed runs per tool and size (median kept)"
    )
    parser.add_argument("--cores", type=int, default=2, help="Spark local[N] (default 2)")
    parser.add_argument("--driver-memory", default="8g", help="spark.driver.memory (default 8g)")
    parser.add_argument(
        "--business-date",
        type=date.fromisoformat,
        default=None,
        help="business day of the generated data (default: that of data already generated, "
        "else yesterday UTC)",
    )
    parser.add_argument("--seed", type=int, default=20261129, help="generator seed")
    parser.add_argument("--data-dir", type=Path, default=REPO / "var" / "bench-data")
    parser.add_argument("--out-dir", type=Path, default=REPO / "var" / "bench-out")
    parser.add_argument(
        "--warmup-rows", type=int, default=20000, help="rows of the untimed warm-up day (0: none)"
    )
    parser.add_argument(
        "--no-doc",
        action="store_true",
        help="do not rewrite docs/benchmarks.md (JSON still written)",
    )
    parser.add_argument(
        "--doc-only",
        action="store_true",
        help="only rewrite docs/benchmarks.md from the results files kept; run nothing",
    )
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.rows.split(",") if s.strip()]
    args.tool_list = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(args.tool_list) - set(TOOLS) - set(EXTRA_TOOLS)
    if unknown:
        parser.error(f"unknown tools: {sorted(unknown)}")
    if "floor" not in args.tool_list:
        print("[bench] note: without the floor there are no ratios", flush=True)
    return args


# --- the four timed runs ----------------------------------------------------------------------


def run_floor(
    ctx: Context, day: bench_inputs.BenchDay, params: bench_peers.RunParameters
) -> tuple[str, dict[str, Any]]:
    out = ctx.out_root / "floor"
    frame = bench_inputs.plain_read(ctx.spark, day.files, ctx.columns)
    frame.write.mode("overwrite").parquet(str(out))
    return "read + write Parquet", {"output": str(out)}


def run_engine(
    ctx: Context, day: bench_inputs.BenchDay, params: bench_peers.RunParameters
) -> tuple[str, dict[str, Any]]:
    # The engine's public API (issue 2): rules parsed, one day validated, outputs written.
    from fintech_dq.contract import load_rules
    from fintech_dq.engine import OutputLocations, ValidationRequest, validate_batch
    from fintech_dq.rules import rules_path

    out = ctx.out_root / "fintech-dq"
    result = validate_batch(
        ctx.spark,
        load_rules(rules_path("transactions")),
        ValidationRequest(
            dataset="transactions",
            business_date=day.business_date,
            inputs=[str(day.day_dir)],
            references={"merchants": str(day.merchants_csv)},
            outputs=OutputLocations.under(out),
            now=params.now.replace(tzinfo=UTC),
        ),
    )
    document = result.document
    counts = document["counts"]
    failures = {
        r["rule_id"] if "rule_id" in r else r.get("id"): r.get("failures")
        for r in document.get("rule_results", [])
    }
    note = (
        f"run status {document['status']}; processed {counts['processed']:,}, quarantined "
        f"{counts['quarantined']:,}, rejected {counts['rejected']:,} of {counts['rows_in']:,}"
    )
    return note, {
        "status": document["status"],
        "counts": counts,
        "engine_seconds": document.get("duration_seconds"),
        "results_uri": result.results_uri,
        "rule_failures": failures,
    }


def _peer_input(
    ctx: Context, day: bench_inputs.BenchDay, reference: bench_peers.ReferenceData
) -> tuple[Any, int]:
    from pyspark import StorageLevel

    bench_peers.register_reference_views(ctx.spark, reference)
    frame = bench_inputs.typed_view(
        bench_inputs.plain_read(ctx.spark, day.files, ctx.columns), ctx.typed
    )
    frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
    return frame, frame.count()


def run_gx(
    ctx: Context, day: bench_inputs.BenchDay, params: bench_peers.RunParameters
) -> tuple[str, dict[str, Any]]:
    started = time.perf_counter()
    reference = bench_peers.load_reference_data(day.merchants_csv)
    frame, count = _peer_input(ctx, day, reference)
    read_seconds = time.perf_counter() - started
    try:
        outcome = bench_peers.run_gx(ctx.spark, frame, reference, params)
    finally:
        check_seconds = time.perf_counter() - started - read_seconds
        frame.unpersist()
    failed = sum(1 for o in outcome["outcomes"] if not o["success"])
    note = (
        f"read+cast+cache {read_seconds:.1f} s, {outcome['expectations']} expectations "
        f"{check_seconds:.1f} s ({failed} unmet, {outcome['errors']} errors)"
    )
    return note, {
        "rows_read": count,
        "read_seconds": read_seconds,
        "check_seconds": check_seconds,
        **outcome,
    }


def run_soda(
    ctx: Context,
    day: bench_inputs.BenchDay,
    params: bench_peers.RunParameters,
    default_sampler: bool = False,
) -> tuple[str, dict[str, Any]]:
    started = time.perf_counter()
    reference = bench_peers.load_reference_data(day.merchants_csv)
    frame, count = _peer_input(ctx, day, reference)
    read_seconds = time.perf_counter() - started
    try:
        outcome = bench_peers.run_soda(ctx.spark, frame, params, default_sampler)
    finally:
        check_seconds = time.perf_counter() - started - read_seconds
        frame.unpersist()
    failed = sum(1 for o in outcome["outcomes"] if o["outcome"] == "fail")
    note = (
        f"read+cast+cache {read_seconds:.1f} s, {outcome['checks']} checks {check_seconds:.1f} s "
        f"({failed} failed, {'errors' if outcome['errors'] else 'no errors'})"
    )
    return note, {
        "rows_read": count,
        "read_seconds": read_seconds,
        "check_seconds": check_seconds,
        **outcome,
    }


def run_soda_default(
    ctx: Context, day: bench_inputs.BenchDay, params: bench_peers.RunParameters
) -> tuple[str, dict[str, Any]]:
    return run_soda(ctx, day, params, default_sampler=True)


RUNNERS: dict[str, Callable[..., tuple[str, dict[str, Any]]]] = {
    "floor": run_floor,
    "fintech-dq": run_engine,
    "gx": run_gx,
    "soda": run_soda,
    "soda-default": run_soda_default,
}


def timed(
    ctx: Context, tool: str, day: bench_inputs.BenchDay, params: bench_peers.RunParameters
) -> dict[str, Any]:
    """One run of one tool: outputs cleared and caches dropped first (untimed), then timed."""
    out = ctx.out_root / tool
    if out.exists():
        shutil.rmtree(out)
    ctx.spark.catalog.clearCache()
    gc.collect()
    ctx.spark.sparkContext._jvm.java.lang.System.gc()
    load_at_start = bench_report.load_average()
    started = time.perf_counter()
    try:
        note, detail = RUNNERS[tool](ctx, day, params)
        ok = True
    except Exception as error:  # a failing tool is reported, and the others still run
        note, detail, ok = (
            f"FAILED: {type(error).__name__}: {error}"[:300],
            {"traceback": traceback.format_exc()},
            False,
        )
        traceback.print_exc()
    seconds = time.perf_counter() - started
    print(f"[bench] {day.rows:>12,} rows  {tool:<10} {seconds:8.1f} s  {note}", flush=True)
    return {
        "rows": day.rows,
        "tool": tool,
        "seconds": seconds,
        "ok": ok,
        "note": note,
        # 1-minute load average at start and end: other work on the machine shows here.
        "load": [load_at_start[:1], bench_report.load_average()[:1]],
        "detail": detail,
    }


def write_doc(coverage: dict[str, Any]) -> None:
    bench_report.update_doc(
        {
            "results": bench_report.results_section(),
            "coverage": bench_report.coverage_section(coverage),
        }
    )
    print(f"[bench] updated {bench_report.DOC.relative_to(REPO)}")


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    process_started = time.perf_counter()
    args = parse_args(argv)
    os.environ["FDQ_SPARK_DRIVER_MEMORY"] = args.driver_memory
    os.environ.setdefault("FDQ_SPARK_LOG_LEVEL", "ERROR")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # No console progress bars (display only; the same for every tool).
    os.environ.setdefault(
        "PYSPARK_SUBMIT_ARGS", "--conf spark.ui.showConsoleProgress=false pyspark-shell"
    )
    bench_peers.quiet_soda(args.out_dir / ".soda")

    from fintech_dq.contract import load_rules
    from fintech_dq.rules import rules_path
    from fintech_dq.spark_session import local_spark

    rules = load_rules(rules_path("transactions"))
    rule_ids = [r.id for r in rules.row_rules] + [r.id for r in rules.batch_rules]
    coverage = bench_peers.load_coverage(rule_ids)
    bench_peers.check_coverage_matches_suites(coverage)
    if args.doc_only:
        write_doc(coverage)
        return 0

    business_date = args.business_date or next(
        (
            d
            for d in (bench_inputs.existing_business_date(args.data_dir, s) for s in args.sizes)
            if d
        ),
        datetime.now(UTC).date() - timedelta(days=1),
    )
    spark = local_spark("fintech-dq-benchmark", cores=args.cores)
    machine = bench_report.machine_info(spark)
    print(
        f"[bench] {machine['cores']} cores {machine['cpu_model']}, {machine['memory_gib']} GiB, "
        f"{machine['java']}, Spark {machine['spark']} {machine['spark_master']}",
        flush=True,
    )
    ctx = Context(
        spark=spark,
        rules=rules,
        columns=list(rules.column_names),
        typed=[
            bench_inputs.TypedColumn(
                c.name,
                "timestamp"
                if c.kind == "timestamp"
                else f"decimal({c.precision_scale[0]},{c.precision_scale[1]})",
                None if c.null_means is None else str(c.null_means),
            )
            for c in rules.columns
            if c.kind in ("decimal", "timestamp")
        ],
        out_root=args.out_dir,
    )

    def parameters(day: bench_inputs.BenchDay) -> bench_peers.RunParameters:
        reference = bench_peers.load_reference_data(day.merchants_csv)
        return bench_peers.RunParameters(
            business_date=day.business_date,
            now=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
            contract_columns=ctx.columns,
            bic_regex=bench_peers.bic_regex(reference.iso3166_alpha2),
        )

    warmup: list[dict[str, Any]] = []
    if args.warmup_rows:
        day = bench_inputs.ensure_day(args.data_dir, args.warmup_rows, business_date, args.seed)
        params = parameters(day)
        print(
            f"[bench] warm-up on {args.warmup_rows:,} rows (not timed in the results)", flush=True
        )
        ctx.out_root = args.out_dir / f"rows={day.rows}"
        warmup = [timed(ctx, tool, day, params) for tool in args.tool_list]

    measurements: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    load_before = bench_report.load_average()
    started_at = datetime.now(UTC)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    entry = os.environ.get("FDQ_BENCH_ENTRY") or f"python {sys.argv[0]}"
    command = shlex.join([*shlex.split(entry), *argv])

    def document(in_progress: bool) -> dict[str, Any]:
        """The results document; rewritten after every timed run, so a stopped run leaves
        what it measured (marked in progress, and then left out of docs/benchmarks.md)."""
        return {
            "command": command,
            "in_progress": in_progress,
            "started_at": started_at.isoformat(timespec="seconds"),
            "finished_at": None if in_progress else datetime.now(UTC).isoformat(timespec="seconds"),
            "process_seconds": round(time.perf_counter() - process_started, 1),
            "sizes": args.sizes,
            "tools": args.tool_list,
            "repeat": args.repeat,
            "complete": all(m["ok"] for m in measurements),
            "machine": machine,
            "versions": bench_peers.environment_versions(),
            "load_before": load_before,
            "load_after": None if in_progress else bench_report.load_average(),
            "data": data,
            "summary": bench_report.summarize(measurements),
            "measurements": measurements,
            "warmup": [{k: v for k, v in w.items() if k != "detail"} for w in warmup],
            "peer_input": "the same plain Spark read (+ <column>_typed casts), persisted once "
            "per peer run; its read is inside the peer's time",
        }

    for size in args.sizes:
        day = bench_inputs.ensure_day(args.data_dir, size, business_date, args.seed)
        formats = sorted(
            {
                bench_inputs.file_format(p) + (".gz" if p.name.endswith(".gz") else "")
                for p in day.files
            }
        )
        data[str(size)] = {
            "path": str(day.root),
            "business_date": day.business_date.isoformat(),
            "files": len(day.files),
            "megabytes": round(day.total_bytes / 1e6, 1),
            "formats": ", ".join(formats),
            "generated": f"in {day.generated_seconds} s by this run"
            if day.generated_seconds
            else None,
        }
        bench_inputs.warm_page_cache([*day.files, day.merchants_csv])
        params = parameters(day)
        ctx.out_root = args.out_dir / f"rows={size}"
        for _ in range(args.repeat):
            for tool in args.tool_list:
                measurements.append(timed(ctx, tool, day, params))
                bench_report.write_results(document(in_progress=True), stamp)

    final = document(in_progress=False)
    print()
    print(bench_report.table_text(final["summary"]))
    path = bench_report.write_results(final, stamp)
    print(f"\n[bench] results: {path.relative_to(REPO)}")
    if not args.no_doc:
        write_doc(coverage)
    spark.stop()
    return 0 if final["complete"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
