"""ISO 3166-1 alpha-2 country codes, from `pycountry` (which ships the Debian iso-codes data)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

import pycountry

SOURCE = f"pycountry {version('pycountry')} (PyPI), ISO 3166-1 from Debian iso-codes"


@cache
def alpha2_codes() -> frozenset[str]:
    """Officially assigned codes only: user-assigned ones such as XK (Kosovo) are not in."""
    return frozenset(str(country.alpha_2) for country in pycountry.countries)
