"""Every row rule on small hand-written rows: where it passes and where it fails.

All cases run through the real engine projection (check_records) in one Spark job; each
parametrised test then asserts the exact set of rule ids its row broke.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.engine.runner import check_records

BUSINESS_DATE = date(2026, 11, 28)
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)

CLEAN: dict[str, str | None] = {
    "transaction_id": "TX20261128000001",
    "account_id": "ACC0001",
    "customer_id": "CUS0001",
    "transaction_type": "PURCHASE",
    "direction": "DEBIT",
    "status": "SETTLED",
    "amount": "100.00",
    "currency": "USD",
    "fee_amount": "1.50",
    "settlement_currency": "EUR",
    "fx_rate": "0.9",
    "settlement_amount": "90.00",
    "merchant_id": "M0001",
    "mcc": "5411",
    "card_pan": "411111******1111",
    "counterparty_iban": None,
    "counterparty_bic": None,
    "country": "US",
    "channel": "POS",
    "created_at": "2026-11-28T10:00:00Z",
    "settled_at": "2026-11-28T12:00:00+01:00",
}
SAME_CURRENCY = {"settlement_currency": "USD", "fx_rate": "1", "settlement_amount": "100.00"}
TRANSFER = {
    "transaction_type": "TRANSFER",
    "direction": "CREDIT",
    "status": "AUTHORIZED",
    "settled_at": None,
    "merchant_id": None,
    "mcc": None,
    "card_pan": None,
    "counterparty_iban": "GB29NWBK60161331926819",
    "counterparty_bic": "NWBKGB2L",
    "channel": "MOBILE",
}
NOT_VERIFIABLE = "settlement_amount.matches_fx"
IRR = {
    "settlement_currency": "IRR",
    "amount": "100.00",
    "fee_amount": None,
    "settlement_amount": "10000000000.00",  # for the largest rate: 9999999999.9999999999
}
HALF_WAY = {**IRR, "amount": "0.01", "fx_rate": "1050000.5"}

# (case, changes to the clean row, rule ids the row must break — exactly)
CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("clean purchase", {}, set()),
    ("clean transfer with IBAN and BIC", TRANSFER, set()),
    (
        "IBAN written with spaces",
        {**TRANSFER, "counterparty_iban": "GB29 NWBK 6016 1331 9268 19"},
        set(),
    ),
    (
        "clean JPY",
        {
            "amount": "1500",
            "currency": "JPY",
            "settlement_currency": "JPY",
            "fx_rate": "1",
            "settlement_amount": "1500",
            "fee_amount": "0",
        },
        set(),
    ),
    (
        "clean BHD three places",
        {
            "amount": "10.125",
            "currency": "BHD",
            "settlement_currency": "BHD",
            "fx_rate": "1",
            "settlement_amount": "10.125",
            "fee_amount": None,
        },
        set(),
    ),
    (
        "18 significant digits",
        {
            **SAME_CURRENCY,
            "amount": "1234567890123456.78",
            "settlement_amount": "1234567890123456.78",
        },
        set(),
    ),
    (
        "trailing zeros are not extra places",
        {**SAME_CURRENCY, "amount": "100.0000", "settlement_amount": "100.00"},
        set(),
    ),
    (
        "settlement within one minor unit",
        {"amount": "10.00", "fx_rate": "0.2345", "settlement_amount": "2.33"},
        set(),
    ),
    (
        "settlement two minor units off",
        {"amount": "10.00", "fx_rate": "0.2345", "settlement_amount": "2.32"},
        {NOT_VERIFIABLE},
    ),
    # FX rates of 10^6 and more (IRR is about 1,050,000 per USD): decimal(20,10) allows them.
    (
        "fx rate of a million",
        {**IRR, "fx_rate": "1050000", "settlement_amount": "105000000.00"},
        set(),
    ),
    (
        "largest fx rate decimal(20,10) holds",
        {**IRR, "amount": "1.00", "fx_rate": "9999999999.9999999999"},
        set(),
    ),
    # 0.01 × 1050000.5 = 10500.005: half-even gives 10500.00 (half-up would give 10500.01)
    ("half-even, large rate, 1 unit below", {**HALF_WAY, "settlement_amount": "10499.99"}, set()),
    (
        "half-even, large rate, 2 units above",
        {**HALF_WAY, "settlement_amount": "10500.02"},
        {NOT_VERIFIABLE},
    ),
    (
        "amount just below 10^13 with a large rate",
        {
            **IRR,
            "amount": "9999999999999.99",
            "fx_rate": "0.0000012345",
            "settlement_amount": "12345000.00",  # of 12344999.999999987655
        },
        set(),
    ),
    (
        "amount of 10^13 with a rate below 10^7",
        {
            **IRR,
            "amount": "10000000000000.00",
            "fx_rate": "9999999.9999999999",
            "settlement_amount": "9999999999999999.99",
        },
        {NOT_VERIFIABLE},  # computed exactly (99999999999999999000), and far off
    ),
    (
        "amount of 10^13 with a small rate",
        {
            **IRR,
            "amount": "10000000000000.00",
            "fx_rate": "0.0001234567",
            "settlement_amount": "1234567000.00",
        },
        set(),
    ),
    (
        "amount of 10^13 with a rate of 10^7",
        {
            **IRR,
            "amount": "10000000000000.00",
            "fx_rate": "10000000",
            "settlement_amount": "9999999999999999.99",
        },
        {NOT_VERIFIABLE},
    ),
    ("missing account", {"account_id": None}, {"account_id.required"}),
    ("missing customer", {"customer_id": None}, {"customer_id.required"}),
    ("missing transaction id", {"transaction_id": None}, {"transaction_id.required"}),
    ("blank account", {"account_id": "   "}, {"account_id.required"}),
    ("white-space customer", {"customer_id": "\t \u00a0"}, {"customer_id.required"}),
    ("account with spaces around it", {"account_id": " AC123 "}, set()),
    ("short transaction id", {"transaction_id": "TX1"}, {"transaction_id.format"}),
    ("transaction id with space", {"transaction_id": "TX 2026112800"}, {"transaction_id.format"}),
    (
        "transaction id ending in a line break",
        {"transaction_id": "TX20261128LB\n"},
        {"transaction_id.format"},
    ),
    ("mcc ending in a line break", {"mcc": "5411\n"}, {"mcc.format", "mcc.known"}),
    ("unknown type", {"transaction_type": "PAYMENT"}, {"transaction_type.allowed"}),
    ("missing type", {"transaction_type": None}, {"transaction_type.allowed"}),
    ("purchase as credit", {"direction": "CREDIT"}, {"direction.matches_type"}),
    (
        "refund as debit",
        {"transaction_type": "REFUND", "direction": "DEBIT"},
        {"direction.matches_type"},
    ),
    ("bad direction", {"direction": "IN"}, {"direction.allowed"}),
    (
        "unknown status with settlement time",
        {"status": "PENDING"},
        {"status.allowed", "settled_at.only_when_settled"},
    ),
    ("bad channel", {"channel": "FAX"}, {"channel.allowed"}),
    (
        "zero amount",
        {"amount": "0", "settlement_amount": "0.00", "fee_amount": "0"},
        {"amount.positive"},
    ),
    (
        "negative amount",
        {"amount": "-5.00", "settlement_amount": "-4.50", "fee_amount": "0"},
        {"amount.positive", "fee_amount.not_above_amount"},
    ),
    ("exponent amount", {"amount": "1e3"}, {"amount.type", NOT_VERIFIABLE}),
    ("thousands separator", {"amount": "1,000.00"}, {"amount.type", NOT_VERIFIABLE}),
    (
        "too large for decimal(20,4)",
        {"amount": "123456789012345678"},
        {"amount.type", NOT_VERIFIABLE},
    ),
    (
        "USD with three places",
        {**SAME_CURRENCY, "amount": "10.005", "settlement_amount": "10.00"},
        {"amount.minor_units"},
    ),
    (
        "JPY with a fraction",
        {
            "amount": "100.5",
            "currency": "JPY",
            "settlement_currency": "JPY",
            "fx_rate": "1",
            "settlement_amount": "100",
            "fee_amount": None,
        },
        {"amount.minor_units"},
    ),
    (
        "BHD with four places",
        {
            "amount": "10.1255",
            "currency": "BHD",
            "settlement_currency": "BHD",
            "fx_rate": "1",
            "settlement_amount": "10.126",
            "fee_amount": None,
        },
        {"amount.minor_units"},
    ),
    (  # within one minor unit of the product, but no US dollar amount
        "settlement in USD with three places",
        {**SAME_CURRENCY, "amount": "10.00", "settlement_amount": "10.005"},
        {"settlement_amount.minor_units"},
    ),
    (
        "settlement in JPY with a fraction",
        {
            "amount": "1.00",
            "currency": "USD",
            "settlement_currency": "JPY",
            "fx_rate": "150.25",
            "settlement_amount": "150.25",
            "fee_amount": None,
        },
        {"settlement_amount.minor_units"},
    ),
    ("unknown currency", {"currency": "XYZ"}, {"currency.iso4217"}),
    ("missing currency", {"currency": None}, {"currency.iso4217"}),
    (
        "unknown settlement currency",
        {"settlement_currency": "ABC"},
        {"settlement_currency.iso4217"},
    ),
    ("negative fee", {"fee_amount": "-1.00"}, {"fee_amount.non_negative"}),
    ("fee above amount", {"fee_amount": "100.01"}, {"fee_amount.not_above_amount"}),
    ("no fee means zero", {"fee_amount": None}, set()),
    ("zero fx rate", {"fx_rate": "0", "settlement_amount": "0.00"}, {"fx_rate.positive"}),
    ("missing fx rate", {"fx_rate": None}, {"fx_rate.positive", NOT_VERIFIABLE}),
    (
        "rate not one for same currency",
        {**SAME_CURRENCY, "fx_rate": "1.01", "settlement_amount": "101.00"},
        {"fx_rate.one_for_same_currency"},
    ),
    ("missing settlement amount", {"settlement_amount": None}, {NOT_VERIFIABLE}),
    ("purchase without merchant", {"merchant_id": None}, {"merchant_id.required_for_card_types"}),
    (
        "purchase with a blank merchant",
        {"merchant_id": "  "},
        {"merchant_id.required_for_card_types", "merchant_id.known"},
    ),
    ("unknown merchant", {"merchant_id": "M9999"}, {"merchant_id.known"}),
    ("suspended merchant", {"merchant_id": "M0002"}, {"merchant_id.not_suspended"}),
    ("mcc with a letter", {"mcc": "54A1"}, {"mcc.format", "mcc.known"}),
    ("unknown mcc", {"mcc": "0001"}, {"mcc.known"}),
    (
        "unmasked card number in card_pan",
        {"card_pan": "4111111111111111"},
        {"card_pan.masked", "card_number.unmasked"},
    ),
    (
        "grouped card number in another column",
        {"customer_id": "4111 1111 1111 1111"},
        {"card_number.unmasked"},
    ),
    ("amex number inside text", {"account_id": "ref 378282246310005 x"}, {"card_number.unmasked"}),
    (
        "card number keyed into a timestamp",
        {"created_at": "4111111111111111"},
        {"created_at.type", "card_number.unmasked"},
    ),
    (  # exactly MIN_PAN_DIGITS bytes: the shortest value the scan reads
        "13-digit card number as a whole value",
        {"mcc": "4222222222222"},
        {"mcc.format", "mcc.known", "card_number.unmasked"},
    ),
    ("luhn-failing digits are not a card", {"account_id": "4111111111111112"}, set()),
    (  # the contract: 13 to 19 digits passing Luhn, card scheme or not
        "Luhn-valid digits of no card scheme in a text column",
        {"account_id": "1234567812345670"},
        {"card_number.unmasked"},
    ),
    (
        "15 Luhn-valid digits in card_pan",
        {"card_pan": "411111111111116"},
        {"card_pan.masked", "card_number.unmasked"},
    ),
    (  # amounts and timestamps: only a card scheme's numbers (a large amount is no card)
        "a large fee passing Luhn, of no card scheme",
        {"fee_amount": "1234567812345670"},
        {"fee_amount.not_above_amount"},
    ),
    ("badly masked pan", {"card_pan": "4111********1111"}, {"card_pan.masked"}),
    (
        "transfer without IBAN",
        {**TRANSFER, "counterparty_iban": None},
        {"counterparty_iban.required_for_transfer"},
    ),
    (
        "IBAN check digits wrong",
        {**TRANSFER, "counterparty_iban": "GB28NWBK60161331926819"},
        {"counterparty_iban.valid"},
    ),
    (
        "IBAN of the wrong length",
        {**TRANSFER, "counterparty_iban": "DE8937040044053201300"},
        {"counterparty_iban.valid"},
    ),
    (
        "BIC with unknown country",
        {**TRANSFER, "counterparty_bic": "DEUTXXFF"},
        {"counterparty_bic.valid"},
    ),
    (
        "BIC of nine characters",
        {**TRANSFER, "counterparty_bic": "DEUTDEFF5"},
        {"counterparty_bic.valid"},
    ),
    ("eleven character BIC", {**TRANSFER, "counterparty_bic": "DEUTDEFF500"}, set()),
    ("unknown country", {"country": "XX"}, {"country.iso3166"}),
    ("lower-case country", {"country": "us"}, {"country.iso3166"}),
    (
        "created next year",
        {"created_at": "2027-11-28T10:00:00Z", "settled_at": None, "status": "AUTHORIZED"},
        {"created_at.not_in_future", "created_at.in_business_window"},
    ),
    ("late arrival three days", {"created_at": "2026-11-25T00:00:00Z"}, set()),
    (
        "five days late",
        {"created_at": "2026-11-23T10:00:00Z", "settled_at": "2026-11-23T11:00:00Z"},
        {"created_at.in_business_window"},
    ),
    (
        "day after business date",
        {"created_at": "2026-11-29T00:00:00Z", "settled_at": "2026-11-29T01:00:00Z"},
        {"created_at.in_business_window"},
    ),
    ("timestamp without offset", {"created_at": "2026-11-28T10:00:00"}, {"created_at.type"}),
    (  # ISO 8601's extended format given to the minute, and with a decimal comma
        "timestamps to the minute and with a comma",
        {"created_at": "2026-11-28T10:00Z", "settled_at": "2026-11-28T11:00:00,25+01:00"},
        set(),
    ),
    ("impossible hour", {"created_at": "2026-11-28 25:00"}, {"created_at.type"}),
    ("authorized with settlement time", {"status": "AUTHORIZED"}, {"settled_at.only_when_settled"}),
    ("settled without settlement time", {"settled_at": None}, {"settled_at.required_when_settled"}),
    (
        "settled before created",
        {"settled_at": "2026-11-28T09:00:00Z"},
        {"settled_at.after_created"},
    ),
]


def _merchants(path: Path) -> str:
    path.write_text(
        "merchant_id,name,mcc,country,onboarded_at,status\n"
        "M0001,Corner Grocery,5411,US,2020-01-01,ACTIVE\n"
        "M0002,Closed Diner,5812,US,2019-05-01,SUSPENDED\n",
        encoding="utf-8",
    )
    return str(path)


def _records(spark: Any, rules: Any, rows: list[dict[str, Any]]) -> Any:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType(
        [StructField(c, StringType()) for c in rules.column_names]
        + [StructField("_source_file", StringType()), StructField("_source_line", LongType())]
    )
    data = [
        (*[row.get(c) for c in rules.column_names], "cases.csv", line)
        for line, row in enumerate(rows, start=2)
    ]
    return spark.createDataFrame(data, schema)


def _violations(
    spark: Any, rules: Any, rows: list[dict[str, Any]], tmp: Path, **kw: Any
) -> list[Any]:
    records = _records(spark, rules, rows)
    checked, compiled, _ = check_records(
        spark,
        rules,
        records,
        BUSINESS_DATE,
        NOW,
        {"merchants": _merchants(tmp / "merchants.csv")},
        kw.get("processed_root"),
    )
    # without processed history the id history rule has nothing to compare with
    no_history = set() if kw.get("processed_root") else {"transaction_id.not_seen_recently"}
    assert set(compiled.not_evaluated) == no_history
    return checked.orderBy("_source_line").collect()


@pytest.fixture(scope="module")
def case_results(spark: Any, transactions_rules: Any, tmp_path_factory: Any) -> dict[str, Any]:
    rows = []
    for index, (_, changes, _) in enumerate(CASES):
        row = {**CLEAN, **changes}
        if "transaction_id" not in changes:
            row["transaction_id"] = f"TX20261128{index:06d}"
        rows.append(row)
    results = _violations(spark, transactions_rules, rows, tmp_path_factory.mktemp("rules"))
    return {case: result for (case, _, _), result in zip(CASES, results, strict=True)}


@pytest.mark.parametrize(("case", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_row_rule(
    case_results: dict[str, Any], case: str, changes: dict[str, Any], expected: set[str]
) -> None:
    row = case_results[case]
    broken = {v["rule_id"] for v in row["dq_violations"]}
    assert broken == expected, [v["message"] for v in row["dq_violations"]]


def test_a_blank_value_is_said_to_be_blank(case_results: dict[str, Any]) -> None:
    messages = {v["rule_id"]: v["message"] for v in case_results["blank account"]["dq_violations"]}
    assert messages == {"account_id.required": "account_id is blank"}
    merchant = case_results["purchase with a blank merchant"]["dq_violations"]
    assert "merchant_id is blank for transaction_type 'PURCHASE'" in [
        v["message"] for v in merchant
    ]


def test_messages_never_show_a_card_number(case_results: dict[str, Any]) -> None:
    for case in (
        "unmasked card number in card_pan",
        "grouped card number in another column",
        "card number keyed into a timestamp",
    ):
        messages = " ".join(v["message"] for v in case_results[case]["dq_violations"])
        assert "411111******1111" in messages
        assert "4111111111111111" not in messages.replace(" ", "")


def test_an_unmasked_card_number_is_said_to_be_one_though_shown_masked(
    case_results: dict[str, Any],
) -> None:
    def message(case: str) -> str:
        violations = case_results[case]["dq_violations"]
        return next(v["message"] for v in violations if v["rule_id"] == "card_pan.masked")

    assert message("unmasked card number in card_pan") == (
        "card_pan holds an unmasked card number, shown masked here as '411111******1111'; "
        "a stored value must match card_pan format ^[0-9]{6}[*]{2,9}[0-9]{4}$"
    )
    assert message("badly masked pan") == (
        "'4111********1111' does not match card_pan format ^[0-9]{6}[*]{2,9}[0-9]{4}$"
    )


def test_a_rules_file_can_require_a_card_scheme_in_text_too(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    """require_card_scheme: for a sender whose own 16-digit account numbers pass Luhn."""
    rule = transactions_rules.rule("card_number.unmasked")
    scheme = replace(rule, params={**rule.params, "require_card_scheme": True})
    rows = tuple(scheme if r is rule else r for r in transactions_rules.row_rules)
    rules = replace(transactions_rules, row_rules=rows)
    cases = [{"account_id": "1234567812345670"}, {"account_id": "4111111111111111"}]
    rows_in = [{**CLEAN, **c, "transaction_id": f"TX20261128S{i:05d}"} for i, c in enumerate(cases)]
    checked = _violations(spark, rules, rows_in, tmp_path)
    broken = [{v["rule_id"] for v in row["dq_violations"]} for row in checked]
    assert broken == [set(), {"card_number.unmasked"}]


def test_typed_values_are_exact_decimals(case_results: dict[str, Any]) -> None:
    row = case_results["18 significant digits"]
    assert row["_t_amount"] == Decimal("1234567890123456.78")
    assert row["_t_fee_amount"] == Decimal("1.50")
    assert case_results["no fee means zero"]["_t_fee_amount"] == Decimal(0)


def test_duplicates_keep_the_first_copy(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    rows = [dict(CLEAN), {**CLEAN, "transaction_id": "TX20261128999999"}, dict(CLEAN)]
    results = _violations(spark, transactions_rules, rows, tmp_path)
    broken = [{v["rule_id"] for v in r["dq_violations"]} for r in results]
    assert broken == [set(), set(), {"transaction_id.unique_in_batch"}]
    assert "cases.csv line 2" in results[2]["dq_violations"][0]["message"]


def test_ids_processed_within_90_days_are_refused(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    processed = tmp_path / "processed"
    old = spark.createDataFrame([("TX_SEEN_0001",), ("TX_OLD_00001",)], "transaction_id string")
    old.where("transaction_id = 'TX_SEEN_0001'").write.parquet(
        str(processed / "business_date=2026-11-20")
    )
    old.where("transaction_id = 'TX_OLD_00001'").write.parquet(
        str(processed / "business_date=2026-08-01")
    )
    rows = [
        {**CLEAN, "transaction_id": "TX_SEEN_0001"},
        {**CLEAN, "transaction_id": "TX_OLD_00001"},
        {**CLEAN, "transaction_id": "TX_NEW_00001"},
    ]
    results = _violations(spark, transactions_rules, rows, tmp_path, processed_root=str(processed))
    broken = [{v["rule_id"] for v in r["dq_violations"]} for r in results]
    assert broken == [{"transaction_id.not_seen_recently"}, set(), set()]
    assert "2026-11-20" in results[0]["dq_violations"][0]["message"]


MERCHANT_ROWS = ["M0001,Corner Grocery,5411,US,2020-01-01,ACTIVE", "M0003,Bakery,5462,US,,ACTIVE"]
LISTED_AGAIN = ["M0001,Corner Grocery,5411,US,2020-01-01,SUSPENDED", "M0003,Bakery,5462,US,,"]


def _repeated_merchants(path: Path, repeats_first: bool) -> str:
    rows = LISTED_AGAIN + MERCHANT_ROWS if repeats_first else MERCHANT_ROWS + LISTED_AGAIN
    path.write_text("merchant_id,name,mcc,country,onboarded_at,status\n" + "\n".join(rows) + "\n")
    return str(path)


@pytest.mark.parametrize("repeats_first", [False, True], ids=["repeat last", "repeat first"])
def test_a_merchant_listed_twice_is_read_cautiously_and_reported(
    spark: Any, transactions_rules: Any, tmp_path: Path, repeats_first: bool
) -> None:
    """Listed ACTIVE and SUSPENDED is SUSPENDED wherever the rows sit; the repeats are said."""
    rows = [dict(CLEAN), {**CLEAN, "transaction_id": "TX20261128000002", "merchant_id": "M0003"}]
    merchants = _repeated_merchants(tmp_path / "merchants.csv", repeats_first)
    checked, compiled, _ = check_records(
        spark,
        transactions_rules,
        _records(spark, transactions_rules, rows),
        BUSINESS_DATE,
        NOW,
        {"merchants": merchants},
        None,
    )
    results = checked.orderBy("_source_line").collect()
    broken = [{v["rule_id"] for v in r["dq_violations"]} for r in results]
    assert broken == [{"merchant_id.not_suspended"}, set()]
    (finding,) = compiled.findings
    assert (finding.file, finding.kind, finding.columns) == (
        merchants,
        "reference_duplicate_keys",
        ("merchant_id",),
    )
    assert finding.message == (
        "reference table merchants lists 2 keys (merchant_id) more than once: "
        "M0001 (2 rows; status ACTIVE, SUSPENDED: read as SUSPENDED); "
        "M0003 (2 rows; status ACTIVE). "
        "A key counts once; where its rows disagree, a value the rules forbid wins "
        "(status SUSPENDED)"
    )
    assert compiled.notes == {
        "merchant_id.known": [finding.message],
        "merchant_id.not_suspended": [finding.message],
    }


def test_a_reference_tables_repeated_keys_are_in_the_results(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    from fintech_dq.engine import OutputLocations, ValidationRequest, validate_batch

    names = transactions_rules.column_names
    lines = [",".join(names), ",".join(CLEAN.get(c) or "" for c in names)]
    (tmp_path / "tx.csv").write_text("\n".join(lines) + "\n")
    request = ValidationRequest(
        dataset="transactions",
        business_date=BUSINESS_DATE,
        inputs=[str(tmp_path / "tx.csv")],
        outputs=OutputLocations.under(tmp_path / "out"),
        references={"merchants": _repeated_merchants(tmp_path / "merchants.csv", False)},
        now=NOW,
    )
    document = validate_batch(spark, transactions_rules, request).document
    assert document["counts"] == {
        "rows_in": 1,
        "processed": 0,
        "quarantined": 1,
        "rejected": 0,
        "balanced": True,
    }
    (finding,) = [f for f in document["findings"] if f["kind"] == "reference_duplicate_keys"]
    assert finding["file"] == str(tmp_path / "merchants.csv")
    assert "M0001 (2 rows; status ACTIVE, SUSPENDED: read as SUSPENDED)" in finding["message"]
    results = {r["rule_id"]: r for r in document["rule_results"]}
    assert results["merchant_id.not_suspended"]["status"] == "failed"
    assert results["merchant_id.not_suspended"]["details"] == [finding["message"]]


def test_a_settlement_beyond_what_its_type_holds_is_said_to_be_so(
    case_results: dict[str, Any],
) -> None:
    def message(case: str) -> str:
        violations = case_results[case]["dq_violations"]
        return next(v["message"] for v in violations if v["rule_id"] == NOT_VERIFIABLE)

    assert message("amount of 10^13 with a rate of 10^7") == (
        "settlement_amount '9999999999999999.99' cannot be amount × fx_rate: "
        "'10000000000000.00' × '10000000' is at least 1E+20, more than settlement_amount "
        "(decimal(20,4)) can hold"
    )
    assert message("amount of 10^13 with a rate below 10^7") == (
        "settlement_amount '9999999999999999.99' differs from amount × fx_rate = "
        "99999999999999999000.0000 by more than 1 minor unit(s)"
    )
    assert message("half-even, large rate, 2 units above") == (
        "settlement_amount '10500.02' differs from amount × fx_rate = 10500.0000 "
        "by more than 1 minor unit(s)"
    )
