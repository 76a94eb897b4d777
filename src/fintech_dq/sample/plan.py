"""Where everything goes before a row is drawn: files of the day and the defective rows.

Rows are numbered across the day in the order the engine breaks ties (file name, then
line), so "an earlier row" means the same thing here as in `transaction_id.unique_in_batch`.
Placing defects up front is what lets files be written one chunk at a time.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fintech_dq.sample.defects import DEFECTS, DefectClass

FORMATS: tuple[str, ...] = ("csv", "csv.gz", "jsonl", "jsonl.gz", "parquet")
SOURCE_OF_FORMAT = {
    "csv": "cardnet", "csv.gz": "cardnet", "jsonl": "openbank", "jsonl.gz": "openbank",
    "parquet": "ledger",
}  # fmt: skip


@dataclass(frozen=True)
class FilePlan:
    name: str
    fmt: str
    start: int  # day-wide number of the file's first row
    count: int

    @property
    def source(self) -> str:
        return SOURCE_OF_FORMAT[self.fmt]

    @property
    def is_text(self) -> bool:
        return self.fmt != "parquet"

    @property
    def first_line(self) -> int:
        """Physical line (Parquet: row ordinal) of the first record: CSV has a header."""
        return 2 if self.fmt.startswith("csv") else 1


@dataclass(frozen=True)
class Injection:
    defect: DefectClass
    reuse_id: str | None = None


def first_line_of(file_name: str) -> int:
    return 2 if ".csv" in file_name else 1


def plan_files(rows: int, formats: Sequence[str], max_rows_per_file: int) -> tuple[FilePlan, ...]:
    """Formats in turn, rows split evenly, each source numbering its files 001, 002, ..."""
    unknown = [f for f in formats if f not in SOURCE_OF_FORMAT]
    if unknown or not formats:
        raise ValueError(f"formats must be some of {', '.join(FORMATS)}; got {list(formats)}")
    if rows < 1 or max_rows_per_file < 1:
        raise ValueError("rows and max_rows_per_file must be at least 1")
    count = min(rows, max(len(formats), math.ceil(rows / max_rows_per_file)))
    sequence: dict[str, int] = {}
    named = []
    for number in range(count):
        fmt = formats[number % len(formats)]
        source = SOURCE_OF_FORMAT[fmt]
        sequence[source] = sequence.get(source, 0) + 1
        share = rows // count + (1 if number < rows % count else 0)
        named.append((f"{source}-{sequence[source]:03d}.{fmt}", fmt, share))
    plans, start = [], 0
    for name, fmt, share in sorted(named):
        plans.append(FilePlan(name, fmt, start, share))
        start += share
    return tuple(plans)


def place_defects(
    files: Sequence[FilePlan],
    counts: dict[str, int],
    rng: random.Random,
    recent_ids: Sequence[str],
    id_of: Callable[[int], str],
) -> dict[int, Injection]:
    """Day-wide row number -> injection. Classes that cannot fit here are left out.

    A class needing a text file is skipped without one; `seen_before` takes one id each
    from `recent_ids`; a duplicate copies `id_of(row)` of a clean row before it.
    """
    rows = sum(f.count for f in files)
    text_ranges = [(f.start, f.count) for f in files if f.is_text]
    text_rows = sum(count for _, count in text_ranges)
    placed: dict[int, Injection] = {}
    history = list(recent_ids)
    for name, wanted in counts.items():
        defect = DEFECTS[name]
        if defect.reuses == "history":
            wanted = min(wanted, len(history))
        space = text_rows if defect.text_only else rows
        for _ in range(wanted):
            index = _free_row(rng, space, text_ranges if defect.text_only else None, placed)
            if index is None:
                break
            reuse = history.pop() if defect.reuses == "history" else None
            placed[index] = Injection(defect, reuse)
    _pair_duplicates(placed, rng, id_of)
    return placed


def _free_row(
    rng: random.Random,
    space: int,
    ranges: list[tuple[int, int]] | None,
    placed: dict[int, Injection],
) -> int | None:
    """A row not yet taken, drawn uniformly from the space (a few tries: defects are rare)."""
    if space <= len(placed):
        return None
    for _ in range(100):
        offset = rng.randrange(space)
        if ranges is not None:
            for start, count in ranges:
                if offset < count:
                    offset = start + offset
                    break
                offset -= count
        if offset not in placed:
            return offset
    return None


def _pair_duplicates(
    placed: dict[int, Injection], rng: random.Random, id_of: Callable[[int], str]
) -> None:
    """Each duplicate copies a distinct clean row before it; one with none is dropped."""
    used: set[int] = set()
    for index in sorted(i for i, inj in placed.items() if inj.defect.reuses == "batch"):
        source = None
        for _ in range(100):
            candidate = rng.randrange(index) if index else None
            if candidate is not None and candidate not in placed and candidate not in used:
                source = candidate
                break
        if source is None:
            del placed[index]
            continue
        used.add(source)
        placed[index] = Injection(placed[index].defect, id_of(source))
