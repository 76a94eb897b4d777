"""Masking card numbers in text that leaves Spark: messages, samples, logs, CLI output.

Deliberately broader than the PCI scan in expressions.card_numbers: any 13-19 digit run
passing Luhn is masked here, scheme prefix or not. Masking too much in a message costs
nothing; printing one real PAN is a breach.
"""

from __future__ import annotations

import re

_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(?:[0-9][ -]?){12,18}[0-9](?![0-9A-Za-z])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_pan(digits: str) -> str:
    """First six and last four digits kept, the rest '*' (PCI DSS display rule)."""
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def mask_card_numbers_in_text(text: str | None) -> str | None:
    if text is None:
        return None

    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return mask_pan(digits)
        return match.group(0)

    return _CANDIDATE.sub(replace, text)
