"""ISO 18245 merchant category codes, from the data file shipped beside this module.

The maintained PyPI package `iso18245` cannot be a dependency: version 1.4.1 requires
importlib_resources<6, which conflicts with the MWAA constraints (importlib_resources
7.1.0). data/iso18245_mcc.csv is therefore extracted from that package's data (MIT
licence): the ISO 18245 list plus the codes Visa and Mastercard publish (which include the
airline, car rental and lodging codes 3000-3999 individually). data/README.md tells how.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

DATA_FILE = "iso18245_mcc.csv"
SOURCE = (
    "data/iso18245_mcc.csv: iso18245 1.4.1 (PyPI, 2025-09) lists ISO 18245 (2003 edition), "
    "Visa and Mastercard MCCs, extracted 2026-11-29"
)


@cache
def _rows() -> tuple[tuple[str, str], ...]:
    text = files("fintech_dq.reference").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    reader = csv.DictReader(text.splitlines())
    return tuple((row["code"], row["description"]) for row in reader)


def mcc_codes() -> frozenset[str]:
    """Every known merchant category code, as four-digit text ("0742", "5411")."""
    return frozenset(code for code, _ in _rows())


def mcc_descriptions() -> dict[str, str]:
    """Code -> description (ISO wording where ISO lists the code, else Visa's or Mastercard's)."""
    return dict(_rows())
