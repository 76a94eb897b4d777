"""IBAN length per country, from `schwifty`'s IBAN registry.

schwifty's registry is generated from the SWIFT IBAN Registry and adds the "aspirational"
countries (IBAN formats in use but not registered with SWIFT, e.g. AO, CI, MA, SN), which
schwifty itself accepts as valid: so do we. It is read through schwifty's public
`get_iban_spec` for every two-letter code, which keeps us off its private registry API.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version
from itertools import product
from string import ascii_uppercase

from schwifty.exceptions import InvalidCountryCode
from schwifty.registry import get_iban_spec

SOURCE = f"schwifty {version('schwifty')} (PyPI), SWIFT IBAN Registry plus aspirational countries"


@cache
def _iban_lengths() -> tuple[tuple[str, int], ...]:
    lengths = []
    for first, second in product(ascii_uppercase, repeat=2):
        try:
            spec = get_iban_spec(first + second)
        except InvalidCountryCode:
            continue
        lengths.append((first + second, int(spec.iban_length)))
    return tuple(lengths)


def iban_lengths() -> dict[str, int]:
    """Country code (the IBAN's first two letters) -> total IBAN length (DE 22, GB 22, ...)."""
    return dict(_iban_lengths())
