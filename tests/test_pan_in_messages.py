"""A card number keyed into a number column must not come back out through a value a rule
computes from it: settlement_amount.matches_fx once showed amount × fx_rate, which with
fx_rate 1 is the card number itself, unmasked in quarantine/ and results."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from clean_row import DAY, ROW, validate_day

PAN = "4900000120000438"  # Luhn-valid Visa
FX_RULE = "settlement_amount.matches_fx"
ROWS = {
    "TXPAN0001": {"amount": PAN, "fx_rate": "1", "settlement_amount": "29.14"},
    "TXPAN0002": {"amount": f"{PAN}.00", "fx_rate": "1.00000000", "settlement_amount": "29.14"},
    # 15 of the 16 digits (the last one follows from Luhn)
    "TXPAN0003": {"amount": PAN, "fx_rate": "0.1", "settlement_amount": "29.14"},
    # not a card number to the scan (the point splits it), but the product is one
    "TXPAN0004": {"amount": f"{PAN[:-1]}.{PAN[-1]}", "fx_rate": "10", "settlement_amount": "1"},
    "TXPAN0005": {"amount": "100.00", "fx_rate": "0.9", "settlement_amount": "80.00"},
}


def _validate(spark: Any, rules: Any, tmp_path: Path) -> dict[str, Any]:
    day = tmp_path / "in" / f"ingest_date={DAY}"
    day.mkdir(parents=True)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(ROW))
    for transaction_id, changes in ROWS.items():
        writer.writerow(list({**ROW, "transaction_id": transaction_id, **changes}.values()))
    (day / "fx-001.csv").write_text(text.getvalue(), encoding="utf-8")
    return validate_day(spark, rules, day, tmp_path / "out")


def test_a_card_number_in_amount_never_comes_back_in_the_fx_message(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    document = _validate(spark, transactions_rules, tmp_path)

    table = pq.read_table(tmp_path / "out" / "quarantine" / f"business_date={DAY}")
    quarantined = {r["transaction_id"]: r for r in table.to_pylist()}
    fx_messages = {
        transaction_id: next(
            v["message"]
            for v in quarantined[transaction_id]["dq_violations"]
            if v["rule_id"] == FX_RULE
        )
        for transaction_id in ROWS
    }
    hidden = (
        "settlement_amount {} differs from amount × fx_rate "
        "(not shown: 13-19 digits, as a card number has) by more than 1 minor unit(s)"
    )
    assert fx_messages == {
        "TXPAN0001": hidden.format("'29.14'"),
        "TXPAN0002": hidden.format("'29.14'"),
        "TXPAN0003": hidden.format("'29.14'"),
        "TXPAN0004": hidden.format("'1'"),
        "TXPAN0005": (
            "settlement_amount '80.00' differs from amount × fx_rate = 90.0000 "
            "by more than 1 minor unit(s)"
        ),
    }
    for row in quarantined.values():
        for violation in row["dq_violations"]:
            # no run of 13 digits: no card number, whole or most of one
            assert not re.search("[0-9]{13}", violation["message"]), violation

    written = [json.dumps(document, default=str)]
    written += [json.dumps(r, default=str) for r in quarantined.values()]
    written += [p.read_text("utf-8") for p in (tmp_path / "out").rglob("*.json")]
    assert not [text for text in written if PAN in text]
