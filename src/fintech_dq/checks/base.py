"""What every row check produces, and the context it is built in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from fintech_dq.contract import ColumnSpec, DatasetRules, RuleSpec

if TYPE_CHECKING:
    from pyspark.sql import Column

# Names of helper columns the engine adds before row checks run (joins and lookups).
TYPED_PREFIX = "_t_"
DUPLICATE_FIRST_FILE = "_dup_first_file"
DUPLICATE_FIRST_LINE = "_dup_first_line"
HISTORY_SEEN_DATE = "_seen_business_date"
SOURCE_FILE = "_source_file"
SOURCE_LINE = "_source_line"
# Set by engine.pan_guard: the PANs found in the row's text, whether any, and each
# column's value with them masked, null in a row without a PAN (safe_value: what messages
# and outputs may show). The rows kept for the outputs hold the whole safe value.
PANS = "_pans"
PAN_FOUND = "_pan_found"
MASKED_PREFIX = "_masked_"
SAFE_PREFIX = "_safe_"


def has_typed_copy(column: ColumnSpec) -> bool:
    """Whether engine.typed_columns adds a typed copy of `column` (a decimal or timestamp);
    a string column is its own typed value."""
    return column.kind != "string"


def typed_name(column: ColumnSpec) -> str:
    """The column holding `column`'s typed value (engine.typed_columns)."""
    return TYPED_PREFIX + column.name if has_typed_copy(column) else column.name


def safe_value(name: str) -> Column:
    """The column as sent with card numbers masked (after engine.pan_guard).

    Held as a masked copy only in rows where a PAN was found: a copy of every column in
    every row would be carried, and copied, through each later projection.
    """
    from pyspark.sql import functions as F

    return F.expr(_safe_value_sql(name))


def _safe_value_sql(name: str) -> str:
    """safe_value as SQL text: one call into the JVM where the Column API takes several."""
    from fintech_dq.ingest.model import sql_name

    return f"coalesce({sql_name(MASKED_PREFIX + name)}, {sql_name(name)})"


def reference_found_column(reference: str) -> str:
    return f"_ref_{reference}_found"


def reference_value_column(reference: str, column: str) -> str:
    return f"_ref_{reference}_{column}"


@dataclass(frozen=True)
class RowCheck:
    """A compiled row rule. `failed` is never null; `message` explains one row's failure."""

    rule: RuleSpec
    failed: Column
    message: Column


@dataclass
class CheckContext:
    """What a row check may refer to: the contract, the run's clock and business date."""

    rules: DatasetRules
    business_date: date
    now: datetime
    reference_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def value(self, name: str) -> Column:
        """The typed value of a contract column (decimal, timestamp or string)."""
        from pyspark.sql import functions as F

        return F.col(typed_name(self.rules.column(name)))

    def raw(self, name: str) -> Column:
        """The column as the sender wrote it (text), for messages and quarantine."""
        from pyspark.sql import functions as F

        return F.col(name)

    def shown(self, name: str) -> Column:
        """The value as sent, card numbers masked, quoted and cut to 40 characters.

        SQL text: one call into the JVM (the Column API took ~50 per message; 2,401 of the
        18,006 Py4J calls that built the rules)."""
        from pyspark.sql import functions as F

        safe = _safe_value_sql(name)
        cut = (
            f"CASE WHEN length({safe}) > 40 THEN concat(substr({safe}, 1, 37), '...') "
            f"ELSE {safe} END"
        )
        return F.expr(f"coalesce(concat(\"'\", {cut}, \"'\"), 'null')")

    def holds_card_number(self, name: str) -> Column:
        """Whether the value as sent holds an unmasked card number: engine.pan_guard's masked
        copy differs from it (that copy is null in rows without any)."""
        from pyspark.sql import functions as F

        from fintech_dq.ingest.model import sql_name

        masked, raw = sql_name(MASKED_PREFIX + name), sql_name(name)
        return F.expr(f"coalesce({masked} <> {raw}, false)")


RowCheckBuilder = Callable[[RuleSpec, CheckContext], RowCheck]


def failed_when(condition: Column) -> Column:
    """Null-safe: a condition that is null (unknown) is not a failure."""
    from pyspark.sql import functions as F

    return F.coalesce(condition, F.lit(False))
