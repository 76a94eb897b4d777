"""One clean, hand-written transaction of the contract, for tests that change a field or two
(every rule passes on it against a merchants table holding MER000001 as ACTIVE)."""

from __future__ import annotations

from datetime import UTC, date, datetime

DAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
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
