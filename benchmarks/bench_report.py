"""What the benchmark records: the machine, the table of times, the JSON and docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import re
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

from pyspark.sql import SparkSession

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "benchmarks" / "results"
DOC = REPO / "docs" / "benchmarks.md"

TOOL_LABELS = {
    "floor": "floor: plain Spark read + Parquet write",
    "fintech-dq": "fintech-dq validate_batch (quarantine split)",
    "gx": "Great Expectations 1.24",
    "soda": "Soda Core 3.5 (spark-df)",
    "soda-default": "Soda Core 3.5, shipped DefaultSampler",
}


def machine_info(spark: SparkSession) -> dict[str, Any]:
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    jvm = spark.sparkContext._jvm
    system = jvm.java.lang.System if jvm is not None else None
    conf = spark.sparkContext.getConf()
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "java": (
            f"{system.getProperty('java.vm.name')} {system.getProperty('java.version')}"
            if system is not None
            else "unknown"
        ),
        "spark": spark.version,
        "spark_master": conf.get("spark.master"),
        "spark_driver_memory": conf.get("spark.driver.memory"),
        "spark_shuffle_partitions": spark.conf.get("spark.sql.shuffle.partitions"),
    }


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def summarize(measurements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (size, tool): the median of the repeats, and its ratio to the floor's."""
    rows: list[dict[str, Any]] = []
    sizes = sorted({m["rows"] for m in measurements})
    for size in sizes:
        of_size = [m for m in measurements if m["rows"] == size]
        tools = list(dict.fromkeys(m["tool"] for m in of_size))
        medians = {
            t: median(m["seconds"] for m in of_size if m["tool"] == t and m["ok"])
            for t in tools
            if any(m["ok"] for m in of_size if m["tool"] == t)
        }
        floor = medians.get("floor")
        for tool in tools:
            runs = [m for m in of_size if m["tool"] == tool]
            seconds = medians.get(tool)
            rows.append(
                {
                    "rows": size,
                    "tool": tool,
                    "seconds": round(seconds, 1) if seconds is not None else None,
                    "runs": [round(m["seconds"], 1) for m in runs],
                    "x_floor": round(seconds / floor, 2) if seconds and floor else None,
                    "note": runs[-1]["note"],
                    "loads": [m.get("load", [[], []]) for m in runs],
                    "ok": all(m["ok"] for m in runs),
                }
            )
    return rows


def table_text(rows: list[dict[str, Any]]) -> str:
    header = f"{'rows':>12}  {'tool':<46} {'wall s':>8} {'x floor':>8}  notes"
    lines = [header, "-" * len(header)]
    for r in rows:
        seconds = f"{r['seconds']:.1f}" if r["seconds"] is not None else "failed"
        ratio = f"{r['x_floor']:.2f}" if r["x_floor"] is not None else "-"
        label = TOOL_LABELS.get(r["tool"], r["tool"])
        lines.append(f"{r['rows']:>12,}  {label:<46} {seconds:>8} {ratio:>8}  {r['note']}")
    return "\n".join(lines)


def table_markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| rows | tool | wall-clock s | × floor | load at start → end | what the time covers |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        seconds = f"{r['seconds']:.1f}" if r["seconds"] is not None else "failed"
        if len(r["runs"]) > 1:
            seconds += f" (runs: {', '.join(f'{s:.1f}' for s in r['runs'])})"
        ratio = f"{r['x_floor']:.2f}" if r["x_floor"] is not None else "–"
        label = TOOL_LABELS.get(r["tool"], r["tool"])
        load = " / ".join(f"{a[0]:.1f} → {b[0]:.1f}" for a, b in r["loads"] if a and b) or "?"
        lines.append(f"| {r['rows']:,} | {label} | {seconds} | {ratio} | {load} | {r['note']} |")
    return "\n".join(lines)


def write_results(document: dict[str, Any], stamp: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    sizes = "-".join(str(s) for s in document["sizes"])
    path = RESULTS_DIR / f"benchmark-{stamp}-rows-{sizes}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def latest_per_size() -> dict[int, tuple[Path, dict[str, Any]]]:
    """For each size, the newest results file that measured it (runs may cover one size)."""
    found: dict[int, tuple[Path, dict[str, Any]]] = {}
    for path in sorted(RESULTS_DIR.glob("benchmark-*.json")):
        try:
            document = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if document.get("in_progress"):
            continue
        for size in document.get("sizes", []):
            found[int(size)] = (path, document)
    return found


def results_section() -> str:
    """The generated results part of docs/benchmarks.md, from the JSON files kept."""
    per_size = latest_per_size()
    if not per_size:
        return "_No results recorded yet: run `scripts/benchmark`._"
    parts = []
    for size in sorted(per_size):
        path, document = per_size[size]
        rows = [r for r in summarize(document["measurements"]) if r["rows"] == size]
        machine = document["machine"]
        versions = document["versions"]
        generated = document["data"].get(str(size), {})
        parts.append(
            "\n".join(
                [
                    f"### {size:,} rows",
                    "",
                    f"Measured {document['finished_at']} (UTC), results file "
                    f"[`{path.relative_to(REPO)}`](../{path.relative_to(REPO)}); command: "
                    f"`{document['command']}`.",
                    "",
                    table_markdown(rows),
                    "",
                    f"- Machine: {machine['cores']} cores ({machine['cpu_model']}), "
                    f"{machine['memory_gib']} GiB memory, {machine['os']}; {machine['java']}; "
                    f"Spark {machine['spark']} `{machine['spark_master']}`, driver memory "
                    f"{machine['spark_driver_memory']}, "
                    f"{machine['spark_shuffle_partitions']} shuffle partitions; "
                    f"Python {machine['python']}.",
                    f"- Packages: great-expectations {versions.get('great-expectations')}, "
                    f"soda-core-spark-df {versions.get('soda-core-spark-df')}, pyspark "
                    f"{versions.get('pyspark')}, pandas {versions.get('pandas')}, fintech-dq "
                    f"{versions.get('fintech-dq')}.",
                    f"- Input: {generated.get('files', '?')} files, "
                    f"{generated.get('megabytes', '?')} MB as delivered "
                    f"({generated.get('formats', '?')}); "
                    f"generated {generated.get('generated') or 'by an earlier run, reused'}.",
                    "- Load average before / after the timed runs: "
                    f"{document.get('load_before')} / "
                    f"{document.get('load_after')}; whole benchmark process "
                    f"{document.get('process_seconds')} s.",
                ]
            )
        )
    return "\n\n".join(parts)


def coverage_section(coverage: dict[str, Any]) -> str:
    marks = {"native": "yes", "custom_sql": "custom SQL", "partial": "partly", "no": "**no**"}
    lines = [
        "| our rule | Great Expectations 1.24 | Soda Core 3.5 | note |",
        "|---|---|---|---|",
    ]
    for rule_id, entry in coverage["rules"].items():
        gx, soda = marks[entry["gx"]], marks[entry["soda"]]
        lines.append(f"| `{rule_id}` | {gx} | {soda} | {entry.get('note', '')} |")
    counts = {}
    for peer in ("gx", "soda"):
        values = [e[peer] for e in coverage["rules"].values()]
        counts[peer] = {k: values.count(k) for k in marks}
    lines += [
        "",
        f"Of {len(coverage['rules'])} rules: Great Expectations expresses "
        f"{counts['gx']['native']} natively, {counts['gx']['custom_sql']} only through SQL we "
        f"wrote, {counts['gx']['partial']} partly and {counts['gx']['no']} not at all; Soda Core "
        f"{counts['soda']['native']} natively, {counts['soda']['custom_sql']} through SQL, "
        f"{counts['soda']['partial']} partly, {counts['soda']['no']} not at all.",
        "",
        "Beyond the rules, the engine's timed run also does what neither peer does:",
        "",
        *[f"- {item}" for item in coverage.get("beyond_rules", [])],
    ]
    return "\n".join(lines)


def _keeping_markers(body: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group(1) + body + "\n" + match.group(2)


def update_doc(sections: dict[str, str]) -> None:
    """Replace each `<!-- BEGIN GENERATED: name -->` block of docs/benchmarks.md."""
    text = DOC.read_text()
    for name, body in sections.items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.S
        )
        if not pattern.search(text):
            raise SystemExit(f"{DOC}: no generated block named {name!r}")
        text = pattern.sub(_keeping_markers(body), text)
    DOC.write_text(text)
