"""`fdq pipeline`: the pipeline's steps against an environment, without Airflow.

`land` delivers sample days into bucket A (as a sender would); `run` runs one business
date through the same step functions the daily DAG calls, in the same order. Airflow is
how the product is operated; this verb is for developers, the demo's history days and
scripting.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fintech_dq.cli import CliError
from fintech_dq.cli.arguments import business_date, positive_int


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pipeline",
        help="land sample days and run the pipeline's steps without Airflow",
        description=(
            "The pipeline's steps against an environment (FDQ_RUNTIME/AWS_ENDPOINT_URL decide "
            'where: `eval "$(fdq local env)"` for the local emulator).'
        ),
    )
    verbs = parser.add_subparsers(dest="pipeline_verb", metavar="ACTION")
    verbs.required = True

    land = verbs.add_parser(
        "land",
        help="generate sample business days and upload them to bucket A",
        description=(
            "Generate K consecutive business days ending on --business-date (files, manifests, "
            "the merchants table) and upload them to bucket A at "
            "transactions/ingest_date=D/. Each upload is an S3 event, as a real delivery."
        ),
    )
    land.add_argument("--business-date", required=True, type=business_date, metavar="YYYY-MM-DD")
    land.add_argument("--days", type=positive_int, default=1, metavar="K", help="default 1")
    land.add_argument("--rows", type=positive_int, default=20000, metavar="N", help="per day")
    land.add_argument("--defects", default="default", metavar="MIX", help="as `fdq sample`")
    land.add_argument("--seed", type=int, default=7, metavar="S")
    land.add_argument(
        "--keep", type=Path, metavar="DIR",
        help="keep the generated files and the ground truth here (default: a temp folder)",
    )  # fmt: skip
    land.add_argument(
        "--from", dest="source", type=Path, metavar="DIR",
        help=(
            "upload days already generated under DIR (`fdq sample generate --out DIR`) "
            "instead of generating them"
        ),
    )  # fmt: skip
    _env_option(land)
    land.set_defaults(handler=_land)

    run = verbs.add_parser(
        "run",
        help="run one business date: validate, publish, report (and, locally, alerts)",
        description=(
            "Run the daily pipeline's steps for one business date that has landed: the "
            "validation job (locally: the Glue script under spark-submit), the run's "
            "metrics, events and audit record, the report, and locally the delivery of "
            "the events to the alert handlers. The job runs in this process's Spark session "
            "(Airflow's tasks run it as a separate spark-submit, as Glue would), so many "
            "days run without a JVM start each. Exit code 3 when the (last) batch is "
            "blocked, 4 when a breaking schema change stopped a day before validation."
        ),
    )
    run.add_argument(
        "--business-date", required=True, type=business_date, metavar="YYYY-MM-DD",
        help="the (last) business date to run",
    )  # fmt: skip
    run.add_argument(
        "--days", type=positive_int, default=1, metavar="K",
        help="run K days ending on --business-date, in date order (default 1)",
    )  # fmt: skip
    run.add_argument(
        "--run-id", metavar="ID",
        help="run id (with --days: a prefix, the date appended); default manual-<date>-<time>",
    )  # fmt: skip
    _env_option(run)
    run.set_defaults(handler=_run)

    fetch = verbs.add_parser(
        "fetch",
        help="copy one business date's outputs, results and report to a local folder",
        description=(
            "Download what the pipeline wrote for one business date (bucket B: processed, "
            "quarantine, rejected; bucket C: results documents, reports, schema diffs) into "
            "DIR, keeping each object's bucket and key as its path: DIR/<bucket>/<key>; and "
            "the report index the day's report links to. Only that date's objects; exit 2 "
            "when nothing is stored for it."
        ),
    )
    fetch.add_argument("--business-date", required=True, type=business_date, metavar="YYYY-MM-DD")
    fetch.add_argument("--to", required=True, type=Path, metavar="DIR")
    _env_option(fetch)
    fetch.set_defaults(handler=_fetch)


def _env_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env", metavar="NAME", help="environment name (default: FDQ_ENV_NAME, else local)"
    )


def _locations(args: argparse.Namespace) -> Any:
    from fintech_dq.pipeline import PipelineLocations

    try:
        return PipelineLocations.resolve(env_name=args.env)
    except Exception as error:
        raise CliError(
            f"cannot reach AWS or the emulator ({error}); locally: `fdq local up`, "
            '`fdq local deploy`, then `eval "$(fdq local env)"`'
        ) from error


def _land(args: argparse.Namespace) -> int:
    from fintech_dq.pipeline.landing import upload_local_day
    from fintech_dq.sample import DefectMix, generate_days

    locations = _locations(args)
    try:
        mix = DefectMix.named(args.defects)
    except ValueError as error:
        raise CliError(str(error)) from error
    with tempfile.TemporaryDirectory(prefix="fdq-land-") as scratch:
        root = args.source or args.keep or Path(scratch)
        if args.source is None:
            days = [
                t.business_date
                for t in generate_days(
                    root, args.business_date, args.days, args.rows, args.seed, mix
                )
            ]
        else:
            days = [args.business_date - timedelta(n) for n in range(args.days - 1, -1, -1)]
        for day in days:
            try:
                keys = upload_local_day(locations, root, day)
            except FileNotFoundError as error:
                raise CliError(str(error)) from error
            print(
                f"landed {day}: {len(keys)} objects in "
                f"s3://{locations.raw_bucket}/{locations.landing_prefix(day)}"
            )
    return 0


def _run(args: argparse.Namespace) -> int:
    from fintech_dq.cli.summary import render_summary
    from fintech_dq.pipeline.daily import BreakingSchemaChange, run_business_date
    from fintech_dq.pipeline.landing import NothingLanded, require_landed

    locations = _locations(args)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    days = [args.business_date - timedelta(n) for n in range(args.days - 1, -1, -1)]
    missing = []
    for day in days:  # all of them before the first day runs (a day takes minutes)
        try:
            require_landed(locations, day)
        except NothingLanded as error:
            missing.append(str(error))
    if missing:
        raise CliError("; ".join(missing) + " (nothing ran; `fdq pipeline land` lands a day)")
    status = 0
    for day in days:
        if args.run_id and args.days == 1:
            run_id = args.run_id
        else:
            run_id = f"{args.run_id or 'manual'}-{day}" + ("" if args.run_id else f"-{stamp}")
        try:
            outcome = run_business_date(locations, day, run_id, in_process=True)
        except BreakingSchemaChange as change:
            print(f"{day}: not validated: {change}")
            status = 4
            continue
        except FileNotFoundError as error:  # as `fdq schema crawl` (e.g. removed meanwhile)
            raise CliError(f"{day}: {error}") from error
        print(render_summary(outcome.results))
        for name, where in outcome.where_to_look().items():
            print(f"{name + ':':<12} {where}")
        print()
        status = 3 if outcome.results["status"] == "blocked" else 0
    return status


def _fetch(args: argparse.Namespace) -> int:
    from fintech_dq.infra import aws
    from fintech_dq.pipeline.staging import download_prefix, list_keys
    from fintech_dq.report import index_key

    locations = _locations(args)
    s3 = aws.client("s3")
    day = args.business_date.isoformat()
    total = 0
    for bucket, prefix in fetch_prefixes(locations, args.business_date):
        total += len(download_prefix(s3, bucket, prefix, args.to / bucket / prefix))
    if not total:
        raise CliError(
            f"nothing stored for business date {day} in s3://{locations.processed_bucket} "
            f"or s3://{locations.audit_bucket} (not run yet? `fdq pipeline run "
            f"--business-date {day}`)"
        )
    print(f"{total} objects of business date {day} copied under {args.to}/")
    index = index_key(locations)
    if list_keys(s3, locations.audit_bucket, index) == [index]:  # the day's report links to it
        target = args.to / locations.audit_bucket / index
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(locations.audit_bucket, index, str(target))
        print(f"and the report index: {target}")
    return 0


def fetch_prefixes(locations: Any, business_date: date) -> list[tuple[str, str]]:
    """(bucket, prefix) of everything the pipeline writes for one business date; each
    prefix ends in the day's partition, so no other day's objects match."""
    partition = f"business_date={business_date.isoformat()}/"
    wanted = [
        (locations.processed_bucket, locations.output_prefix(kind) + partition)
        for kind in ("processed", "quarantine", "rejected")
    ]
    wanted += [
        (locations.audit_bucket, locations.results_prefix + partition),
        (locations.audit_bucket, f"reports/{locations.dataset}/{partition}"),
        (locations.audit_bucket, locations.schema_prefix + partition),
    ]
    return wanted
