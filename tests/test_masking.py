"""The Python masker (fintech_dq.masking): it must mask every PAN the Spark scan finds.

It backs the audit trail, report, events, alerts, run logs and CLI output, so a PAN it
leaves in place is printed or sealed for good.
"""

from __future__ import annotations

import random

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from fintech_dq.expressions.card_numbers import unmasked_card_numbers
from fintech_dq.masking import card_numbers_in_text, mask_card_numbers_in_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("4111 1111 1111 1111 12/27", "411111******1111 12/27"),  # PAN + expiry
        ("card 4111111111111111 12", "card 411111******1111 12"),
        ("file 4900000010000100-001.csv", "file 490000******0100-001.csv"),
        ("4111-1111-1111-1111-2", "411111*******1112"),  # 16 and 17 digits pass Luhn
        ("customer card 4111 1111 1111 1111 12/27 declined", None),
        ("card 4111 1111 1111 1111 declined", "card 411111******1111 declined"),
        ("a 5555-5555-5555-4444 b 3782 822463 10005", "a 555555******4444 b 378282*****0005"),
        ("4111111111111111 4111111111111111", "411111******1111 411111******1111"),
        ("ref 12 4111111111111111", "ref 12 411111******1111"),
        ("FY26 4900000370001185", "FY26 490000******1185"),
        ("LH12 4111 1111 1111 1111", "LH12 411111******1111"),
        ("AB12 this card 4111111111111111", "AB12 this card 411111******1111"),
        ("x4111111111111111", "x4111111111111111"),  # glued to a letter: not a PAN
        # ... but masked wherever the same number is found standing alone
        ("4111111111111111/x4111111111111111", "411111******1111/x411111******1111"),
        ("s3://b/4900 0000 7100 0031/a4900 0000 7100 0031v2", None),
        ("4111 1111 1111 1111x", "4111 1111 1111 1111x"),
        ("94111111111111111", "94111111111111111"),  # 17 digits, Luhn fails
        ("411111******1111", "411111******1111"),
        ("4111111111111112", "4111111111111112"),
        ("", ""),
    ],
)
def test_masks_every_pan(text: str, masked: str | None) -> None:
    result = mask_card_numbers_in_text(text)
    assert result is not None
    if masked is None:
        for pan in ("4111111111111111", "4900000071000031"):
            assert pan not in result.replace(" ", "").replace("-", ""), result
    else:
        assert result == masked


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("4111 1111 1111 1111 12/27", ["4111111111111111"]),
        ("4111-1111-1111-1111-2", ["4111111111111111", "1111111111112"]),  # overlapping
        ("a 5555-5555-5555-4444 b x4111111111111111", ["5555555555554444"]),
        ("PAN-001.csv", []),
        ("411111******1111", []),
    ],
)
def test_card_numbers_in_text_are_what_the_masker_masks(text: str, found: list[str]) -> None:
    """The digits the masker hides, for the callers that test them against the card schemes
    (ingest.model.holds_card_number)."""
    assert card_numbers_in_text(text) == found
    for digits in found:
        assert digits not in (mask_card_numbers_in_text(text) or "").replace("-", "")


@pytest.mark.parametrize(
    ("name", "holds"),
    [
        ("4111111111111111 3", True),  # a PAN overlapping another Luhn-valid span
        ("0379653-303337-5274169227.csv", True),  # a Diners number inside a longer run
        ("92068549-52532094-346235923.csv", False),  # Luhn-valid spans, no card scheme
        ("20261129120000.csv", False),  # a timestamp: 14 digits, no card scheme
        ("4900000071000031v2.csv", False),  # glued to a letter, as for values
    ],
)
def test_a_name_holds_a_card_number_when_a_masked_span_is_a_scheme_number(
    name: str, holds: bool
) -> None:
    from fintech_dq.ingest.model import holds_card_number

    assert holds_card_number(name) is holds


def test_none_stays_none() -> None:
    assert mask_card_numbers_in_text(None) is None


def test_overlapping_pans_show_no_more_than_six_and_four() -> None:
    """Spans sharing groups are written as one stretch; a digit in the middle of any is hidden."""
    assert mask_card_numbers_in_text("4111-1111-1111-1111-2") == "411111*******1112"


def _texts(count: int) -> list[str]:
    """Texts mixing PANs in every layout with other digit groups, letters and separators."""
    generator = random.Random(5)
    pans = ["4111111111111111", "5555555555554444", "378282246310005", "4222222222222"]
    pans += ["6011111111111117", "4900000010000100", "36227206271667", "6011000990139424123"]

    def grouped(pan: str) -> str:
        cuts = [4, 10] if len(pan) == 15 else list(range(4, len(pan), 4))
        separator = generator.choice(" -")
        parts = [pan[a:b] for a, b in zip([0, *cuts], [*cuts, len(pan)], strict=True)]
        return separator.join(parts)

    pieces = ["12/27", "12", "001", "2026", "FY26", "AB12", "DE89", "x", "card", ".csv", "/"]
    texts = []
    for _ in range(count):
        words = [generator.choice(pieces) for _ in range(generator.randint(0, 3))]
        pan = generator.choice(pans)
        words.insert(generator.randint(0, len(words)), generator.choice([pan, grouped(pan)]))
        texts.append("".join(w + generator.choice([" ", "-", " ", ""]) for w in words).strip())
    return texts


def test_masked_text_holds_nothing_the_spark_scan_finds(spark: SparkSession) -> None:
    texts = _texts(400)
    masked = [mask_card_numbers_in_text(text) for text in texts]
    frame = spark.createDataFrame(
        [(t, m) for t, m in zip(texts, masked, strict=True)], "t string, m string"
    )
    rows = frame.select(
        "t",
        F.size(unmasked_card_numbers(F.col("t"))).alias("before"),
        F.size(unmasked_card_numbers(F.col("m"))).alias("after"),
    ).collect()
    assert not [row["t"] for row in rows if row["after"] != 0]
    assert sum(row["before"] > 0 for row in rows) > 300  # most texts hold a PAN the scan sees
