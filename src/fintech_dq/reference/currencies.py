"""Active ISO 4217 currencies and their minor units, from the `iso4217` package.

The package ships ISO 4217 List One (current currencies and funds) as published by the
maintenance agency (SIX). "Active" means listed there: withdrawn codes (HRK, SLL, BGN since
2026-01-01, ...) are List Three and absent. Codes whose minor units are "N.A." (gold XAU,
SDR XDR, bond units XBA-XBD, test code XTS, "no currency" XXX, ...) are not currencies
anyone pays in: they are excluded, so a transaction in them is invalid. Fund codes that do
have minor units (CLF, USN, CHE, ...) stay: they are active List One codes.
"""

from __future__ import annotations

from functools import cache

import iso4217

SOURCE = (
    f"iso4217 {iso4217.__version__} (PyPI), ISO 4217 List One published "
    f"{iso4217.__published__.isoformat()}"
)


@cache
def _minor_units() -> tuple[tuple[str, int], ...]:
    pairs = []
    for code, entry in iso4217.raw_table.items():
        units = entry.get("CcyMnrUnts")
        if code and isinstance(units, str) and units.isdigit():
            pairs.append((str(code), int(units)))
    return tuple(sorted(pairs))


def minor_units() -> dict[str, int]:
    """Currency code -> number of decimal places (JPY 0, USD 2, BHD 3, CLF 4)."""
    return dict(_minor_units())
