"""The sample generator: deterministic, manifests true to the files, and a ground truth that
a plain-Python reading of the rules (the engine semantics in sample/defects.py) confirms
row by row: clean rows break nothing, each defective row breaks exactly its listed rules.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pycountry
import pytest
from schwifty import BIC, IBAN

from fintech_dq.cli import main
from fintech_dq.contract import load_rules
from fintech_dq.rules import rules_path
from fintech_dq.sample import DEFECTS, DefectMix, GroundTruth, generate_day, generate_days
from fintech_dq.sample.catalog import KNOWN_MCCS, TYPE_DIRECTION, minor_units
from fintech_dq.sample.defects import ERROR_DEFECTS
from fintech_dq.sample.ground_truth import ground_truth_path
from fintech_dq.sample.parties import looks_like_card_number

LAST_DAY = date(2026, 11, 28)
ROWS = 3000
Record = dict[str, str | None]

# --- reading the files back, as a sender's reader would ------------------------------


@dataclass(frozen=True)
class Read:
    file: str
    line: int
    record: Record | None  # None: the record cannot be parsed
    raw: str


def day_folder(root: Path, day: date) -> Path:
    return root / "transactions" / f"ingest_date={day.isoformat()}"


def data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.endswith(".manifest.json"))


def _text(path: Path) -> str:
    data = path.read_bytes()
    return (gzip.decompress(data) if path.name.endswith(".gz") else data).decode("utf-8")


def read_file(path: Path) -> Iterator[Read]:
    if ".csv" in path.name:
        reader = csv.reader(io.StringIO(_text(path), newline=""))
        header = next(reader)
        for fields in reader:
            record = dict(zip(header, [f or None for f in fields], strict=False))
            ok = len(fields) == len(header)
            yield Read(path.name, reader.line_num, record if ok else None, ",".join(fields))
    elif ".jsonl" in path.name:
        for number, line in enumerate(_text(path).splitlines(), 1):
            try:
                yield Read(path.name, number, json.loads(line), line)
            except ValueError:
                yield Read(path.name, number, None, line)
    else:
        for number, row in enumerate(pq.read_table(path).to_pylist(), 1):
            record = {k: _as_text(v) for k, v in row.items()}
            yield Read(path.name, number, record, json.dumps(record))


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def read_day(root: Path, day: date) -> list[Read]:
    return [r for path in data_files(day_folder(root, day)) for r in read_file(path)]


# --- the rules, in plain Python --------------------------------------------------------

PLAIN = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")
ISO_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)
STRING_COLUMNS = (
    "transaction_id", "account_id", "customer_id", "transaction_type", "direction", "status",
    "currency", "settlement_currency", "merchant_id", "mcc", "card_pan", "counterparty_iban",
    "counterparty_bic", "country", "channel",
)  # fmt: skip
DECIMAL_SCALE = {"amount": 4, "fee_amount": 4, "fx_rate": 10, "settlement_amount": 4}


def _minor(code: str | None) -> int | None:
    try:
        return minor_units(code) if code else None
    except KeyError:
        return None


def _decimal(text: str | None, scale: int) -> tuple[Decimal | None, bool]:
    """(value, type ok) under decimal(20, scale)."""
    if text is None:
        return None, True
    match = PLAIN.fullmatch(text)
    if not match or len(match.group(2) or "") > scale or len(match.group(1)) > 20 - scale:
        return None, False
    return Decimal(text), True


def _instant(text: str | None) -> tuple[datetime | None, bool]:
    if text is None:
        return None, True
    if not ISO_TIME.fullmatch(text):
        return None, False
    return datetime.fromisoformat(text), True


def _valid(kind: type, text: str) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


def row_violations(r: Record, day: date, merchants: dict[str, str]) -> set[str]:
    """Every row rule but the two that need the whole batch (unique, seen before)."""
    out: set[str] = set()
    values: dict[str, Decimal | None] = {}
    for column, scale in DECIMAL_SCALE.items():
        values[column], ok = _decimal(r[column], scale)
        if not ok:
            out.add(f"{column}.type")
    created, ok = _instant(r["created_at"])
    out |= set() if ok else {"created_at.type"}
    settled, ok = _instant(r["settled_at"])
    out |= set() if ok else {"settled_at.type"}
    for column in ("transaction_id", "account_id", "customer_id", "amount", "created_at"):
        if r[column] is None:
            out.add(f"{column}.required")
    tx_id, tx_type, status, direction = (
        r["transaction_id"], r["transaction_type"], r["status"], r["direction"]
    )  # fmt: skip
    amount, rate, settlement = values["amount"], values["fx_rate"], values["settlement_amount"]
    fee = values["fee_amount"] if r["fee_amount"] is not None else Decimal(0)
    currency, settle_ccy = r["currency"], r["settlement_currency"]
    checks = {
        "transaction_id.format": tx_id is not None
        and not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", tx_id),
        "transaction_type.allowed": tx_type
        not in ("PURCHASE", "REFUND", "TRANSFER", "WITHDRAWAL", "FEE", "CHARGEBACK"),
        "direction.allowed": direction not in ("DEBIT", "CREDIT"),
        "direction.matches_type": direction is not None
        and TYPE_DIRECTION.get(str(tx_type), direction) != direction,
        "status.allowed": status
        not in ("AUTHORIZED", "SETTLED", "DECLINED", "REVERSED", "REFUNDED"),
        "channel.allowed": r["channel"] not in ("POS", "ECOM", "ATM", "BRANCH", "MOBILE"),
        "amount.positive": amount is not None and amount <= 0,
        "amount.minor_units": amount is not None
        and _minor(currency) is not None
        and -amount.normalize().as_tuple().exponent > int(_minor(currency) or 0),  # type: ignore[operator]
        "currency.iso4217": _minor(currency) is None,
        "fee_amount.non_negative": fee is not None and fee < 0,
        "fee_amount.not_above_amount": fee is not None and amount is not None and fee > amount,
        "settlement_currency.iso4217": _minor(settle_ccy) is None,
        "fx_rate.positive": rate is None or rate <= 0,
        "fx_rate.one_for_same_currency": currency == settle_ccy and rate is not None and rate != 1,
        "settlement_amount.matches_fx": _settlement_fails(amount, rate, settlement, settle_ccy),
        "merchant_id.required_for_card_types": tx_type in ("PURCHASE", "REFUND")
        and r["merchant_id"] is None,
        "merchant_id.known": r["merchant_id"] is not None and r["merchant_id"] not in merchants,
        "merchant_id.not_suspended": merchants.get(str(r["merchant_id"])) == "SUSPENDED",
        "mcc.format": r["mcc"] is not None and not re.fullmatch(r"[0-9]{4}", r["mcc"]),
        "mcc.known": r["mcc"] is not None and r["mcc"] not in KNOWN_MCCS,
        "card_pan.masked": r["card_pan"] is not None
        and not re.fullmatch(r"[0-9]{6}[*]{2,9}[0-9]{4}", r["card_pan"]),
        "card_number.unmasked": any(looks_like_card_number(r[c] or "") for c in STRING_COLUMNS),
        "counterparty_iban.required_for_transfer": tx_type == "TRANSFER"
        and r["counterparty_iban"] is None,
        "counterparty_iban.valid": r["counterparty_iban"] is not None
        and not _valid(IBAN, r["counterparty_iban"]),
        "counterparty_bic.valid": r["counterparty_bic"] is not None
        and not _valid(BIC, r["counterparty_bic"]),
        "country.iso3166": pycountry.countries.get(alpha_2=r["country"] or "") is None,
        "created_at.not_in_future": created is not None
        and created > datetime.combine(day, time(23, 59, 59), UTC),
        "created_at.in_business_window": created is not None
        and not (
            datetime.combine(day - timedelta(days=3), time(), UTC)
            <= created
            < datetime.combine(day + timedelta(days=1), time(), UTC)
        ),
        "settled_at.only_when_settled": r["settled_at"] is not None
        and status not in ("SETTLED", "REFUNDED"),
        "settled_at.required_when_settled": status in ("SETTLED", "REFUNDED")
        and r["settled_at"] is None,
        "settled_at.after_created": created is not None
        and settled is not None
        and settled < created,
    }
    return out | {rule for rule, failed in checks.items() if failed}


def _settlement_fails(
    amount: Decimal | None, rate: Decimal | None, settlement: Decimal | None, currency: str | None
) -> bool:
    if amount is None or rate is None or settlement is None:
        return True
    units = _minor(currency)
    if units is None:
        return False
    step = Decimal(1).scaleb(-units)
    expected = (amount * rate).quantize(step, rounding=ROUND_HALF_EVEN)
    return abs(settlement - expected) > step


def merchants_of(root: Path) -> dict[str, str]:
    with (root / "reference" / "merchants" / "merchants.csv").open(newline="") as handle:
        return {row["merchant_id"]: row["status"] for row in csv.DictReader(handle)}


def defects_by_place(truth: GroundTruth) -> dict[tuple[str, int], dict[str, object]]:
    return {(d.file, d.line): d.__dict__ for d in truth.defects}


def processed_ids(root: Path, truth: GroundTruth) -> set[str]:
    places = defects_by_place(truth)
    return {
        str(r.record["transaction_id"])
        for r in read_day(root, truth.business_date)
        if r.record is not None and (r.file, r.line) not in places
    }


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[GroundTruth]]:
    root = tmp_path_factory.mktemp("sample")
    return root, generate_days(root, LAST_DAY, 2, ROWS, seed=11)


@pytest.fixture(scope="module")
def breach(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    root = tmp_path_factory.mktemp("breach")
    return root, generate_day(root, LAST_DAY, 1000, seed=3, defects=DefectMix.named("pci_breach"))


# --- tests -----------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def test_a_seed_always_writes_the_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        generate_days(tmp_path / name, LAST_DAY, 2, 700, seed=5 if name != "c" else 6)
    first, again, other = (_snapshot(tmp_path / n) for n in ("a", "b", "c"))
    assert len(first) == 2 * 10 + 2 + 1  # 5 files + 5 manifests a day, 2 truths, merchants
    assert first == again
    assert first.keys() == other.keys()
    assert first != other


def test_manifests_describe_the_files_as_written(two_days: tuple[Path, list[GroundTruth]]) -> None:
    root, truths = two_days
    for truth in truths:
        for path in data_files(day_folder(root, truth.business_date)):
            manifest = json.loads(path.with_name(path.name + ".manifest.json").read_text())
            reads = list(read_file(path))
            totals: dict[str, Decimal] = {}
            for r in reads:
                if r.record is None:
                    continue  # an unparsable record adds nothing to the totals
                value = _decimal(r.record["amount"], 4)[0]
                if value is not None:
                    currency = str(r.record["currency"])
                    totals[currency] = totals.get(currency, Decimal(0)) + value
            assert manifest["file"] == path.name
            assert manifest["record_count"] == len(reads) == truth.files[path.name].records
            assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert {c: Decimal(v) for c, v in manifest["totals"].items()} == totals
            assert all(re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v) for v in manifest["totals"].values())


def test_every_row_breaks_exactly_the_rules_the_ground_truth_names(
    two_days: tuple[Path, list[GroundTruth]],
) -> None:
    root, truths = two_days
    merchants = merchants_of(root)
    seen_before: set[str] = set()
    for truth in truths:
        places = defects_by_place(truth)
        first_seen: set[str] = set()
        for r in read_day(root, truth.business_date):  # files by name, then lines
            expected = places.get((r.file, r.line))
            if r.record is None:
                assert expected is not None and expected["expected_outcome"] == "rejected", r
                continue
            found = row_violations(r.record, truth.business_date, merchants)
            tx_id = str(r.record["transaction_id"])
            if tx_id in first_seen:
                found.add("transaction_id.unique_in_batch")
            first_seen.add(tx_id)
            if tx_id in seen_before:
                found.add("transaction_id.not_seen_recently")
            wanted = set(expected["expected_rules"]) if expected else set()  # type: ignore[call-overload]
            assert found == wanted, (r.file, r.line, expected and expected["defect"], r.record)
        seen_before |= processed_ids(root, truth)


def test_clean_rows_are_exact_and_use_real_codes(two_days: tuple[Path, list[GroundTruth]]) -> None:
    root, truths = two_days
    merchants = merchants_of(root)
    truth = truths[-1]
    places = defects_by_place(truth)
    reads = read_day(root, truth.business_date)
    clean = [r.record for r in reads if (r.file, r.line) not in places]
    assert len(clean) == ROWS - len(truth.defects)
    kinds = {str(r["transaction_type"]) for r in clean if r}
    assert kinds == {"PURCHASE", "REFUND", "TRANSFER", "WITHDRAWAL", "FEE", "CHARGEBACK"}
    for r in clean:
        assert r is not None
        amount, currency = Decimal(str(r["amount"])), str(r["currency"])
        assert -amount.normalize().as_tuple().exponent <= minor_units(currency)  # type: ignore[operator]
        rate, settlement_currency = Decimal(str(r["fx_rate"])), str(r["settlement_currency"])
        step = Decimal(1).scaleb(-minor_units(settlement_currency))
        assert Decimal(str(r["settlement_amount"])) == (amount * rate).quantize(
            step, rounding=ROUND_HALF_EVEN
        )
        assert (rate == 1) == (currency == settlement_currency)
        assert r["direction"] == TYPE_DIRECTION.get(str(r["transaction_type"]), r["direction"])
        if r["transaction_type"] == "TRANSFER":
            assert str(IBAN(str(r["counterparty_iban"]))).replace(" ", "") == r["counterparty_iban"]
        if r["counterparty_bic"]:
            BIC(r["counterparty_bic"])
        if r["merchant_id"]:
            assert merchants[r["merchant_id"]] == "ACTIVE"
        assert str(r["created_at"]).endswith(("Z", "+01:00", "+00:00"))
    late = [r for r in clean if r and not str(r["created_at"]).startswith("2026-11-28")]
    assert 0 < len(late) < len(clean) * 0.05  # a few late arrivals, none outside the window


def test_ground_truth_lines_point_at_the_stated_rows(
    two_days: tuple[Path, list[GroundTruth]],
) -> None:
    root, truths = two_days
    for truth in truths:
        reads = {(r.file, r.line): r for r in read_day(root, truth.business_date)}
        assert sum(f.records for f in truth.files.values()) == truth.rows_total == len(reads)
        for d in truth.defects:
            r = reads[(d.file, d.line)]
            if r.record is not None:
                assert r.record["transaction_id"] == d.transaction_id
            else:
                assert str(d.transaction_id) in r.raw
        assert GroundTruth.read(ground_truth_path(root, truth.business_date)) == truth


def test_the_default_mix_injects_every_class_and_names_real_rules(
    two_days: tuple[Path, list[GroundTruth]],
) -> None:
    _, truths = two_days
    rule_ids = {rule.id for rule in load_rules(rules_path("transactions")).row_rules}
    assert {r for d in DEFECTS.values() for r in d.rules} <= rule_ids
    injected = {d.defect for d in truths[-1].defects}
    assert injected == {*ERROR_DEFECTS, "unparsable_line"}
    assert "seen_before" not in {d.defect for d in truths[0].defects}  # no history yet
    assert truths[-1].expected_status == "failed"  # about 2% quarantined > 1%
    assert truths[-1].critical_expected == []


def test_a_pci_breach_blocks_the_batch(breach: tuple[Path, GroundTruth]) -> None:
    root, truth = breach
    assert truth.expected_status == "blocked"
    assert truth.critical_expected == ["card_number.unmasked"]
    (pan,) = [d for d in truth.defects if d.defect == "unmasked_pan_in_card_pan"]
    reads = {(r.file, r.line): r for r in read_day(root, LAST_DAY)}
    record = reads[(pan.file, pan.line)].record
    assert record is not None
    assert row_violations(record, LAST_DAY, merchants_of(root)) == set(pan.expected_rules)


def test_clean_mix_and_parquet_only_days(tmp_path: Path) -> None:
    clean = generate_day(tmp_path / "clean", LAST_DAY, 500, defects=DefectMix.named("none"))
    assert (clean.expected_status, clean.defects) == ("passed", [])
    ledger = generate_day(tmp_path / "ledger", LAST_DAY, 4000, formats=("parquet",))
    assert list(ledger.files) == ["ledger-001.parquet"]
    text_only = {name for name, d in DEFECTS.items() if d.text_only}
    assert ledger.defects and not text_only & {d.defect for d in ledger.defects}


def test_files_split_and_stream_in_chunks(tmp_path: Path) -> None:
    truth = generate_day(
        tmp_path, LAST_DAY, 1200, defects=DefectMix.named("bad_iban"), max_rows_per_file=100
    )
    assert len(truth.files) == 12
    assert "cardnet-003.csv" in truth.files and "ledger-002.parquet" in truth.files
    assert {d.defect for d in truth.defects} == {"bad_iban"}


def test_cli_generates_days_and_explains_its_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["sample", "generate", "--out", str(tmp_path), "--business-date", "2026-11-28"]
    assert main([*argv, "--rows", "300", "--days", "2", "--defects", "none"]) == 0
    assert "2026-11-27: 300 rows" in capsys.readouterr().out
    assert ground_truth_path(tmp_path, date(2026, 11, 27)).exists()
    assert main([*argv, "--rows", "300", "--defects", "seen_before"]) == 2
    assert main([*argv, "--rows", "300", "--defects", "no_such_defect"]) == 2
    with pytest.raises(SystemExit):
        main(["sample", "generate", "--help"])
    help_text = capsys.readouterr().out
    for option in ("--out", "--business-date", "--rows", "--seed", "--defects", "--days"):
        assert option in help_text
