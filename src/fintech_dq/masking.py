"""Masking card numbers in text that leaves Spark: messages, samples, logs, CLI output.

Deliberately broader than the PCI scan in expressions.card_numbers, so that it masks every
PAN that scan finds and more: in each run of digit groups joined by single spaces or
hyphens (not glued to a letter or digit before it; a group glued to a letter after it is
left out, as by the scan), every span of whole groups holding 13-19 digits that passes
Luhn is masked, scheme prefix or not, layout or not. The scan's ungrouped PANs are single
groups and its grouped layouts are such spans, so each of them is among these. Every span
is tried, not only the longest, so a PAN followed by more digits ("4111 1111 1111 1111
12/27", "4900000010000100-001.csv") is masked too. Nor are printed IBANs spared: masking
too much in a message costs nothing; printing one real PAN is a breach.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A maximal run of digit groups (as expressions.card_numbers._RUN), and a letter glued to it.
_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:[ -][0-9]+)*(?P<glued>[A-Za-z])?")
_SEPARATOR = re.compile(r"[ -]")
_MIN_DIGITS, _MAX_DIGITS = 13, 19
_KEPT_BEFORE, _KEPT_AFTER = 6, 4


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


def _luhn_spans(groups: list[str], usable: int) -> list[tuple[int, int]]:
    """Spans [first, last] of the first `usable` groups holding 13-19 digits that pass Luhn."""
    found: list[tuple[int, int]] = []
    for first in range(usable):
        length = 0
        for last in range(first, usable):
            length += len(groups[last])
            if length > _MAX_DIGITS:
                break
            if length >= _MIN_DIGITS and luhn_valid("".join(groups[first : last + 1])):
                found.append((first, last))
    return found


def _runs(text: str) -> Iterator[tuple[re.Match[str], str, list[str], int]]:
    """Each run of digit groups: its match, the run without a glued letter, its groups and
    how many of them may be part of a PAN (not a last group glued to a letter)."""
    for match in _RUN.finditer(text):
        glued = match.group("glued")
        run = match.group(0)[:-1] if glued else match.group(0)
        groups = _SEPARATOR.split(run)
        yield match, run, groups, len(groups) - 1 if glued else len(groups)


def card_numbers_in_text(text: str) -> list[str]:
    """The digits of every span mask_card_numbers_in_text masks, in order of position."""
    return [
        digits
        for _, run, groups, usable in _runs(text)
        for digits, _ in _written(run, groups, _luhn_spans(groups, usable))
    ]


def _written(run: str, groups: list[str], spans: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """Each span's digits and its text as written in `run` (separators included)."""
    offsets = [0]  # each group's first character in the run (single-char separators)
    for group in groups:
        offsets.append(offsets[-1] + len(group) + 1)
    return [
        ("".join(groups[first : last + 1]), run[offsets[first] : offsets[last] + len(groups[last])])
        for first, last in spans
    ]


def _masked_run(run: str, groups: list[str], found: list[tuple[int, int]]) -> str:
    """`run` (digit groups and their separators) with the spans `found` (_luhn_spans)
    masked."""
    separators = _SEPARATOR.findall(run)
    starts = [0]  # each group's first digit position
    for group in groups:
        starts.append(starts[-1] + len(group))
    hidden: set[int] = set()  # digit positions (in the run's digits) to show as '*'
    for first, last in found:
        hidden.update(range(starts[first] + _KEPT_BEFORE, starts[last + 1] - _KEPT_AFTER))
    if not found:
        return run
    # Overlapping spans are written as one stretch of digits (separators dropped, as
    # mask_pan does); a digit in the middle of any of them is hidden, so no PAN shows
    # more than its first six and last four.
    in_pan = [False] * len(groups)
    joined = [False] * len(separators)  # separator between two groups of one PAN
    for first, last in found:
        for index in range(first, last + 1):
            in_pan[index] = True
        for index in range(first, last):
            joined[index] = True
    all_digits = "".join(groups)
    out = []
    for index, group in enumerate(groups):
        if in_pan[index]:
            start = starts[index]
            out.append(
                "".join(
                    "*" if start + offset in hidden else digit
                    for offset, digit in enumerate(all_digits[start : start + len(group)])
                )
            )
        else:
            out.append(group)
        if index < len(separators) and not joined[index]:
            out.append(separators[index])
    return "".join(out)


def mask_card_numbers_in_text(text: str | None) -> str | None:
    """`text` with every Luhn-valid 13-19 digit span (see the module docstring) masked, and
    then every other occurrence of a number so found, as written or as bare digits, even
    one glued to a letter or digit ("490000******0031/a4900000071000031.csv"): the Spark
    mask (expressions.card_numbers.mask_card_numbers) replaces every occurrence too."""
    if text is None:
        return None
    out, end, found = [], 0, []
    for match, run, groups, usable in _runs(text):
        spans = _luhn_spans(groups, usable)
        out += [text[end : match.start()], _masked_run(run, groups, spans)]
        found += _written(run, groups, spans)
        end = match.start() + len(run)  # a glued letter stays, as the text after the run
    out.append(text[end:])
    masked = "".join(out)
    for digits, written in found:
        for shown_as in {written, digits}:
            masked = masked.replace(shown_as, mask_pan(digits))
    return masked
