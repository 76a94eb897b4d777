"""The control file beside a data file. Parsed here, compared with the data by the engine."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from fintech_dq.ingest.discover import MANIFEST_SUFFIX
from fintech_dq.ingest.model import FileFinding, Manifest, holds_card_number
from fintech_dq.ingest.source import Inputs
from fintech_dq.masking import mask_card_numbers_in_text

_PLAIN_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class _JsonFloat(str):
    """A JSON number with a fraction or exponent, kept as written so it can be refused."""


class ManifestError(ValueError):
    pass


def manifest_path(data_path: str) -> str:
    return data_path + MANIFEST_SUFFIX


def read_manifest(
    data_path: str, inputs: Inputs | None = None
) -> tuple[Manifest | None, FileFinding | None]:
    """The manifest beside `data_path` (None when there is none), or a manifest_invalid finding.

    Its whole text is scanned for a card number, valid or not (a field, a key, a value of
    any type): it is delivered text like the data, so one there is a breach to count."""
    path = manifest_path(data_path)
    holds_pan = False
    try:
        text = (inputs or Inputs()).read_text(path)
        if text is None:
            return None, None
        holds_pan = holds_card_number(text)
        document = json.loads(text, parse_float=_JsonFloat)
        manifest = _parse(path, os.path.basename(data_path), document)
        return replace(manifest, holds_card_number=holds_pan), None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ManifestError) as error:
        message = f"file {data_path}: manifest {path} is invalid: {error}"
        masked = mask_card_numbers_in_text(message) or message  # it quotes the fields
        return None, FileFinding(data_path, "manifest_invalid", masked, holds_card_number=holds_pan)


def lone_manifest_finding(path: str, inputs: Inputs | None = None) -> FileFinding:
    """A manifest whose data file was not delivered: the records it declares are missing, a
    manifest mismatch (found by discover.discover_delivery). Once the file arrives (a
    rerun), the manifest is read beside it as usual."""
    data_path = path[: -len(MANIFEST_SUFFIX)]
    manifest, invalid = read_manifest(data_path, inputs)
    if manifest is not None:
        declared = f"the {manifest.record_count} records it declares are missing"
        holds_pan = manifest.holds_card_number
    else:
        declared = "it cannot be read either" + (f" ({invalid.message})" if invalid else "")
        holds_pan = invalid is not None and invalid.holds_card_number
    message = f"manifest {path}: its data file {data_path} was not delivered beside it; {declared}"
    masked = mask_card_numbers_in_text(message) or message
    return FileFinding(path, "manifest_invalid", masked, holds_card_number=holds_pan)


def _parse(path: str, data_name: str, document: Any) -> Manifest:
    if not isinstance(document, dict):
        raise ManifestError("it is not a JSON object")
    name = document.get("file")
    if not isinstance(name, str) or not name:
        raise ManifestError("'file' must be the data file's name")
    if os.path.basename(name) != data_name:
        raise ManifestError(f"it names file {name!r}, not {data_name!r}")
    count = document.get("record_count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ManifestError("'record_count' must be a whole number >= 0")
    # No `totals` is not totals of 0 (that would be a false mismatch) nor an invalid
    # manifest: like a missing sha256, that check is not made for this file and
    # batch.manifest_totals says so (not_evaluated when no manifest carries totals). The
    # contract shows every field in the manifest's shape but marks none as required; a rule
    # that cannot be evaluated is reported not_evaluated, never passed (docs/rules.md).
    # record_count stays required: without it a manifest declares nothing at all.
    totals_given = "totals" in document
    totals_in = document.get("totals", {})
    if not isinstance(totals_in, dict):
        raise ManifestError("'totals' must be an object of currency: decimal string")
    totals: dict[str, Decimal] = {}
    for currency, value in totals_in.items():
        if not isinstance(value, str) or isinstance(value, _JsonFloat):
            raise ManifestError(
                f"totals.{currency} is {value!r}, not a decimal string: a JSON number cannot"
                " carry an exact amount; write it as a string"
            )
        if not _PLAIN_DECIMAL.match(value):
            raise ManifestError(f"totals.{currency} is {value!r}, not a plain decimal")
        totals[currency] = Decimal(value)
    sha256 = document.get("sha256")
    if sha256 is not None and (not isinstance(sha256, str) or not _SHA256.match(sha256)):
        raise ManifestError("'sha256' must be 64 hexadecimal digits")
    return Manifest(
        path=path,
        file=name,
        record_count=count,
        totals=totals,
        sha256=sha256.lower() if sha256 else None,
        totals_given=totals_given,
    )
