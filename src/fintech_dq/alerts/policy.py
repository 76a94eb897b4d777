"""The escalation policy: per severity, the tiers, when each hears, repeats, quiet hours.

A YAML file a risk lead can read (package data `policy.yaml`; FDQ_ALERT_POLICY names
another, e.g. a test's with shortened times). Parsed into typed objects at once, so a
typo is an error naming the field, not an alert that never escalates.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

POLICY_VARIABLE = "FDQ_ALERT_POLICY"
TIERS = (1, 2, 3)
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class PolicyError(ValueError):
    """A policy file that cannot be used as written."""


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    def contains(self, moment: datetime) -> bool:
        now = moment.time()
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def ends_after(self, moment: datetime) -> datetime:
        """The first moment at or after `moment` outside the window."""
        if not self.contains(moment):
            return moment
        end = moment.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return end if end > moment else end + timedelta(days=1)


@dataclass(frozen=True)
class SeverityPolicy:
    severity: str
    tier_after: dict[int, timedelta]
    """Tier -> time after opening when it is told (tier 1 at 0)."""
    repeat_every: timedelta | None
    quiet_hours: QuietHours | None

    @property
    def last_tier(self) -> int:
        return max(self.tier_after)

    def next_tier(self, notified_tier: int) -> int | None:
        later = [t for t in sorted(self.tier_after) if t > notified_tier]
        return later[0] if later else None

    def deferred(self, moment: datetime) -> datetime:
        return self.quiet_hours.ends_after(moment) if self.quiet_hours else moment


@dataclass(frozen=True)
class EscalationPolicy:
    severities: dict[str, SeverityPolicy]
    source: str

    def for_severity(self, severity: str) -> SeverityPolicy:
        try:
            return self.severities[severity]
        except KeyError:
            raise PolicyError(f"{self.source}: no escalation for severity {severity!r}") from None


SEVERITIES = ("warn", "error", "critical")
"""Every severity that opens an alert needs an entry: one missing would fail each event of
that severity at the handler, after the file had loaded without complaint."""
_TOP_KEYS = ("version", "severities")
_SEVERITY_KEYS = ("tiers", "repeat_every", "quiet_hours")
_TIER_KEYS = ("tier", "after")
_WINDOW_KEYS = ("start", "end")
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class _Problems:
    """Every problem of one file, each as `file: key.path: what is wrong`: all reported at
    once, so a lead fixing the policy does not meet them one run at a time."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.found.append(
            f"{self.source}: {where}: {message}" if where else f"{self.source}: {message}"
        )

    def unknown_keys(self, where: str, mapping: dict[Any, Any], known: tuple[str, ...]) -> None:
        for key in mapping:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"expected {', '.join(known)}"
            self.add(f"{where}.{key}" if where else str(key), f"unknown key ({hint})")


def parse_duration(text: Any, where: str) -> timedelta:
    """`90s`, `15m`, `4h`, `1d`: a number and a unit, never negative."""
    if isinstance(text, str) and text.strip().startswith("-"):
        raise PolicyError(f"{where}: {text!r} is negative; durations count forward from 0s")
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise PolicyError(f"{where}: {text!r} is not a duration like 90s, 15m, 4h, 1d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _clock(value: Any, where: str) -> time:
    """A time of day, `HH:MM`, quoted. YAML 1.1 reads an unquoted 20:00 as the number 1200
    (base 60), and Python's time.fromisoformat("1200") is 12:00: without this check, quiet
    hours would start at noon and nobody would be told why."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        hours, minutes = divmod(value, 60)
        raise PolicyError(
            f"{where}: {value} is a number, not a time of day; write it quoted: "
            f'"{hours:02d}:{minutes:02d}" (YAML reads an unquoted {hours:02d}:{minutes:02d} '
            f"as {value})"
        )
    match = _TIME_OF_DAY.match(value) if isinstance(value, str) else None
    if not match:
        raise PolicyError(f'{where}: {value!r} is not a time of day; write it quoted, like "20:00"')
    return time(int(match.group(1)), int(match.group(2)))


def _parsed(problems: _Problems, parse: Any, value: Any, where: str) -> Any:
    """`parse(value, where)`, its PolicyError kept as one problem (None then)."""
    try:
        return parse(value, where)
    except PolicyError as problem:
        problems.found.append(f"{problems.source}: {problem}")
        return None


def parse_policy(document: Any, source: str = "<policy>") -> EscalationPolicy:
    """The policy in `document` (parsed YAML), or a PolicyError listing every problem, each
    naming the file and the key path (`severities.error.repeat_every`)."""
    problems = _Problems(source)
    if not isinstance(document, dict) or document.get("version") != 1:
        raise PolicyError(f"{source}: expected a mapping with `version: 1`")
    problems.unknown_keys("", document, _TOP_KEYS)
    bodies = document.get("severities")
    if not isinstance(bodies, dict) or not bodies:
        problems.add("severities", f"expected a mapping of {', '.join(SEVERITIES)}")
        bodies = {}
    problems.unknown_keys("severities", bodies, SEVERITIES)
    severities: dict[str, SeverityPolicy] = {}
    for severity, body in bodies.items():  # in the file's order
        where = f"severities.{severity}"
        if severity not in SEVERITIES:
            continue
        if not isinstance(body, dict):
            problems.add(where, "expected a mapping with tiers, repeat_every, quiet_hours")
            continue
        parsed = _severity(problems, severity, body, where)
        if parsed is not None:
            severities[severity] = parsed
    for severity in SEVERITIES:
        if bodies and severity not in bodies:
            problems.add(
                f"severities.{severity}", "missing; every severity that opens alerts needs one"
            )
    if problems.found:
        raise PolicyError("\n".join(problems.found))
    return EscalationPolicy(severities, source)


def _severity(
    problems: _Problems, severity: str, body: dict[Any, Any], where: str
) -> SeverityPolicy | None:
    before = len(problems.found)
    problems.unknown_keys(where, body, _SEVERITY_KEYS)
    tier_after = _tiers(problems, body.get("tiers"), f"{where}.tiers")
    repeat = body.get("repeat_every")
    repeat_every = None
    if repeat is not None:
        repeat_every = _parsed(problems, parse_duration, repeat, f"{where}.repeat_every")
        if repeat_every == timedelta(0):
            problems.add(f"{where}.repeat_every", "0s would repeat at every check; use null")
    quiet_hours = _quiet_hours(problems, body.get("quiet_hours"), f"{where}.quiet_hours")
    if len(problems.found) > before:
        return None
    return SeverityPolicy(severity, tier_after, repeat_every, quiet_hours)


def _tiers(problems: _Problems, tiers: Any, where: str) -> dict[int, timedelta]:
    before = len(problems.found)
    if not isinstance(tiers, list) or not tiers:
        problems.add(where, "expected a list like [{tier: 1, after: 0s}, {tier: 2, after: 1h}]")
        return {}
    tier_after: dict[int, timedelta] = {}
    for index, entry in enumerate(tiers):
        at = f"{where}[{index}]"
        if not isinstance(entry, dict):
            problems.add(at, "expected {tier: N, after: DURATION}")
            continue
        problems.unknown_keys(at, entry, _TIER_KEYS)
        tier = entry.get("tier")
        if isinstance(tier, bool) or tier not in TIERS or tier in tier_after:
            problems.add(f"{at}.tier", f"{tier!r}: expected 1, 2 or 3, each once")
            continue
        if "after" not in entry:
            problems.add(f"{at}.after", "missing; a duration from opening, like 0s or 1h")
            continue
        after = _parsed(problems, parse_duration, entry["after"], f"{at}.after")
        if after is not None:
            tier_after[tier] = after
    if len(problems.found) > before:
        return tier_after
    numbers = sorted(tier_after)
    if numbers != list(TIERS[: len(numbers)]):
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        problems.add(where, f"tier {missing[0]} is missing; tiers are 1, then 2, then 3")
    elif tier_after[1] != timedelta(0):
        problems.add(where, "tier 1 must be told at once (after: 0s)")
    for lower, higher in itertools.pairwise(numbers):
        if tier_after[higher] < tier_after[lower]:
            problems.add(
                where,
                f"tier {higher} (after {_text(tier_after[higher])}) comes before tier {lower} "
                f"(after {_text(tier_after[lower])}); a later tier is told later",
            )
    return tier_after


def _quiet_hours(problems: _Problems, quiet: Any, where: str) -> QuietHours | None:
    if quiet is None:
        return None
    if not isinstance(quiet, dict):
        problems.add(where, 'expected {start: "HH:MM", end: "HH:MM"} (UTC, quoted)')
        return None
    problems.unknown_keys(where, quiet, _WINDOW_KEYS)
    start, end = (
        _parsed(problems, _clock, quiet.get(key), f"{where}.{key}") if key in quiet else None
        for key in _WINDOW_KEYS
    )
    for key in _WINDOW_KEYS:
        if key not in quiet:
            problems.add(f"{where}.{key}", 'missing; a quoted UTC time like "07:00"')
    if start is None or end is None:
        return None
    if start == end:
        problems.add(where, "start and end are the same: an empty window; remove quiet_hours")
        return None
    return QuietHours(start, end)


def _text(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def load_policy(path: Path | str | None = None) -> EscalationPolicy:
    """The policy at `path`, else FDQ_ALERT_POLICY, else the packaged one."""
    chosen = path or os.environ.get(POLICY_VARIABLE)
    if chosen:
        source = str(chosen)
        try:
            text = Path(chosen).read_text(encoding="utf-8")
        except OSError as error:
            named = "" if path else f" (named by {POLICY_VARIABLE})"
            raise PolicyError(f"{source}{named}: cannot read: {error.strerror}") from None
    else:
        text = resources.files("fintech_dq.alerts").joinpath("policy.yaml").read_text("utf-8")
        source = "fintech_dq/alerts/policy.yaml"
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        raise PolicyError(f"{source}{at}: not valid YAML: {reason}") from None
    return parse_policy(document, source)
