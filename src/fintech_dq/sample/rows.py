"""Clean transaction rows: every value consistent with every row rule of the contract.

A row is a list of texts (None = null) in COLUMNS order, as a sender writes it; each
writer turns it into its format. One RowFactory per file, on the file's own seeded
random.Random, so a file's content does not depend on how many files came before it.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import accumulate
from math import exp
from typing import Generic, TypeVar

from fintech_dq.sample.catalog import (
    ATM_MCC,
    CARD_BINS,
    CARD_TYPES,
    CHANNEL_WEIGHTS,
    COUNTRY_WEIGHTS,
    HOUR_WEIGHTS,
    LOCAL_CURRENCY,
    MERCHANT_TYPES,
    SETTLED_STATUSES,
    SETTLEMENT_CURRENCIES,
    SOURCE_TYPE_WEIGHTS,
    STATUS_WEIGHTS,
    TYPE_DIRECTION,
    UNITS_PER_EUR,
    minor_units,
)
from fintech_dq.sample.money import decimal_text, minor_text, rate_text, settle
from fintech_dq.sample.parties import Counterparty, Merchant
from fintech_dq.sample.timestamps import MS_PER_DAY, day_number, render

COLUMNS: tuple[str, ...] = (
    "transaction_id", "account_id", "customer_id", "transaction_type", "direction",
    "status", "amount", "currency", "fee_amount", "settlement_currency", "fx_rate",
    "settlement_amount", "merchant_id", "mcc", "card_pan", "counterparty_iban",
    "counterparty_bic", "country", "channel", "created_at", "settled_at",
)  # fmt: skip
COLUMN_INDEX: dict[str, int] = {name: i for i, name in enumerate(COLUMNS)}
Row = list[str | None]

LATE_ARRIVAL_SHARE = 0.015  # rows created 1 to 3 days before the business day
SAME_CURRENCY_SHARE = 0.78  # rows settled in the transaction's own currency
FEE_SHARE = 0.3
BIC_SHARE = 0.6
_ONE = Decimal(1)
_ONE_TEXT = rate_text(_ONE)
_NOTE_UNIT = {"JPY": 1000, "SEK": 100, "NOK": 100, "DKK": 100, "PLN": 50}
_NOTES = (2, 4, 5, 10, 20, 30)

T = TypeVar("T")


class Weighted(Generic[T]):
    """A weighted choice: one random() and a bisect (random.choices costs far more per call).

    The last cumulative weight is infinity, so no draw can fall off the end.
    """

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        cumulative = list(accumulate(float(weight) for _, weight in pairs))
        self.total = cumulative[-1]
        self.cumulative = [*cumulative[:-1], float("inf")]

    def one(self, rand: Callable[[], float]) -> T:
        return self.values[bisect_right(self.cumulative, rand() * self.total)]

    def draw(self, rand: Callable[[], float], count: int) -> list[T]:
        values, cumulative, total = self.values, self.cumulative, self.total
        return [values[bisect_right(cumulative, rand() * total)] for _ in range(count)]


@dataclass(frozen=True)
class TimeStyle:
    """How a source writes timestamps: with milliseconds or not, a share in +01:00."""

    millis: bool
    offset_share: float


@dataclass(frozen=True)
class DayPools:
    """What rows of one business day draw from (shared by every file of the day)."""

    business_date: date
    merchants: tuple[Merchant, ...]  # ACTIVE ones only
    counterparties: tuple[Counterparty, ...]
    accounts: int


def transaction_id(day: date, index: int) -> str:
    """Letters between the digit runs, so no id can read as a card number."""
    return f"{id_prefix(day)}{index:09d}"


def id_prefix(day: date) -> str:
    return f"TX{day:%Y%m%d}N"


def base_rate(currency: str, settlement_currency: str) -> Decimal:
    return UNITS_PER_EUR[settlement_currency] / UNITS_PER_EUR[currency]


Columns = list[list[str | None]]  # one list per column, in COLUMNS order
Forced = Mapping[int, tuple[str | None, str | None]]  # chunk position -> (type, status)
_NO_FORCING: Forced = {}


class RowFactory:
    """Builds rows a chunk at a time, column by column.

    Comprehensions over pre-bound random() calls cost a fraction of a per-row method
    with random.choice/randrange: it is what lets a million rows take seconds.
    """

    def __init__(self, pools: DayPools, source: str, style: TimeStyle, rng: random.Random) -> None:
        self.pools = pools
        self.style = style
        self.rand = rng.random
        self.gauss = rng.gauss
        self.types = Weighted(SOURCE_TYPE_WEIGHTS[source])
        self.statuses = Weighted(STATUS_WEIGHTS)
        self.countries = Weighted(COUNTRY_WEIGHTS)
        self.channels = {t: Weighted(w) for t, w in CHANNEL_WEIGHTS.items()}
        self.hours = Weighted(list(enumerate(HOUR_WEIGHTS)))
        self.day0_ms = day_number(pools.business_date) * MS_PER_DAY
        # Latest creation time: one second before midnight, so a run clocked at
        # 23:59:59Z of the business day never sees a clean row "in the future".
        self.last_ms_of_day = MS_PER_DAY - 2000 + (999 if style.millis else 0)
        self.per_eur = {c: float(v) for c, v in UNITS_PER_EUR.items()}

    def chunk(self, first_index: int, count: int, forced: Forced = _NO_FORCING) -> Columns:
        """Rows first_index .. first_index+count-1 of the day; `forced` fixes some bases."""
        rand = self.rand
        types = self.types.draw(rand, count)
        statuses = self.statuses.draw(rand, count)
        for position, (forced_type, forced_status) in forced.items():
            types[position] = forced_type or types[position]
            statuses[position] = forced_status or statuses[position]
        statuses = [
            "SETTLED" if s == "REFUNDED" and t != "PURCHASE" else s
            for t, s in zip(types, statuses, strict=True)
        ]
        directions = [
            TYPE_DIRECTION.get(t) or ("DEBIT" if rand() < 0.6 else "CREDIT") for t in types
        ]
        merchant_ids, mccs, ibans, bics, countries = self._parties(types)
        accounts = [int(rand() * self.pools.accounts) for _ in range(count)]
        created, settled = self._times(statuses)
        prefix = id_prefix(self.pools.business_date)
        return [
            [f"{prefix}{first_index + i:09d}" for i in range(count)],
            [f"AC{a:010d}" for a in accounts],
            [f"CU{a // 2:08d}" for a in accounts],
            list[str | None](types),
            list[str | None](directions),
            list[str | None](statuses),
            *self._money(types, countries),
            merchant_ids,
            mccs,
            self._card_pans(types),
            ibans,
            bics,
            countries,
            [self.channels[t].one(rand) for t in types],
            created,
            settled,
        ]

    def _parties(self, types: list[str]) -> list[list[str | None]]:
        """merchant_id, mcc, counterparty_iban, counterparty_bic, country."""
        rand = self.rand
        merchants, parties = self.pools.merchants, self.pools.counterparties
        merchant_ids: list[str | None] = []
        mccs: list[str | None] = []
        ibans: list[str | None] = []
        bics: list[str | None] = []
        countries: list[str | None] = []
        for t in types:
            merchant_id = mcc = iban = bic = None
            if t in MERCHANT_TYPES:
                merchant = merchants[int(rand() * len(merchants))]
                merchant_id, mcc, country = merchant.merchant_id, merchant.mcc, merchant.country
            elif t == "TRANSFER":
                party = parties[int(rand() * len(parties))]
                iban, country = party.iban, party.country
                bic = party.bic if rand() < BIC_SHARE else None
            else:
                country = self.countries.one(rand)
                mcc = ATM_MCC if t == "WITHDRAWAL" else None
            merchant_ids.append(merchant_id)
            mccs.append(mcc)
            ibans.append(iban)
            bics.append(bic)
            countries.append(country)
        return [merchant_ids, mccs, ibans, bics, countries]

    def _money(self, types: list[str], countries: list[str | None]) -> Columns:
        """amount, currency, fee_amount, settlement_currency, fx_rate, settlement_amount."""
        rand, gauss, per_eur = self.rand, self.gauss, self.per_eur
        columns: Columns = [[], [], [], [], [], []]
        amounts, currencies, fees, settlement_currencies, rates, settlements = columns
        for t, country in zip(types, countries, strict=True):
            currency = LOCAL_CURRENCY[str(country)]
            if rand() < 0.05:
                currency = "USD" if currency != "USD" else "EUR"
            units = minor_units(currency)
            if t == "WITHDRAWAL":
                notes = _NOTES[int(rand() * len(_NOTES))]
                minor = notes * _NOTE_UNIT.get(currency, 10) * 10**units
            else:
                if t == "FEE":
                    in_eur = 0.5 + rand() * 14.5
                elif t == "TRANSFER":
                    in_eur = min(exp(gauss(5.0, 1.3)), 50_000.0)
                else:
                    in_eur = min(exp(gauss(3.2, 1.0)), 20_000.0)
                # The draw is a float; the money is the integer of minor units it lands on.
                minor = max(1, round(in_eur * per_eur[currency] * 10**units))
            amount = minor_text(minor, units)
            fee = None
            if t in _FEE_TYPES and rand() < FEE_SHARE:
                fee = minor_text(minor * int(rand() * 301) // 10_000, units)
            amounts.append(amount)
            currencies.append(currency)
            fees.append(fee)
            if rand() < SAME_CURRENCY_SHARE:
                settlement_currencies.append(currency)
                rates.append(_ONE_TEXT)
                settlements.append(amount)
                continue
            others = _OTHER_SETTLEMENT[currency]
            settlement_currency = others[int(rand() * len(others))]
            jitter = Decimal(100_000 + int(rand() * 601) - 300) / 100_000
            rate = rate_text(base_rate(currency, settlement_currency) * jitter)
            settled = settle(Decimal(amount), Decimal(rate), minor_units(settlement_currency))
            settlement_currencies.append(settlement_currency)
            rates.append(rate)
            settlements.append(decimal_text(settled))
        return columns

    def _card_pans(self, types: list[str]) -> list[str | None]:
        rand = self.rand
        return [
            f"{_MASKED_BINS[int(rand() * len(_MASKED_BINS))]}{int(rand() * 10_000):04d}"
            if t in CARD_TYPES
            else None
            for t in types
        ]

    def _times(self, statuses: list[str]) -> tuple[list[str | None], list[str | None]]:
        """created_at (mostly on the day, a few late arrivals) and settled_at when settled."""
        rand, hours = self.rand, self.hours
        millis, offset_share = self.style.millis, self.style.offset_share
        day_end_ms = self.day0_ms + MS_PER_DAY
        created_texts: list[str | None] = []
        settled_texts: list[str | None] = []
        for status in statuses:
            days_back = 1 + int(rand() * 3) if rand() < LATE_ARRIVAL_SHARE else 0
            ms_of_day = hours.one(rand) * 3_600_000 + int(rand() * 3600) * 1000
            if millis:
                ms_of_day += int(rand() * 1000)
            created = self.day0_ms - days_back * MS_PER_DAY + min(ms_of_day, self.last_ms_of_day)
            offset = 60 if rand() < offset_share else 0
            created_texts.append(render(created, offset, millis))
            if status in SETTLED_STATUSES:
                delay = int(30 + rand() * (4 * 3600 - 30)) * 1000
                settled = max(created, min(created + delay, day_end_ms - 1000))
                settled_texts.append(render(settled, offset, millis))
            else:
                settled_texts.append(None)
        return created_texts, settled_texts


_FEE_TYPES = frozenset({"PURCHASE", "TRANSFER", "WITHDRAWAL"})
_MASKED_BINS = tuple(f"{bin6}{'*' * (length - 10)}" for bin6, length in CARD_BINS)
_OTHER_SETTLEMENT = {c: tuple(s for s in SETTLEMENT_CURRENCIES if s != c) for c in UNITS_PER_EUR}
