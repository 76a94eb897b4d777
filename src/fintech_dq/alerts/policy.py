"""The escalation policy: per severity, the tiers, when each hears, repeats, quiet hours.

A YAML file a risk lead can read (package data `policy.yaml`; FDQ_ALERT_POLICY names
another, e.g. a test's with shortened times). Parsed into typed objects at once, so a
typo is an error naming the field, not an alert that never escalates.
"""

from __future__ import annotations

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


def parse_duration(text: Any, where: str) -> timedelta:
    match = _DURATION.match(str(text).strip())
    if not match:
        raise PolicyError(f"{where}: {text!r} is not a duration like 90s, 15m, 4h, 1d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _clock(text: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise PolicyError(f"{where}: {text!r} is not a time of day like 20:00") from None


def parse_policy(document: Any, source: str = "<policy>") -> EscalationPolicy:
    if not isinstance(document, dict) or document.get("version") != 1:
        raise PolicyError(f"{source}: expected a mapping with `version: 1`")
    unknown = set(document) - {"version", "severities"}
    if unknown:
        raise PolicyError(f"{source}: unknown keys {sorted(unknown)}")
    severities: dict[str, SeverityPolicy] = {}
    for severity, body in (document.get("severities") or {}).items():
        where = f"{source}: severities.{severity}"
        if severity not in ("warn", "error", "critical"):
            raise PolicyError(f"{where}: severity must be warn, error or critical")
        if not isinstance(body, dict):
            raise PolicyError(f"{where}: expected a mapping")
        extra = set(body) - {"tiers", "repeat_every", "quiet_hours"}
        if extra:
            raise PolicyError(f"{where}: unknown keys {sorted(extra)}")
        tier_after: dict[int, timedelta] = {}
        for index, tier in enumerate(body.get("tiers") or []):
            at = f"{where}.tiers[{index}]"
            if not isinstance(tier, dict) or set(tier) != {"tier", "after"}:
                raise PolicyError(f"{at}: expected {{tier: N, after: DURATION}}")
            if tier["tier"] not in TIERS or tier["tier"] in tier_after:
                raise PolicyError(f"{at}: tier must be one of 1, 2, 3, each once")
            tier_after[tier["tier"]] = parse_duration(tier["after"], f"{at}.after")
        if tier_after.get(1) != timedelta(0):
            raise PolicyError(f"{where}: tier 1 must be told at once (after: 0s)")
        ordered = [tier_after[t] for t in sorted(tier_after)]
        if ordered != sorted(ordered) or sorted(tier_after) != list(TIERS[: len(tier_after)]):
            raise PolicyError(f"{where}: tiers must be 1..N with times that grow")
        repeat = body.get("repeat_every")
        quiet = body.get("quiet_hours")
        if quiet is not None and (not isinstance(quiet, dict) or set(quiet) != {"start", "end"}):
            raise PolicyError(f"{where}.quiet_hours: expected {{start: HH:MM, end: HH:MM}}")
        severities[severity] = SeverityPolicy(
            severity=severity,
            tier_after=tier_after,
            repeat_every=None if repeat is None else parse_duration(repeat, f"{where}.repeat"),
            quiet_hours=(
                QuietHours(_clock(quiet["start"], where), _clock(quiet["end"], where))
                if quiet
                else None
            ),
        )
    if not severities:
        raise PolicyError(f"{source}: no severities")
    return EscalationPolicy(severities, source)


def load_policy(path: Path | str | None = None) -> EscalationPolicy:
    """The policy at `path`, else FDQ_ALERT_POLICY, else the packaged one."""
    chosen = path or os.environ.get(POLICY_VARIABLE)
    if chosen:
        text, source = Path(chosen).read_text(encoding="utf-8"), str(chosen)
    else:
        text = resources.files("fintech_dq.alerts").joinpath("policy.yaml").read_text("utf-8")
        source = "fintech_dq/alerts/policy.yaml"
    return parse_policy(yaml.safe_load(text), source)
