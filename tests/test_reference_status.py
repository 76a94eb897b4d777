"""A merchant status the contract does not list (ACTIVE, SUSPENDED) is reported and never read
as active: `Suspended`, `SUSPENDED ` or no status at all fail merchant_id.not_suspended."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fintech_dq.engine.runner import check_records

BUSINESS_DATE = date(2026, 11, 28)
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
PAN = "4111111111111111"
ROW = {
    "transaction_id": "TX20261128000001",
    "account_id": "ACC0001",
    "customer_id": "CUS0001",
    "transaction_type": "PURCHASE",
    "direction": "DEBIT",
    "status": "SETTLED",
    "amount": "100.00",
    "currency": "USD",
    "fee_amount": "1.50",
    "settlement_currency": "USD",
    "fx_rate": "1",
    "settlement_amount": "100.00",
    "mcc": "5411",
    "card_pan": "411111******1111",
    "country": "US",
    "channel": "POS",
    "created_at": "2026-11-28T10:00:00Z",
    "settled_at": "2026-11-28T12:00:00Z",
}
# merchant -> its status in each of its rows of the table
STATUSES = {
    "M0001": ["ACTIVE"],
    "M0002": ["Suspended"],
    "M0003": ["SUSPENDED "],
    "M0004": [""],  # no status: read as null
    "M0005": ["SUSPENDED"],
    "M0006": ["ACTIVE", "suspended"],  # listed twice: the unknown value wins
    "M0007": [PAN],  # a card number keyed into the status: never shown
    "M0008": ["ACTIVE", ""],  # a repeat without a status says nothing
}
LISTED = "(not one of ACTIVE, SUSPENDED)"


def _merchants(path: Path) -> str:
    rows = [
        f"{merchant},Shop {merchant},5411,US,2020-01-01,{status}"
        for merchant, statuses in STATUSES.items()
        for status in statuses
    ]
    path.write_text("merchant_id,name,mcc,country,onboarded_at,status\n" + "\n".join(rows) + "\n")
    return str(path)


def _records(spark: Any, rules: Any) -> Any:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType(
        [StructField(c, StringType()) for c in rules.column_names]
        + [StructField("_source_file", StringType()), StructField("_source_line", LongType())]
    )
    data = []
    for line, merchant in enumerate(STATUSES, start=2):
        row = {**ROW, "transaction_id": f"TX2026112800000{line}", "merchant_id": merchant}
        data.append((*[row.get(c) for c in rules.column_names], "tx.csv", line))
    return spark.createDataFrame(data, schema)


def test_an_unknown_merchant_status_fails_the_rule_and_is_reported(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    merchants = _merchants(tmp_path / "merchants.csv")
    checked, compiled, _ = check_records(
        spark,
        transactions_rules,
        _records(spark, transactions_rules),
        BUSINESS_DATE,
        NOW,
        {"merchants": merchants},
        None,
    )
    rows = checked.orderBy("_source_line").collect()
    # What the rule says after the merchant id (shown as checks.base shows values).
    said = {
        row["merchant_id"]: [
            v["message"].split(" has ", 1)[1]
            for v in row["dq_violations"]
            if v["rule_id"] == "merchant_id.not_suspended"
        ]
        for row in rows
    }
    assert said == {
        "M0001": [],
        "M0002": [f"status 'Suspended' {LISTED} in merchants"],
        "M0003": [f"status 'SUSPENDED ' {LISTED} in merchants"],
        "M0004": ["status (missing) in merchants"],
        "M0005": ["status SUSPENDED in merchants"],
        "M0006": [f"status 'suspended' {LISTED} in merchants"],
        "M0007": [f"status '411111******1111' {LISTED} in merchants"],
        "M0008": [],
    }
    for row in rows:  # the other rules see nothing wrong with these rows
        assert {v["rule_id"] for v in row["dq_violations"]} <= {"merchant_id.not_suspended"}

    findings = {f.kind: f for f in compiled.findings}
    unknown = findings["reference_unknown_values"]
    assert (unknown.file, unknown.columns) == (merchants, ("status",))
    assert unknown.message == (
        "reference table merchants has 5 keys (merchant_id) with a value the contract does "
        "not list (status: ACTIVE, SUSPENDED): M0002 (status 'Suspended'); "
        "M0003 (status 'SUSPENDED '); M0004 (status missing); "
        "M0006 (status ACTIVE, 'suspended'); M0007 (status '411111******1111'). "
        "Such a key is read as not allowed: its transactions fail the rules that forbid a "
        "value of that column"
    )
    repeated = findings["reference_duplicate_keys"]
    assert PAN not in repeated.message and "M0006 (2 rows" in repeated.message
    for rule_id in ("merchant_id.known", "merchant_id.not_suspended"):
        assert compiled.notes[rule_id] == [repeated.message, unknown.message]


def test_a_table_with_only_listed_statuses_has_no_finding(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    path = tmp_path / "merchants.csv"
    path.write_text(
        "merchant_id,name,mcc,country,onboarded_at,status\n"
        "M0001,Shop,5411,US,2020-01-01,ACTIVE\nM0005,Shop,5411,US,2020-01-01,SUSPENDED\n"
    )
    checked, compiled, _ = check_records(
        spark,
        transactions_rules,
        _records(spark, transactions_rules).where("merchant_id in ('M0001', 'M0005')"),
        BUSINESS_DATE,
        NOW,
        {"merchants": str(path)},
        None,
    )
    broken = [{v["rule_id"] for v in r["dq_violations"]} for r in checked.collect()]
    assert sorted(map(sorted, broken)) == [[], ["merchant_id.not_suspended"]]
    assert compiled.findings == () and compiled.notes == {}
