"""What a valid BIC (ISO 9362) is made of: its format and the countries it may name.

Characters 5-6 are an ISO 3166-1 alpha-2 code. SWIFT also issues BICs with XK (Kosovo,
user-assigned in ISO 3166, not in pycountry), so XK is accepted here as well.
"""

from __future__ import annotations

from functools import cache

from fintech_dq.reference.countries import SOURCE as COUNTRIES_SOURCE
from fintech_dq.reference.countries import alpha2_codes

BIC_PATTERN = r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$"
SWIFT_EXTRA_COUNTRIES = frozenset({"XK"})
SOURCE = f"ISO 9362 format; countries: {COUNTRIES_SOURCE} plus XK (SWIFT)"


@cache
def bic_country_codes() -> frozenset[str]:
    """Country codes a BIC may carry in positions 5-6."""
    return alpha2_codes() | SWIFT_EXTRA_COUNTRIES
