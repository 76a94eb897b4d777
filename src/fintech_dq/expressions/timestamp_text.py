"""Strict reading of ISO 8601 timestamp text with an explicit UTC offset.

Accepted: `YYYY-MM-DDThh:mm:ss[.f{1,6}]` with 'T' or a space, then `Z` or `±hh:mm`
(offsets up to ±14:00, the widest in use), after trimming spaces. ISO 8601's other forms of
the extended format are read too: a comma as the decimal sign (10:00:00,5Z) and a time
given to the minute (10:00Z, read as 10:00:00Z); they are rewritten to the first form before
the CAST, and only a value that is not already in it pays for the rewrite. Refused, with
their own messages: the basic-format offsets (+0100, +01), which ISO 8601 does not allow
after an extended-format date and time. Read to TimestampType,
which Spark holds as UTC instants (the session time zone is UTC).

One regex checks the format and each field's range; the day of the month is checked
against the month's length (leap years included) with integer arithmetic; then Spark's
own CAST to timestamp reads the local date and time, and the offset is subtracted as
integer microseconds. (CAST can read the offset itself, but for each value it resolves the
offset text through SparkDateTimeUtils.getZoneId, which compiles two regexes per call:
measured, 6% of a JFR profile's samples in the rule projection were that.)
The local part is read in the session time zone, which the engine requires to be UTC
(spark_session.REQUIRED_CONF), so it is read as UTC.
CAST alone is lenient (it reads "2026-11-28", "2026-1-1 10:00", text without an offset in
the session time zone, 9 fraction digits by truncating); the regex leaves it nothing to
be lenient about. to_timestamp with a pattern is not used: under the default
spark.sql.legacy.timeParserPolicy (EXCEPTION) a text the old parser would read leniently
("2026-02-30") raises SparkUpgradeException and fails the job. Nothing invalid reaches
the CAST, so this holds with ANSI mode on too.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from fintech_dq.expressions.shown_value import with_shown_value

_DATE = r"(?!0000)[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_FRACTION = r"(\.[0-9]{1,6})?"
_OFFSET = r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)"
# Java regexes; `\z` is the very end (`$` would allow a trailing newline).
STRICT_TIMESTAMP_PATTERN = f"^{_DATE}[T ]{_TIME}{_FRACTION}{_OFFSET}\\z"
# The general shape, to tell problems apart.
_SHAPE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?"
_HAS_OFFSET = r"(Z|[+-][0-9]{2}:[0-9]{2})\z"
# Basic-format offsets (+0100, +01): ISO 8601 does not put them after an extended-format
# date and time; the message says how to write them.
_OFFSET_NO_COLON = _SHAPE + r"[+-][0-9]{4}\z"
_OFFSET_HOURS_ONLY = _SHAPE + r"[+-][0-9]{2}\z"
_LONG_FRACTION = r"[.,][0-9]{7,}"
# ISO 8601's other extended forms: a comma as the decimal sign, a time to the minute.
_OTHER_ISO_PATTERN = (
    f"^{_DATE}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](,[0-9]{{1,6}})?)?{_OFFSET}\\z"
)
_TO_THE_MINUTE = r"^(.{10}[T ][0-9]{2}:[0-9]{2})(?=[Z+-])"


def _day_exists(text: Column) -> Column:
    """Day 29-31 only in months that have it (text known to match the strict pattern)."""
    year = text.substr(1, 4).cast("int")
    month = text.substr(6, 2).cast("int")
    day = text.substr(9, 2).cast("int")
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    return (
        (day <= 28)
        | ((month == 2) & (day == 29) & leap)
        | ((month != 2) & ((day <= 30) | month.isin(1, 3, 5, 7, 8, 10, 12)))
    )


def parse_timestamp(text: Column) -> Column:
    """TimestampType (UTC) for an ISO 8601 timestamp with offset (see above), else null."""
    trimmed = F.trim(text)
    other = F.regexp_replace(F.replace(trimmed, F.lit(","), F.lit(".")), _TO_THE_MINUTE, "$1:00")
    return F.when(trimmed.rlike(STRICT_TIMESTAMP_PATTERN), _read_if_real(trimmed)).when(
        trimmed.rlike(_OTHER_ISO_PATTERN), _read_if_real(other)
    )


def _read_if_real(text: Column) -> Column:
    """The instant of `text` (in the strict form) when its day exists, else null."""
    return F.when(_day_exists(text), _read_as_utc(text))


def _read_as_utc(text: Column) -> Column:
    """The instant of `text` (known to match STRICT_TIMESTAMP_PATTERN): its local part read
    as UTC, minus its offset ("Z", or "+hh:mm" / "-hh:mm" as its last six characters)."""
    zulu = text.endswith("Z")
    length = F.length(text)
    local = F.when(zulu, text.substr(F.lit(1), length - 1)).otherwise(
        text.substr(F.lit(1), length - 6)
    )
    offset = text.substr(-6, 6)  # "±hh:mm" unless zulu
    sign = F.when(offset.startswith("-"), F.lit(-1)).otherwise(F.lit(1))
    minutes = offset.substr(2, 2).cast("long") * 60 + offset.substr(5, 2).cast("long")
    offset_micros = F.when(zulu, F.lit(0).cast("long")).otherwise(sign * minutes * 60_000_000)
    return F.timestamp_micros(F.unix_micros(local.cast("timestamp")) - offset_micros)


def timestamp_text_problem(text: Column, shown: Column | None = None) -> Column:
    """Why `parse_timestamp` refuses `text`, as a short sentence; null when it reads or is null."""
    trimmed = F.trim(text)
    words = (
        F.when(parse_timestamp(text).isNotNull(), F.lit(None))
        .when(trimmed == "", F.lit("is empty"))
        .when(
            ~trimmed.rlike(_SHAPE),
            F.lit(
                "is not an ISO 8601 timestamp with offset (YYYY-MM-DDThh:mm:ss[.ffffff]+hh:mm or Z)"
            ),
        )
        .when(
            trimmed.rlike(_OFFSET_NO_COLON),
            _offset_written(
                trimmed,
                5,
                "without a colon",
                F.concat(trimmed.substr(-5, 3), F.lit(":"), trimmed.substr(-2, 2)),
            ),
        )
        .when(
            trimmed.rlike(_OFFSET_HOURS_ONLY),
            _offset_written(
                trimmed, 3, "without minutes", F.concat(trimmed.substr(-3, 3), F.lit(":00"))
            ),
        )
        .when(~trimmed.rlike(_HAS_OFFSET), F.lit("has no UTC offset (Z or +hh:mm)"))
        .when(trimmed.rlike(_LONG_FRACTION), F.lit("has more than 6 fractional-second digits"))
        .when(~trimmed.rlike(_OFFSET + r"\z"), F.lit("has an impossible UTC offset"))
        .otherwise(F.lit("is not a real date and time"))
    )
    return with_shown_value(text, words, shown)


def _offset_written(trimmed: Column, length: int, missing: str, wanted: Column) -> Column:
    """ "has UTC offset +0100 without a colon: it must be written +01:00" (the offset: the
    last `length` characters). Saying "no UTC offset" would be wrong: one is there."""
    written = trimmed.substr(-length, length)
    return F.concat(
        F.lit("has UTC offset "), written, F.lit(f" {missing}: it must be written "), wanted
    )
