"""Rule type -> builder of its row check. Batch rule types are evaluated in batch_rules."""

from __future__ import annotations

from fintech_dq.checks import (
    duplicates,
    identifiers,
    numbers,
    presence,
    references,
    time_rules,
    values,
)
from fintech_dq.checks.base import RowCheckBuilder

ROW_CHECK_BUILDERS: dict[str, RowCheckBuilder] = {
    **presence.BUILDERS,
    **values.BUILDERS,
    **numbers.BUILDERS,
    **identifiers.BUILDERS,
    **references.BUILDERS,
    **time_rules.BUILDERS,
    **duplicates.BUILDERS,
}
