"""Who transacts: the merchants reference table and the pool of transfer counterparties.

Both depend on the seed only (not on the day), so every generated day refers to the same
merchants file and consecutive days look like one business over time.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from schwifty import IBAN

from fintech_dq.masking import luhn_valid
from fintech_dq.sample.catalog import COUNTRY_WEIGHTS, IBAN_COUNTRIES, MERCHANT_MCCS

MERCHANT_COLUMNS = ("merchant_id", "name", "mcc", "country", "onboarded_at", "status")
MERCHANT_COUNT = 300
SUSPENDED_SHARE = 0.03
COUNTERPARTY_COUNT = 400
# Ids from here on are never in the merchants table: the unknown_merchant defect uses them.
UNKNOWN_MERCHANT_BASE = 900_000

_NAME_WORDS = (
    "Corner", "Central", "Riverside", "Golden", "Urban", "Blue", "Old Town", "Harbour",
    "Alpine", "Sunset", "Royal", "Green", "North Star", "Market Square",
)  # fmt: skip
_DIGIT_RUN = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Merchant:
    merchant_id: str
    name: str
    mcc: str
    country: str
    onboarded_at: date
    status: str

    def as_row(self) -> tuple[str, ...]:
        return (
            self.merchant_id, self.name, self.mcc, self.country,
            self.onboarded_at.isoformat(), self.status,
        )  # fmt: skip


@dataclass(frozen=True)
class Counterparty:
    """A transfer counterparty: a valid IBAN, its bank's BIC when known, and a broken twin."""

    iban: str
    bic: str | None
    country: str
    broken_iban: str  # same length, check digits off by one: fails mod-97 only


def merchant_id(number: int) -> str:
    return f"MER{number:06d}"


def build_merchants(seed: int, count: int = MERCHANT_COUNT) -> tuple[Merchant, ...]:
    rng = random.Random(f"fdq-sample:{seed}:merchants")
    countries = [c for c, _ in COUNTRY_WEIGHTS]
    weights = [w for _, w in COUNTRY_WEIGHTS]
    mccs = sorted(MERCHANT_MCCS)
    suspended = set(rng.sample(range(count), max(3, round(count * SUSPENDED_SHARE))))
    first_day = date(2016, 1, 1)
    merchants = []
    for number in range(1, count + 1):
        mcc = rng.choice(mccs)
        merchants.append(
            Merchant(
                merchant_id=merchant_id(number),
                name=f"{rng.choice(_NAME_WORDS)} {MERCHANT_MCCS[mcc]} {number}",
                mcc=mcc,
                country=rng.choices(countries, weights)[0],
                onboarded_at=first_day + timedelta(days=rng.randrange(3500)),
                status="SUSPENDED" if number - 1 in suspended else "ACTIVE",
            )
        )
    return tuple(merchants)


def write_merchants(path: Path, merchants: tuple[Merchant, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MERCHANT_COLUMNS)
        writer.writerows(m.as_row() for m in merchants)


def looks_like_card_number(text: str) -> bool:
    """A digit run of 13-19 digits passing Luhn: kept out of every clean text value.

    Broader than the engine's scan (which also wants a card scheme prefix), so nothing
    the generator writes by chance can read as a PCI breach.
    """
    return any(13 <= len(run) <= 19 and luhn_valid(run) for run in _DIGIT_RUN.findall(text))


def build_counterparties(seed: int, count: int = COUNTERPARTY_COUNT) -> tuple[Counterparty, ...]:
    rng = random.Random(f"fdq-sample:{seed}:counterparties")
    pool: list[Counterparty] = []
    while len(pool) < count:
        iban = IBAN.random(country_code=rng.choice(IBAN_COUNTRIES), random=rng)
        compact = iban.compact
        check = int(compact[2:4])
        broken = f"{compact[:2]}{check + 1 if check < 98 else check - 1:02d}{compact[4:]}"
        if looks_like_card_number(compact) or looks_like_card_number(broken):
            continue
        bic = iban.bic
        pool.append(Counterparty(compact, str(bic) if bic else None, compact[:2], broken))
    return tuple(pool)
