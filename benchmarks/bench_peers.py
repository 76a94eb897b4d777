"""The peers: Great Expectations 1.24 and Soda Core 3.5 running our rules that they can express.

Both get the same DataFrame: the plain read of the delivered files plus `<column>_typed`
casts (bench_inputs.typed_view), persisted once at the start of their timed run, which is
also what GX does by default with a DataFrame it is given. Reference data comes from the
same sources the engine uses, as temporary views (Soda reference checks, SQL joins) or as
code lists pasted into the GX suite.
"""

from __future__ import annotations

import copy
import json
import logging
import sys
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import IntegerType, StringType, StructField, StructType

SUITES = Path(__file__).resolve().parent / "suites"
GX_SUITE = SUITES / "gx_transactions.json"
SODA_CHECKS = SUITES / "soda_transactions.yml"
COVERAGE = SUITES / "coverage.yaml"

# ISO 8601 date and time with seconds, optional fraction, and an offset (Z or +hh:mm).
TIMESTAMP_REGEX = (
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
    "([.][0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"
)


@dataclass(frozen=True)
class ReferenceData:
    """Code sets as the engine sees them, and where the merchants table is."""

    iso4217_minor_units: dict[str, int]
    iso3166_alpha2: list[str]
    iso18245: list[str]
    merchants_csv: Path

    def code_set(self, name: str) -> list[str]:
        if name == "iso4217":
            return sorted(self.iso4217_minor_units)
        if name == "iso3166_alpha2":
            return self.iso3166_alpha2
        if name == "iso18245":
            return self.iso18245
        raise KeyError(name)


@dataclass(frozen=True)
class RunParameters:
    """Values of the run that rules depend on: the clock and the business day's window."""

    business_date: date
    now: datetime  # naive UTC, like the session's timestamps
    contract_columns: list[str]
    bic_regex: str

    @property
    def window_start(self) -> datetime:
        return datetime.combine(self.business_date - timedelta(days=3), datetime.min.time())

    @property
    def window_end(self) -> datetime:
        return datetime.combine(self.business_date + timedelta(days=1), datetime.min.time())


def load_reference_data(merchants_csv: Path) -> ReferenceData:
    """The code sets the engine validates against (its own module when it offers them)."""
    currencies, countries, mccs = _engine_code_sets()
    return ReferenceData(currencies, countries, mccs, merchants_csv)


def _engine_code_sets() -> tuple[dict[str, int], list[str], list[str]]:
    """The very lists the engine's code_set and currency rules use."""
    from fintech_dq.reference.countries import alpha2_codes
    from fintech_dq.reference.currencies import minor_units
    from fintech_dq.reference.mcc import mcc_codes

    return dict(minor_units()), sorted(alpha2_codes()), sorted(mcc_codes())


def bic_regex(countries: list[str]) -> str:
    """8 or 11 characters: bank (4 letters), country (an ISO 3166 code), location, branch."""
    return "^[A-Z]{4}(" + "|".join(countries) + ")[A-Z0-9]{2}([A-Z0-9]{3})?$"


def register_reference_views(spark: SparkSession, reference: ReferenceData) -> None:
    """Temporary views the suites join: code sets, merchants, and the (empty) id history."""
    spark.createDataFrame(
        sorted(reference.iso4217_minor_units.items()),
        StructType([StructField("code", StringType()), StructField("minor_units", IntegerType())]),
    ).createOrReplaceTempView("iso4217")
    for name in ("iso3166_alpha2", "iso18245"):
        spark.createDataFrame(
            [(c,) for c in reference.code_set(name)],
            StructType([StructField("code", StringType())]),
        ).createOrReplaceTempView(name)
    spark.read.option("header", True).csv(str(reference.merchants_csv)).createOrReplaceTempView(
        "merchants"
    )
    # The engine runs against an empty processed history in the benchmark; so do the peers.
    spark.createDataFrame(
        [], StructType([StructField("transaction_id", StringType())])
    ).createOrReplaceTempView("processed_history")


# --- Great Expectations --------------------------------------------------------------------


def gx_expectations(reference: ReferenceData, params: RunParameters) -> list[dict[str, Any]]:
    """The suite file's expectations with its {"$code_set"} / {"$param"} values filled in."""
    suite = json.loads(GX_SUITE.read_text())
    values: dict[str, Any] = {
        "contract_columns": params.contract_columns,
        "timestamp_regex": TIMESTAMP_REGEX,
        "bic_regex": params.bic_regex,
        "now": params.now,
        "window_start": params.window_start,
        "window_end": params.window_end,
    }

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"$code_set"}:
                return reference.code_set(node["$code_set"])
            if set(node) == {"$param"}:
                return values[node["$param"]]
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    return [fill(copy.deepcopy(e)) for e in suite["expectations"]]


def run_gx(
    spark: SparkSession, frame: DataFrame, reference: ReferenceData, params: RunParameters
) -> dict[str, Any]:
    """Validate `frame` with the GX suite; return per-expectation outcomes."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    _quiet_gx(context)
    source = context.data_sources.add_spark(name="benchmark")
    asset = source.add_dataframe_asset(name="transactions")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_day")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        suite = context.suites.add(
            gx.ExpectationSuite(
                name="transactions_v1", expectations=gx_expectations(reference, params)
            )
        )
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        # BASIC: counts plus up to 20 unexpected values per expectation, like our samples.
        result = batch.validate(suite, result_format="BASIC")
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        info = item.exception_info or {}
        raised = bool(info.get("raised_exception"))
        outcomes.append(
            {
                "rule": (config.meta or {}).get("rule"),
                "expectation": config.type,
                "success": bool(item.success),
                "unexpected_count": item.result.get(
                    "unexpected_count", item.result.get("observed_value")
                ),
                "error": str(info.get("exception_message")) if raised else None,
            }
        )
    return {
        "success": bool(result.success),
        "expectations": len(outcomes),
        "errors": sum(1 for o in outcomes if o["error"]),
        "outcomes": outcomes,
    }


def _quiet_gx(context: Any) -> None:
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # progress bars are cosmetic: never fail a run over them
        pass
    logging.getLogger("great_expectations").setLevel(logging.ERROR)


# --- Soda Core -----------------------------------------------------------------------------


def quiet_soda(config_dir: Path) -> None:
    """Point Soda's global config at the benchmark's folder, with usage telemetry off.

    Must run before soda.scan is imported: the telemetry singleton reads it on import.
    """
    config = config_dir / "soda-config.yml"
    config_dir.mkdir(parents=True, exist_ok=True)
    config.write_text("send_anonymous_usage_stats: false\nuser_cookie_id: fintech-dq-benchmark\n")
    from soda.common.config_helper import ConfigHelper

    ConfigHelper.get_instance(str(config))
    logging.getLogger("soda").setLevel(logging.ERROR)


def soda_variables(params: RunParameters) -> dict[str, str]:
    fmt = "%Y-%m-%d %H:%M:%S"
    return {
        "TIMESTAMP_REGEX": TIMESTAMP_REGEX,
        "BIC_REGEX": params.bic_regex,
        "NOW": params.now.strftime(fmt),
        "WINDOW_START": params.window_start.strftime(fmt),
        "WINDOW_END": params.window_end.strftime(fmt),
    }


def counting_sampler() -> Any:
    """A Soda sampler that counts a check's failed rows with one Spark job and keeps none.

    Soda Core 3.5's DefaultSampler counts failed rows by paging through them 100 at a time,
    and its spark-df cursor runs every page as `count()` plus `offset(n).limit(100)`
    over the whole query: quadratic in the number of failed rows, and the rows are then
    not even kept ("Samples are not sent to Soda Cloud"). Plugging in a sampler is Soda's
    documented way to change this (`scan.sampler = ...`); this one is the cheapest possible,
    giving Soda the benefit of the doubt. The `soda-default` tool measures Soda as shipped.
    """
    from soda.sampler.sample_ref import SampleRef
    from soda.sampler.sampler import Sampler

    class CountingSampler(Sampler):
        def store_sample(self, sample_context: Any) -> SampleRef:
            sample = sample_context.sample
            count = sample.cursor.df.count()
            return SampleRef(
                name=sample_context.sample_name,
                schema=sample.get_schema(),
                total_row_count=count,
                stored_row_count=0,
                type=SampleRef.TYPE_NOT_PERSISTED,
                message="counted by the benchmark's sampler; no rows kept",
            )

    return CountingSampler()


def run_soda(
    spark: SparkSession, frame: DataFrame, params: RunParameters, default_sampler: bool = False
) -> dict[str, Any]:
    """Scan `frame` (as the view `transactions`) with the SodaCL file; return check outcomes."""
    from soda.scan import Scan

    frame.createOrReplaceTempView("transactions")
    scan = Scan()
    if not default_sampler:
        scan.sampler = counting_sampler()
    scan.set_scan_definition_name("fintech-dq-benchmark")
    scan.set_data_source_name("spark_df")
    scan.add_spark_session(spark, data_source_name="spark_df")
    scan.add_variables(soda_variables(params))
    scan.add_sodacl_yaml_file(str(SODA_CHECKS))
    exit_code = scan.execute()
    results = scan.get_scan_results()
    outcomes = [
        {
            "rule": str(c.get("name", "")).split(" | ")[0],
            "check": c.get("name"),
            "outcome": c.get("outcome"),
            "value": (c.get("diagnostics") or {}).get("value"),
        }
        for c in results.get("checks", [])
    ]
    errors = scan.get_error_logs_text() if scan.has_error_logs() else None
    return {
        "exit_code": exit_code,
        "checks": len(outcomes),
        "errors": errors,
        "outcomes": outcomes,
    }


# --- coverage ------------------------------------------------------------------------------


def load_coverage(rule_ids: list[str]) -> dict[str, Any]:
    """The coverage table, checked to name every rule of the rules file (and no other)."""
    coverage = yaml.safe_load(COVERAGE.read_text())
    listed = set(coverage["rules"])
    missing = [r for r in rule_ids if r not in listed]
    unknown = sorted(listed - set(rule_ids))
    if missing or unknown:
        raise SystemExit(
            f"{COVERAGE}: out of date with the rules file (missing: {missing}, unknown: {unknown})"
        )
    for rule_id, entry in coverage["rules"].items():
        for peer in ("gx", "soda"):
            if entry.get(peer) not in {"native", "custom_sql", "partial", "no"}:
                raise SystemExit(f"{COVERAGE}: {rule_id}.{peer} is {entry.get(peer)!r}")
    return dict(coverage)


def suite_rule_ids() -> dict[str, set[str]]:
    """Rule ids each suite file actually checks (to verify the coverage table against)."""
    gx_rules = {str(e["meta"]["rule"]) for e in json.loads(GX_SUITE.read_text())["expectations"]}
    soda_rules = set()
    for line in SODA_CHECKS.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("name: "):
            soda_rules.add(stripped[len("name: ") :].split(" | ")[0])
    return {"gx": gx_rules, "soda": soda_rules}


def check_coverage_matches_suites(coverage: dict[str, Any]) -> None:
    in_suites = suite_rule_ids()
    problems = []
    for rule_id, entry in coverage["rules"].items():
        for peer in ("gx", "soda"):
            expressed = entry[peer] != "no"
            if expressed != (rule_id in in_suites[peer]):
                problems.append(f"{rule_id}: coverage says {peer}={entry[peer]}, suite disagrees")
    if problems:
        raise SystemExit(f"{COVERAGE}: " + "; ".join(problems))


def environment_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in (
        "pyspark",
        "great-expectations",
        "soda-core",
        "soda-core-spark-df",
        "pandas",
        "fintech-dq",
    ):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    found["python"] = sys.version.split()[0]
    return found
