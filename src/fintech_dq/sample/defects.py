"""The defect classes the generator injects, the rules each must break, and the mixes.

Each class breaks exactly the rule ids listed for it, under the engine semantics decided
with the lead, which the engine must mirror for the ground truth to hold:

- Nulls pass every rule except `required`, `required_when`, and `allowed_values` /
  `code_set` without `allow_null: true` (`mcc.known` allows null). `range` fails on null
  only with `allow_null: false` (`fx_rate.positive`).
- A decimal or timestamp text that does not parse fails `<column>.type`; its value is null
  for every other rule. `fee_amount` null means 0 (also in `fee_amount.not_above_amount`).
- `compare` rules pass when either side is null; `value_mapping` passes when the key is
  unmapped (TRANSFER) or either value is null; `null_unless` fails on a non-null value when
  the status is not listed (so a bad status keeps settled_at empty).
- `settlement_amount.matches_fx` FAILS when amount, fx_rate or settlement_amount is null
  or unreadable (it cannot be verified), so `thousands_separator` and `exponent_amount`
  also list it. It needs only the SETTLEMENT currency's minor units.
- An unknown currency leaves `amount.minor_units` unevaluated (pass): its minor units are
  unknown. `unknown_currency` keeps a real settlement currency and a consistent rate, so
  only `currency.iso4217` fails.
- A merchant that is not in the reference table passes `merchant_id.not_suspended`.
- `created_at.in_business_window`: [business_date - 3 days 00:00Z, business_date + 1 day
  00:00Z). `created_at.not_in_future` uses the run's clock: clean rows end at 23:59:58Z of
  the business day, `created_in_future` rows are a year ahead.
- `negative_amount` also breaks `fee_amount.not_above_amount`: a fee is >= 0 (null is 0),
  so it can never be <= a negative amount.
- `bad_mcc` ("12A4") breaks `mcc.format` and `mcc.known` (a code set fails any non-null
  value outside it); `unknown_mcc` ("0001") breaks only `mcc.known`.
- `duplicate_in_batch`: the first copy by (file name, line) is clean and kept; only the
  later copy is defective. `seen_before` copies a clean (processed) id of an earlier
  generated day that was not blocked, so it needs that day validated first.
- Unparsable records (a CSV line with two extra fields, a JSON line cut in half) are
  rejected, break no row rule, count in the manifest's record_count and add nothing to its
  totals (their amount cannot be read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fintech_dq.sample import mutations as m

QUARANTINED = "quarantined"
REJECTED = "rejected"
# How many rows of the default mix are defective, and how often a line is unparsable.
DEFAULT_RATE = 0.02
DEFAULT_UNPARSABLE_EVERY = 50_000


@dataclass(frozen=True)
class DefectClass:
    """One kind of defect: the rules it breaks and the row it needs to start from."""

    name: str
    rules: tuple[str, ...]
    mutate: m.Mutation | None  # None: the writer breaks the record itself
    base_type: str | None = None
    base_status: str | None = None
    text_only: bool = False  # needs a CSV or JSON Lines file (Parquet columns are typed)
    reuses: str | None = None  # "batch": an earlier id of the day; "history": of a past day

    @property
    def outcome(self) -> str:
        return REJECTED if self.mutate is None else QUARANTINED


def _d(
    name: str, rules: str, mutate: m.Mutation | None, base: str = "", *, text_only: bool = False,
    reuses: str | None = None,
) -> DefectClass:  # fmt: skip
    """`base` names the row to start from: a type (PURCHASE, ...) or a status (AUTHORIZED...)."""
    base_type = base if base in ("PURCHASE", "TRANSFER") else None
    base_status = base if base in ("AUTHORIZED", "SETTLED") else None
    return DefectClass(
        name, tuple(rules.split()), mutate, base_type, base_status, text_only, reuses
    )


_PURCHASE = "PURCHASE"
_TRANSFER = "TRANSFER"
_UNSETTLED = "AUTHORIZED"
_SETTLED = "SETTLED"

DEFECTS: dict[str, DefectClass] = {
    d.name: d
    for d in (
        _d("missing_account_id", "account_id.required", m.missing_account_id),
        _d("bad_transaction_id", "transaction_id.format", m.bad_transaction_id),
        _d("duplicate_in_batch", "transaction_id.unique_in_batch", m.reused_id, reuses="batch"),
        _d("seen_before", "transaction_id.not_seen_recently", m.reused_id, reuses="history"),
        _d("bad_type", "transaction_type.allowed", m.bad_type),
        _d("direction_mismatch", "direction.matches_type", m.direction_mismatch, _PURCHASE),
        _d("bad_status", "status.allowed", m.bad_status, _UNSETTLED),
        _d("negative_amount", "amount.positive fee_amount.not_above_amount", m.negative_amount),
        _d("too_many_decimals", "amount.minor_units", m.too_many_decimals),
        _d("jpy_fraction", "amount.minor_units", m.jpy_fraction),
        _d(
            "thousands_separator",
            "amount.type settlement_amount.matches_fx",
            m.thousands_separator,
            text_only=True,
        ),
        _d(
            "exponent_amount",
            "amount.type settlement_amount.matches_fx",
            m.exponent_amount,
            text_only=True,
        ),
        _d("unknown_currency", "currency.iso4217", m.unknown_currency),
        _d("fee_above_amount", "fee_amount.not_above_amount", m.fee_above_amount),
        _d(
            "fx_not_one_same_currency",
            "fx_rate.one_for_same_currency",
            m.fx_not_one_same_currency,
        ),
        _d("settlement_mismatch", "settlement_amount.matches_fx", m.settlement_mismatch),
        _d(
            "missing_merchant_purchase",
            "merchant_id.required_for_card_types",
            m.missing_merchant,
            _PURCHASE,
        ),
        _d("unknown_merchant", "merchant_id.known", m.unknown_merchant, _PURCHASE),
        _d("suspended_merchant", "merchant_id.not_suspended", m.suspended_merchant, _PURCHASE),
        _d("bad_mcc", "mcc.format mcc.known", m.bad_mcc, _PURCHASE),
        _d("unknown_mcc", "mcc.known", m.unknown_mcc, _PURCHASE),
        _d(
            "unmasked_pan_in_card_pan",
            "card_pan.masked card_number.unmasked",
            m.unmasked_pan,
            _PURCHASE,
        ),
        _d(
            "transfer_without_iban",
            "counterparty_iban.required_for_transfer",
            m.transfer_without_iban,
            _TRANSFER,
        ),
        _d("bad_iban", "counterparty_iban.valid", m.bad_iban, _TRANSFER),
        _d("bad_bic", "counterparty_bic.valid", m.bad_bic, _TRANSFER),
        _d("bad_country", "country.iso3166", m.bad_country),
        _d("bad_channel", "channel.allowed", m.bad_channel),
        _d(
            "created_in_future",
            "created_at.not_in_future created_at.in_business_window",
            m.created_in_future,
            _UNSETTLED,
        ),
        _d("too_late", "created_at.in_business_window", m.too_late, _UNSETTLED),
        _d(
            "settled_without_status",
            "settled_at.only_when_settled",
            m.settled_without_status,
            _UNSETTLED,
        ),
        _d(
            "settled_missing_time",
            "settled_at.required_when_settled",
            m.settled_missing_time,
            _SETTLED,
        ),
        _d(
            "settled_before_created",
            "settled_at.after_created",
            m.settled_before_created,
            _SETTLED,
        ),
        _d("bad_timestamp", "created_at.type", m.bad_timestamp, text_only=True),
        _d("unparsable_line", "", None, text_only=True),
    )
}
CRITICAL_DEFECTS = ("unmasked_pan_in_card_pan",)
# The default mix spreads over every quarantining class but the critical one.
ERROR_DEFECTS: tuple[str, ...] = tuple(
    name for name, d in DEFECTS.items() if d.outcome == QUARANTINED and name not in CRITICAL_DEFECTS
)


@dataclass(frozen=True)
class DefectMix:
    """How many rows of each class to inject into a day of `rows` rows.

    `rate` of the rows is spread evenly over `classes` (at least one row each), `exact`
    adds fixed counts, and one line in `unparsable_every` (at least one) is unparsable.
    """

    rate: float = 0.0
    classes: tuple[str, ...] = ()
    exact: Mapping[str, int] = field(default_factory=dict)
    unparsable_every: int = 0

    def __post_init__(self) -> None:
        unknown = sorted(name for name in {*self.classes, *self.exact} if name not in DEFECTS)
        if unknown:
            raise ValueError(f"unknown defect class(es): {', '.join(unknown)}")

    def counts(self, rows: int) -> dict[str, int]:
        """Rows per class, in DEFECTS order (the order they are placed in)."""
        wanted: dict[str, int] = dict.fromkeys(DEFECTS, 0)
        if self.rate > 0 and self.classes:
            each = max(1, round(self.rate * rows / len(self.classes)))
            for name in self.classes:
                wanted[name] += each
        for name, count in self.exact.items():
            wanted[name] += count
        if self.unparsable_every > 0:
            wanted["unparsable_line"] += max(1, rows // self.unparsable_every)
        return {name: count for name, count in wanted.items() if count > 0}

    def without_critical(self) -> DefectMix:
        """The same mix with no batch-blocking defect (for history days, which must publish)."""
        return DefectMix(
            self.rate,
            tuple(c for c in self.classes if c not in CRITICAL_DEFECTS),
            {c: n for c, n in self.exact.items() if c not in CRITICAL_DEFECTS},
            self.unparsable_every,
        )

    @classmethod
    def named(cls, text: str) -> DefectMix:
        """'default', 'none', 'pci_breach', or class names separated by commas."""
        presets = {
            "none": cls(),
            "default": cls(DEFAULT_RATE, ERROR_DEFECTS, unparsable_every=DEFAULT_UNPARSABLE_EVERY),
            "pci_breach": cls(
                DEFAULT_RATE,
                ERROR_DEFECTS,
                {"unmasked_pan_in_card_pan": 1},
                DEFAULT_UNPARSABLE_EVERY,
            ),
        }
        if text in presets:
            return presets[text]
        names = tuple(part.strip() for part in text.split(",") if part.strip())
        if not names:
            raise ValueError("name a defect mix: default, none, pci_breach or defect classes")
        return cls(DEFAULT_RATE, names)


PRESETS = ("default", "none", "pci_breach")
