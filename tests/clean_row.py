"""One clean, hand-written transaction of the contract, for tests that change a field or two
(every rule passes on it against a merchants table holding MER000001 as ACTIVE), and a day
folder validated by the real engine against that table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fintech_dq.engine import OutputLocations, ValidationRequest, validate_batch

DAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 11, 29, tzinfo=UTC)  # the end of DAY
ROW: dict[str, str] = {
    "transaction_id": "TXBASE0001",
    "account_id": "AC1",
    "customer_id": "CU1",
    "transaction_type": "PURCHASE",
    "direction": "DEBIT",
    "status": "SETTLED",
    "amount": "10.00",
    "currency": "USD",
    "fee_amount": "",
    "settlement_currency": "USD",
    "fx_rate": "1.00000000",
    "settlement_amount": "10.00",
    "merchant_id": "MER000001",
    "mcc": "5411",
    "card_pan": "411111******1111",
    "counterparty_iban": "",
    "counterparty_bic": "",
    "country": "US",
    "channel": "POS",
    "created_at": "2026-11-28T10:00:00Z",
    "settled_at": "2026-11-28T11:00:00Z",
}


def validate_day(
    spark: Any, rules: Any, day: Path, out: Path, merchants: bool = True, now: datetime = NOW
) -> dict[str, Any]:
    """The results document of `day` (a folder of files) validated on DAY at `now`, with
    the one-merchant table written beside the folder (or no reference table)."""
    references = {}
    if merchants:
        table = day.parent / "merchants.csv"
        table.write_text(
            "merchant_id,name,mcc,country,onboarded_at,status\n"
            "MER000001,Shop One,5411,US,2020-01-01,ACTIVE\n",
            encoding="utf-8",
        )
        references["merchants"] = str(table)
    request = ValidationRequest(
        dataset="transactions",
        business_date=DAY,
        inputs=[str(day)],
        outputs=OutputLocations.under(out),
        references=references,
        now=now,
    )
    return validate_batch(spark, rules, request).document
