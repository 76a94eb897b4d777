"""What may never reach a log line: card numbers (masked, first six and last four kept)
and secrets (a field whose name says it is one, AWS access key ids, bearer tokens)."""

from __future__ import annotations

import re
from typing import Any

from fintech_dq.masking import mask_card_numbers_in_text

REDACTED = "[redacted]"
SECRET_FIELD = re.compile(
    r"(?i)(password|passwd|secret|token|api[_-]?key|authorization|credential|private[_-]?key)"
)
SECRET_TEXT = (
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)\b(aws_secret_access_key|secret|password|token)\s*[=:]\s*\S+"),
    # "password hunter2", "passphrase is hunter2": no = or :, the word alone says it
    re.compile(r"(?i)\b(?:password|passwd|passphrase)\s+(?:is\s+)?\S+"),
)
# URL user information: scheme://user:PASSWORD@host; the user and host stay readable
URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/?#@]*):[^\s/?#@]*@")


def redacted_text(text: str) -> str:
    cleaned = mask_card_numbers_in_text(text) or ""
    cleaned = URL_PASSWORD.sub(rf"\1:{REDACTED}@", cleaned)
    for pattern in SECRET_TEXT:
        cleaned = pattern.sub(REDACTED, cleaned)
    return cleaned


def redacted(value: Any, name: str = "") -> Any:
    """The value safe to log: secrets by field name, then every text scanned."""
    if name and SECRET_FIELD.search(name) and value is not None:
        return REDACTED
    if isinstance(value, str):
        return redacted_text(value)
    if isinstance(value, dict):
        return {redacted_text(str(k)): redacted(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [redacted(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):  # a PAN logged as a number is still a PAN
        shown = str(value)
        return value if redacted_text(shown) == shown else redacted_text(shown)
    return redacted_text(str(value))
