"""Generate business days of transactions with known defects, in bucket A's layout.

    R/transactions/ingest_date=D/<source>-<seq>.<ext> (+ .manifest.json)
    R/reference/merchants/merchants.csv
    R/ground_truth/ingest_date=D/ground_truth.json

Files are written one chunk of rows at a time (defects are placed before any row is
drawn), so memory stays flat from a thousand rows to ten million.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from fintech_dq.sample.defects import DefectMix
from fintech_dq.sample.ground_truth import (
    DefectTruth,
    FileTruth,
    GroundTruth,
    critical_rules,
    expected_status,
    ground_truth_path,
    processed_ids,
)
from fintech_dq.sample.mutations import Target
from fintech_dq.sample.parties import (
    UNKNOWN_MERCHANT_BASE,
    Merchant,
    build_counterparties,
    build_merchants,
    merchant_id,
    write_merchants,
)
from fintech_dq.sample.plan import FORMATS, FilePlan, Injection, place_defects, plan_files
from fintech_dq.sample.rows import COLUMNS, DayPools, RowFactory, TimeStyle, transaction_id
from fintech_dq.sample.writers import open_writer

DEFAULT_FORMATS: tuple[str, ...] = FORMATS
DEFAULT_MAX_ROWS_PER_FILE = 250_000
CHUNK_ROWS = 50_000
MERCHANTS_PATH = Path("reference", "merchants", "merchants.csv")
# How each source writes time: the card network in seconds, the API in milliseconds.
TIME_STYLES = {
    "cardnet": TimeStyle(millis=False, offset_share=0.15),
    "openbank": TimeStyle(millis=True, offset_share=0.10),
    "ledger": TimeStyle(millis=False, offset_share=0.0),
}


def day_folder(root: Path, business_date: date) -> Path:
    return root / "transactions" / f"ingest_date={business_date.isoformat()}"


def generate_day(
    root: Path,
    business_date: date,
    rows: int,
    seed: int = 7,
    defects: DefectMix | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    history: Sequence[GroundTruth] = (),
    max_rows_per_file: int = DEFAULT_MAX_ROWS_PER_FILE,
) -> GroundTruth:
    """One business day under `root`; `defects` None means the default mix.

    `history` (ground truths of earlier generated days) is where `seen_before` ids come
    from; without it that class is left out. Files of an earlier generation of the day
    are replaced.
    """
    mix = defects if defects is not None else DefectMix.named("default")
    files = plan_files(rows, formats, max_rows_per_file)
    counts = mix.counts(rows)
    placement_rng = random.Random(f"fdq-sample:{seed}:{business_date}:defects")
    recent = processed_ids(history, counts.get("seen_before", 0), placement_rng)
    injections = place_defects(
        files, counts, placement_rng, recent, lambda index: transaction_id(business_date, index)
    )
    merchants = build_merchants(seed)
    write_merchants(root / MERCHANTS_PATH, merchants)
    day = _DayWriter(
        business_date,
        seed,
        DayPools(
            business_date,
            tuple(m for m in merchants if m.status == "ACTIVE"),
            build_counterparties(seed),
            accounts=max(1000, rows // 3),
        ),
        tuple(m for m in merchants if m.status == "SUSPENDED"),
    )
    folder = day_folder(root, business_date)
    _clear(folder)
    found: list[DefectTruth] = []
    file_truths: dict[str, FileTruth] = {}
    for plan, mine in _by_file(files, injections):
        file_truths[plan.name] = day.write_file(folder, plan, mine, found)
    truth = GroundTruth(
        business_date=business_date,
        seed=seed,
        rows_total=rows,
        files=file_truths,
        expected_status=expected_status(rows, found),
        defects=found,
        critical_expected=critical_rules(found),
    )
    truth.write(ground_truth_path(root, business_date))
    return truth


def generate_days(
    root: Path,
    last_date: date,
    days: int,
    rows: int,
    seed: int = 7,
    defects: DefectMix | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    *,
    max_rows_per_file: int = DEFAULT_MAX_ROWS_PER_FILE,
) -> list[GroundTruth]:
    """`days` consecutive days ending on `last_date`, to be validated in date order.

    Later days may reuse ids of earlier ones (`seen_before`). Only the last day gets the
    mix's critical defects: earlier days are history, which only a published day makes.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    mix = defects if defects is not None else DefectMix.named("default")
    truths: list[GroundTruth] = []
    for offset in range(days - 1, -1, -1):
        truths.append(
            generate_day(
                root, last_date - timedelta(days=offset), rows, seed,
                mix if offset == 0 else mix.without_critical(), formats,
                history=truths, max_rows_per_file=max_rows_per_file,
            )
        )  # fmt: skip
    return truths


class _DayWriter:
    """Writes the files of one day: clean rows, with the day's injections applied."""

    def __init__(
        self, business_date: date, seed: int, pools: DayPools, suspended: tuple[Merchant, ...]
    ) -> None:
        self.business_date = business_date
        self.seed = seed
        self.pools = pools
        self.suspended = suspended
        self.broken_ibans = {p.iban: p.broken_iban for p in pools.counterparties}

    def write_file(
        self,
        folder: Path,
        plan: FilePlan,
        injections: dict[int, Injection],
        found: list[DefectTruth],
    ) -> FileTruth:
        """`injections` by position in the file; appends what it injected to `found`."""
        rng = random.Random(f"fdq-sample:{self.seed}:{self.business_date}:{plan.name}")
        factory = RowFactory(self.pools, plan.source, TIME_STYLES[plan.source], rng)
        writer = open_writer(folder / plan.name, plan.fmt)
        rejected = 0
        for chunk_start in range(0, plan.count, CHUNK_ROWS):
            size = min(CHUNK_ROWS, plan.count - chunk_start)
            here = {
                i - chunk_start: inj
                for i, inj in injections.items()
                if chunk_start <= i < chunk_start + size
            }
            forced = {p: (inj.defect.base_type, inj.defect.base_status) for p, inj in here.items()}
            columns = factory.chunk(plan.start + chunk_start, size, forced)
            broken: set[int] = set()
            for position, injection in sorted(here.items()):
                row = {name: columns[c][position] for c, name in enumerate(COLUMNS)}
                defect = injection.defect
                if defect.mutate is None:
                    broken.add(position)
                    rejected += 1
                else:
                    defect.mutate(row, self._target(rng, injection))
                    for c, name in enumerate(COLUMNS):
                        columns[c][position] = row[name]
                found.append(
                    DefectTruth(
                        file=plan.name,
                        line=plan.first_line + chunk_start + position,
                        transaction_id=row["transaction_id"],
                        defect=defect.name,
                        expected_rules=list(defect.rules),
                        expected_outcome=defect.outcome,
                    )
                )
            writer.write(columns, broken)
        writer.close()
        return FileTruth(records=plan.count, rejected_expected=rejected)

    def _target(self, rng: random.Random, injection: Injection) -> Target:
        return Target(
            business_date=self.business_date,
            rng=rng,
            reuse_id=injection.reuse_id,
            suspended=self.suspended,
            broken_ibans=self.broken_ibans,
            unknown_merchant_id=merchant_id(UNKNOWN_MERCHANT_BASE + rng.randrange(99_999)),
        )


def _by_file(
    files: Sequence[FilePlan], injections: dict[int, Injection]
) -> list[tuple[FilePlan, dict[int, Injection]]]:
    """Each file with its injections, keyed by position in the file."""
    starts = [plan.start for plan in files]
    grouped: list[dict[int, Injection]] = [{} for _ in files]
    for index, injection in injections.items():
        number = bisect_right(starts, index) - 1
        grouped[number][index - starts[number]] = injection
    return list(zip(files, grouped, strict=True))


def _clear(folder: Path) -> None:
    """Removes an earlier generation of the day: files named like ours, nothing else."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.iterdir():
        if path.is_file() and _GENERATED_NAME.match(path.name):
            path.unlink()


_GENERATED_NAME = re.compile(r"^(cardnet|openbank|ledger)-[0-9]{3}\.")
