"""How each defect class turns a clean row into a defective one (see defects.py for why).

A mutation edits one row (column name -> text or None) in place and keeps every other
rule passing: when it changes an amount it re-prices the settlement, when it needs a
settled row it is given one (the base type and status are fixed before the row is drawn).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fintech_dq.sample.catalog import VISA_TEST_PAN, minor_units
from fintech_dq.sample.money import decimal_text, rate_text, settle
from fintech_dq.sample.parties import Merchant
from fintech_dq.sample.timestamps import MS_PER_DAY, day_number, parse, render, shifted

RowView = dict[str, str | None]
_HOUR_MS = 3_600_000


@dataclass(frozen=True)
class Target:
    """What a mutation may need beyond the row itself."""

    business_date: date
    rng: random.Random
    reuse_id: str | None  # the id a duplicate or seen-before row copies
    suspended: tuple[Merchant, ...]
    broken_ibans: Mapping[str, str]  # valid IBAN -> the same IBAN with wrong check digits
    unknown_merchant_id: str


Mutation = Callable[[RowView, Target], None]


def _text(row: RowView, column: str) -> str:
    value = row[column]
    if value is None:
        raise ValueError(f"a {column} is needed to build this defect")
    return value


def _reprice(row: RowView, value: Decimal, text: str) -> None:
    """A new amount text; the settlement follows the amount's value; the fee goes."""
    row["amount"] = text
    row["fee_amount"] = None
    units = minor_units(_text(row, "settlement_currency"))
    row["settlement_amount"] = decimal_text(settle(value, Decimal(_text(row, "fx_rate")), units))


def missing_account_id(row: RowView, target: Target) -> None:
    row["account_id"] = None


def bad_transaction_id(row: RowView, target: Target) -> None:
    row["transaction_id"] = _text(row, "transaction_id").replace("N", "/", 1)


def reused_id(row: RowView, target: Target) -> None:
    row["transaction_id"] = target.reuse_id


def bad_type(row: RowView, target: Target) -> None:
    row["transaction_type"] = "PAYMENT"


def direction_mismatch(row: RowView, target: Target) -> None:
    row["direction"] = "CREDIT"  # on a PURCHASE


def bad_status(row: RowView, target: Target) -> None:
    row["status"] = "PENDING"
    row["settled_at"] = None


def negative_amount(row: RowView, target: Target) -> None:
    value = -Decimal(_text(row, "amount"))
    _reprice(row, value, decimal_text(value))


def too_many_decimals(row: RowView, target: Target) -> None:
    """Half a minor unit more: 10.00 USD -> 10.005 (BHD gets a 4th decimal, JPY a 1st)."""
    units = minor_units(_text(row, "currency"))
    value = Decimal(_text(row, "amount")) + Decimal(5).scaleb(-(units + 1))
    fee = row["fee_amount"]
    _reprice(row, value, decimal_text(value))
    row["fee_amount"] = fee  # still below the (larger) amount


def jpy_fraction(row: RowView, target: Target) -> None:
    row.update(currency="JPY", settlement_currency="JPY", fx_rate=rate_text(Decimal(1)))
    value = Decimal(f"{target.rng.randint(100, 20_000)}.5")
    _reprice(row, value, decimal_text(value))


def thousands_separator(row: RowView, target: Target) -> None:
    units = minor_units(_text(row, "currency"))
    whole = target.rng.randint(1000, 9999)
    fraction = target.rng.randrange(10**units) if units else 0
    value = Decimal(whole) + Decimal(fraction).scaleb(-units)
    grouped = f"{whole // 1000},{whole % 1000:03d}" + (f".{fraction:0{units}d}" if units else "")
    _reprice(row, value, grouped)


def exponent_amount(row: RowView, target: Target) -> None:
    mantissa = target.rng.randint(1, 99)
    _reprice(row, Decimal(mantissa * 100), f"{mantissa}e2")


def unknown_currency(row: RowView, target: Target) -> None:
    row["currency"] = "XYZ"  # the settlement currency stays a real one, so fx rules hold


def fee_above_amount(row: RowView, target: Target) -> None:
    units = minor_units(_text(row, "currency"))
    row["fee_amount"] = decimal_text(Decimal(_text(row, "amount")) + Decimal(1).scaleb(-units))


def fx_not_one_same_currency(row: RowView, target: Target) -> None:
    currency = _text(row, "currency")
    rate = Decimal("1.0025")
    settled = settle(Decimal(_text(row, "amount")), rate, minor_units(currency))
    row["settlement_currency"] = currency
    row["fx_rate"] = rate_text(rate)
    row["settlement_amount"] = decimal_text(settled)


def settlement_mismatch(row: RowView, target: Target) -> None:
    """Seven minor units off: well beyond the rule's one-unit tolerance."""
    units = minor_units(_text(row, "settlement_currency"))
    expected = settle(Decimal(_text(row, "amount")), Decimal(_text(row, "fx_rate")), units)
    row["settlement_amount"] = decimal_text(expected + 7 * Decimal(1).scaleb(-units))


def missing_merchant(row: RowView, target: Target) -> None:
    row["merchant_id"] = None


def unknown_merchant(row: RowView, target: Target) -> None:
    row["merchant_id"] = target.unknown_merchant_id


def suspended_merchant(row: RowView, target: Target) -> None:
    merchant = target.rng.choice(target.suspended)
    row.update(merchant_id=merchant.merchant_id, mcc=merchant.mcc)


def bad_mcc(row: RowView, target: Target) -> None:
    row["mcc"] = "12A4"


def unknown_mcc(row: RowView, target: Target) -> None:
    row["mcc"] = "0001"


def unmasked_pan(row: RowView, target: Target) -> None:
    row["card_pan"] = VISA_TEST_PAN


def transfer_without_iban(row: RowView, target: Target) -> None:
    row["counterparty_iban"] = None


def bad_iban(row: RowView, target: Target) -> None:
    row["counterparty_iban"] = target.broken_ibans[_text(row, "counterparty_iban")]


def bad_bic(row: RowView, target: Target) -> None:
    """Nine characters (a BIC has 8 or 11), from a real bank's BIC."""
    row["counterparty_bic"] = (row["counterparty_bic"] or "DEUTDEFF")[:8] + "X"


def bad_country(row: RowView, target: Target) -> None:
    row["country"] = "XX"


def bad_channel(row: RowView, target: Target) -> None:
    row["channel"] = "KIOSK"


def created_in_future(row: RowView, target: Target) -> None:
    row["created_at"] = shifted(_text(row, "created_at"), 365 * MS_PER_DAY)


def too_late(row: RowView, target: Target) -> None:
    """Created five days before the business day, at the same time of day."""
    epoch_ms, offset, millis = parse(_text(row, "created_at"))
    day_start = (day_number(target.business_date) - 5) * MS_PER_DAY
    row["created_at"] = render(day_start + epoch_ms % MS_PER_DAY, offset, millis)


def settled_without_status(row: RowView, target: Target) -> None:
    row["settled_at"] = shifted(_text(row, "created_at"), _HOUR_MS // 6)  # on an AUTHORIZED row


def settled_missing_time(row: RowView, target: Target) -> None:
    row["settled_at"] = None  # on a SETTLED row


def settled_before_created(row: RowView, target: Target) -> None:
    row["settled_at"] = shifted(_text(row, "created_at"), -_HOUR_MS)  # on a SETTLED row


def bad_timestamp(row: RowView, target: Target) -> None:
    row["created_at"] = f"{target.business_date.isoformat()} 25:00"
