"""The real-world values sample rows are drawn from: currencies, FX, places, cards, MCCs.

Every code here is a real, current code (ISO 4217, ISO 3166-1, ISO 18245, card scheme
test ranges), so a clean row can never fail a code-set rule by the generator's choice.
Weights are rough shares of a European card and payments processor's day.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

import iso4217

# Local currency of each country where transactions happen, with its share of traffic.
COUNTRY_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("DE", 18), ("FR", 12), ("GB", 13), ("US", 11), ("NL", 6), ("ES", 7), ("IT", 7),
    ("BE", 3), ("AT", 3), ("IE", 2), ("CH", 4), ("JP", 5), ("SE", 2), ("PL", 2),
    ("DK", 1), ("NO", 1), ("BH", 1.5), ("KW", 0.5), ("CA", 1.5),
)  # fmt: skip
LOCAL_CURRENCY: dict[str, str] = {
    "DE": "EUR", "FR": "EUR", "NL": "EUR", "ES": "EUR", "IT": "EUR", "BE": "EUR",
    "AT": "EUR", "IE": "EUR", "GB": "GBP", "US": "USD", "CH": "CHF", "JP": "JPY",
    "SE": "SEK", "PL": "PLN", "DK": "DKK", "NO": "NOK", "BH": "BHD", "KW": "KWD",
    "CA": "CAD", "FI": "EUR", "PT": "EUR",
}  # fmt: skip

# Units of each currency per 1 EUR (a plausible mid-market level): the FX base rates.
UNITS_PER_EUR: dict[str, Decimal] = {
    "EUR": Decimal("1"), "USD": Decimal("1.08"), "GBP": Decimal("0.85"),
    "CHF": Decimal("0.95"), "JPY": Decimal("161.5"), "SEK": Decimal("11.4"),
    "PLN": Decimal("4.31"), "DKK": Decimal("7.46"), "NOK": Decimal("11.7"),
    "BHD": Decimal("0.407"), "KWD": Decimal("0.332"), "CAD": Decimal("1.49"),
}  # fmt: skip

# Account (settlement) currencies when they differ from the transaction's currency.
SETTLEMENT_CURRENCIES: tuple[str, ...] = ("EUR", "USD", "GBP")

# Countries whose IBANs the counterparty pool uses (their BICs come from schwifty's registry).
IBAN_COUNTRIES: tuple[str, ...] = (
    "DE", "FR", "NL", "ES", "IT", "BE", "AT", "GB", "IE", "SE", "DK", "FI", "PT",
)  # fmt: skip

# Card ranges of public test numbers (Visa, Mastercard 5- and 2-series, Amex, Discover,
# JCB): (first six digits, card length). Only ever written masked in clean rows.
CARD_BINS: tuple[tuple[str, int], ...] = (
    ("411111", 16), ("424242", 16), ("400005", 16), ("555555", 16), ("520082", 16),
    ("222300", 16), ("378282", 15), ("601111", 16), ("353011", 16),
)  # fmt: skip
# A Luhn-valid Visa test number: the one unmasked PAN the pci_breach defect writes.
VISA_TEST_PAN = "4111111111111111"

# ISO 18245 codes of the merchants (common, unambiguous categories), and the ATM code.
MERCHANT_MCCS: dict[str, str] = {
    "5411": "Grocery", "5812": "Restaurant", "5814": "Fast Food", "5999": "Retail",
    "4111": "Transit", "5541": "Fuel", "7011": "Hotel", "5311": "Department Store",
    "5732": "Electronics", "5912": "Pharmacy", "4121": "Taxi", "5691": "Clothing",
    "4814": "Telecom", "5942": "Books",
}  # fmt: skip
ATM_MCC = "6011"
KNOWN_MCCS: frozenset[str] = frozenset({*MERCHANT_MCCS, ATM_MCC})

TYPE_DIRECTION: dict[str, str] = {
    "PURCHASE": "DEBIT", "WITHDRAWAL": "DEBIT", "FEE": "DEBIT",
    "REFUND": "CREDIT", "CHARGEBACK": "CREDIT",
}  # fmt: skip
CARD_TYPES = frozenset({"PURCHASE", "REFUND", "CHARGEBACK", "WITHDRAWAL"})
MERCHANT_TYPES = frozenset({"PURCHASE", "REFUND", "CHARGEBACK"})
SETTLED_STATUSES = frozenset({"SETTLED", "REFUNDED"})

# Transaction types each source sends: a card network, an open-banking API, the core ledger.
SOURCE_TYPE_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "cardnet": (("PURCHASE", 80), ("WITHDRAWAL", 12), ("REFUND", 6), ("CHARGEBACK", 2)),
    "openbank": (("TRANSFER", 70), ("FEE", 15), ("PURCHASE", 15)),
    "ledger": (
        ("PURCHASE", 55), ("TRANSFER", 15), ("FEE", 15), ("WITHDRAWAL", 8),
        ("REFUND", 5), ("CHARGEBACK", 2),
    ),
}  # fmt: skip
STATUS_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("SETTLED", 72),
    ("AUTHORIZED", 14),
    ("DECLINED", 6),
    ("REVERSED", 4),
    ("REFUNDED", 4),
)
CHANNEL_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    "PURCHASE": (("POS", 55), ("ECOM", 35), ("MOBILE", 10)),
    "REFUND": (("POS", 40), ("ECOM", 60)),
    "CHARGEBACK": (("ECOM", 70), ("POS", 30)),
    "WITHDRAWAL": (("ATM", 95), ("BRANCH", 5)),
    "TRANSFER": (("MOBILE", 60), ("ECOM", 25), ("BRANCH", 15)),
    "FEE": (("MOBILE", 40), ("ECOM", 30), ("BRANCH", 30)),
}
# Transactions per hour of the (UTC) day: quiet nights, a lunch and an evening peak.
HOUR_WEIGHTS: tuple[float, ...] = (
    1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 10, 9, 8, 8, 8, 9, 9, 8, 6, 4, 3, 2,
)  # fmt: skip


@cache
def minor_units(currency: str) -> int:
    """ISO 4217 minor units (JPY 0, USD 2, BHD 3); KeyError for a code that is not active."""
    try:
        exponent = iso4217.Currency(currency).exponent
    except ValueError as error:
        raise KeyError(currency) from error
    if exponent is None:
        raise KeyError(currency)
    return int(exponent)
