"""Card schemes' IIN (BIN) prefix ranges and card number lengths.

One in ten random digit strings passes the Luhn check. Where the contract does not define
a card number as just that (its definition is of text columns), a real scheme's prefix and
length are demanded as well, so that large amounts, timestamps and the numbers in file
names and manifests are not called card numbers (docs/rules.md; `require_card_scheme`
extends it to text). No widely used, maintained PyPI package carries this table (the small card
validator packages there are single-author and lag the schemes), so it is kept here: the
schemes' published IIN ranges (ISO/IEC 7812 issuer identification numbers) as summarised
in Wikipedia's "Payment card number" article, checked 2026-11-29. Smaller domestic
schemes whose ranges lie inside Maestro's "6" or Discover's are covered by those. UATP
(prefix 1) is left out: not a PCI DSS payment brand, and its prefix would catch 15-digit
numbers starting with 1.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "card schemes' IIN ranges (Wikipedia, Payment card number), checked 2026-11-29"


@dataclass(frozen=True)
class CardScheme:
    """Prefix ranges are inclusive pairs of equal-length digit strings ("2221", "2720")."""

    name: str
    prefixes: tuple[tuple[str, str], ...]
    lengths: frozenset[int]

    def matches(self, digits: str) -> bool:
        return len(digits) in self.lengths and any(
            low <= digits[: len(low)] <= high for low, high in self.prefixes
        )


def _one(*prefixes: str) -> tuple[tuple[str, str], ...]:
    return tuple((prefix, prefix) for prefix in prefixes)


def _lengths(low: int, high: int) -> frozenset[int]:
    return frozenset(range(low, high + 1))


CARD_SCHEMES: tuple[CardScheme, ...] = (
    CardScheme("Visa", _one("4"), frozenset({13, 16, 19})),
    CardScheme("Mastercard", (("51", "55"), ("2221", "2720")), frozenset({16})),
    CardScheme("American Express", _one("34", "37"), frozenset({15})),
    CardScheme("Discover", (*_one("6011", "65"), ("644", "649")), _lengths(16, 19)),
    CardScheme("JCB", (("3528", "3589"),), _lengths(16, 19)),
    CardScheme(
        "Diners Club", (("300", "305"), *_one("3095", "36"), ("38", "39")), _lengths(14, 19)
    ),
    CardScheme("UnionPay", (*_one("62"), ("8100", "8171")), _lengths(14, 19)),
    CardScheme("Maestro", (*_one("50"), ("56", "58"), *_one("6")), _lengths(12, 19)),
    CardScheme("Mir", (("2200", "2204"),), _lengths(16, 19)),
    CardScheme("RuPay", _one("508", "60", "65", "81", "82", "353", "356"), frozenset({16})),
    CardScheme(
        "Verve",
        (("506099", "506198"), ("507865", "507964"), ("650002", "650027")),
        frozenset({16, 18, 19}),
    ),
    CardScheme("Troy", _one("9792"), frozenset({16})),
)


def schemes_matching(digits: str) -> list[str]:
    """Names of the schemes whose prefix and length fit `digits` (for reports and tests)."""
    return [scheme.name for scheme in CARD_SCHEMES if scheme.matches(digits)]
