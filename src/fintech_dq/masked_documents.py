"""One masker for every document the product writes or prints (results, metrics, schema diff,
audit records, reports): card numbers masked in every string, every dict key and every
number whose digits hold one.

A PAN reaches documents through names as well as values: a CSV header, a JSON key, a file
name, a currency used as a map key. Masking each document whole where it is written or
shown catches them all; the real names stay in memory for the code that needs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from fintech_dq.masking import mask_card_numbers_in_text

V = TypeVar("V")


def masked_text(value: Any) -> str:
    return mask_card_numbers_in_text(str(value)) or ""


def masked(value: Any) -> Any:
    """`value` (JSON-like) with every card number masked; numbers stay numbers unless their
    digits hold a card number (then they become the masked text)."""
    if isinstance(value, str):
        return mask_card_numbers_in_text(value)
    if isinstance(value, Mapping):
        return masked_keys({k: masked(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    shown = str(value)
    hidden = masked_text(shown)
    if isinstance(value, int | float) and hidden == shown:
        return value
    return hidden


def masked_results(document: Mapping[str, Any]) -> dict[str, Any]:
    """A results document masked whole, except the values of its `metrics`: those are the
    engine's own figures (totals, counts, rates), read back by the history and the report,
    and a large total (13+ digits of VND or IDR) can look like a card number; their keys
    (currencies and files as sent) are masked."""
    shown = masked({k: v for k, v in document.items() if k != "metrics"})
    if "metrics" in document:
        shown["metrics"] = keys_masked(document["metrics"])
    return dict(shown)


def keys_masked(value: Any) -> Any:
    """`value` with every dict key masked, at every depth; values as they are."""
    if isinstance(value, Mapping):
        return masked_keys({k: keys_masked(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return [keys_masked(v) for v in value]
    return value


def masked_keys(mapping: Mapping[Any, V]) -> dict[str, V]:
    """The mapping with its keys masked (as text). Two keys that mask alike are kept apart:
    the later one (in the mapping's order) gets ' (2)', ' (3)' ...; merging them would lose
    a value, e.g. one of two currencies' amount totals."""
    shown = {key: masked_text(key) for key in mapping}
    taken = {text for key, text in shown.items() if text == str(key)}
    renamed: dict[Any, str] = {}
    for key, text in shown.items():
        if text == str(key):
            continue
        unique, number = text, 1
        while unique in taken:
            number += 1
            unique = f"{text} ({number})"
        taken.add(unique)
        renamed[key] = unique
    return {renamed.get(key, shown[key]): value for key, value in mapping.items()}
