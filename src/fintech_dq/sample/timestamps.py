"""ISO 8601 text of UTC instants held as integer epoch milliseconds.

Rendering is table-driven (a day's clock strings are built once) because a million rows
need two timestamps each; datetime.strftime per row would dominate the generator's time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

MS_PER_DAY = 86_400_000
_EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    return (day - _EPOCH).days


@cache
def _day_text(number: int) -> str:
    return (_EPOCH + timedelta(days=number)).isoformat()


@cache
def _clock_texts() -> tuple[str, ...]:
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400))


def render(epoch_ms: int, offset_minutes: int = 0, millis: bool = False) -> str:
    """'2026-11-28T09:15:30Z', or with '+01:00' / '.123' as asked; the instant is the same."""
    local = epoch_ms + offset_minutes * 60_000
    day, ms_of_day = divmod(local, MS_PER_DAY)
    second, ms = divmod(ms_of_day, 1000)
    if offset_minutes:
        sign = "+" if offset_minutes > 0 else "-"
        hours, minutes = divmod(abs(offset_minutes), 60)
        zone = f"{sign}{hours:02d}:{minutes:02d}"
    else:
        zone = "Z"
    fraction = f".{ms:03d}" if millis else ""
    return f"{_day_text(day)}T{_clock_texts()[second]}{fraction}{zone}"


def parse(text: str) -> tuple[int, int, bool]:
    """(epoch ms, offset minutes, has millis) of a text `render` wrote."""
    moment = datetime.fromisoformat(text)
    offset = moment.utcoffset() or timedelta()
    epoch_ms = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    return epoch_ms, int(offset.total_seconds()) // 60, "." in text


def shifted(text: str, delta_ms: int) -> str:
    """The same style of text, moved by delta_ms."""
    epoch_ms, offset, millis = parse(text)
    return render(epoch_ms + delta_ms, offset, millis)
