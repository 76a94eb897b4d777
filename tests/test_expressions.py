"""Spark expressions, run on small tables in the real (session-wide) local Spark.

Each test evaluates one expression over all its cases in a single query: Spark jobs cost
tens of milliseconds each, cases cost nothing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from schwifty import IBAN

from fintech_dq.expressions.bic_check import bic_valid
from fintech_dq.expressions.card_numbers import (
    SCHEME_NUMBER_PATTERN,
    contains_unmasked_card_number,
    digit_range_regex,
    first_unmasked_card_number,
    mask_card_numbers,
    masked_pan,
    masked_pan_sql,
    unmasked_card_numbers,
)
from fintech_dq.expressions.code_sets import is_in_code_set
from fintech_dq.expressions.currency_lookup import (
    minor_units_of,
    round_half_even_to_minor_units,
)
from fintech_dq.expressions.decimal_text import (
    decimal_text_problem,
    has_at_most_minor_units,
    parse_decimal,
)
from fintech_dq.expressions.iban_check import iban_valid
from fintech_dq.expressions.luhn import luhn_valid
from fintech_dq.expressions.membership import is_in
from fintech_dq.expressions.timestamp_text import parse_timestamp, timestamp_text_problem
from fintech_dq.masking import luhn_valid as python_luhn_valid
from fintech_dq.reference.card_schemes import schemes_matching

TEST_PANS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"]


def frame_of(spark: SparkSession, rows: list[tuple[Any, ...]], schema: str) -> DataFrame:
    """A one-partition frame built in the JVM (no Python worker): cheap to run many times."""
    fields = [field.split(" ") for field in schema.split(", ")]
    structs = [
        F.struct(
            *[
                F.lit(value).cast(kind).alias(name)
                for value, (name, kind) in zip(row, fields, strict=True)
            ]
        )
        for row in rows
    ]
    return spark.range(1, numPartitions=1).select(F.inline(F.array(*structs)))


def evaluate(
    spark: SparkSession, expression: Callable[[Column], Column], inputs: Iterable[str | None]
) -> dict[str | None, Any]:
    """input text -> the expression's value, from one query."""
    values = list(dict.fromkeys(inputs))
    frame = frame_of(spark, [(v,) for v in values], "t string")
    rows = frame.select("t", expression(F.col("t")).alias("r")).collect()
    return {row["t"]: row["r"] for row in rows}


def assert_results(
    spark: SparkSession, expression: Callable[[Column], Column], expected: dict[str | None, Any]
) -> None:
    actual = evaluate(spark, expression, expected)
    wrong = {k: (actual[k], v) for k, v in expected.items() if actual[k] != v}
    assert not wrong, f"input: (got, expected): {wrong}"


# --- Luhn -------------------------------------------------------------------------------


def test_luhn_valid(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {pan: True for pan in TEST_PANS}
    expected |= {
        "4111111111111112": False,
        "5555555555554445": False,
        "378282246310006": False,
        "79927398713": True,
        "79927398710": False,
        "0": True,
        "": False,
        "4111 1111 1111 1111": False,  # not all digits
        "4111111111111111\n": False,
        None: None,
    }
    assert_results(spark, luhn_valid, expected)


def test_luhn_agrees_with_python_reference(spark: SparkSession) -> None:
    generator = random.Random(7)
    numbers = [
        "".join(generator.choices("0123456789", k=generator.randint(1, 19))) for _ in range(300)
    ]
    actual = evaluate(spark, luhn_valid, numbers)
    assert actual == {n: python_luhn_valid(n) for n in numbers}
    assert 10 < sum(actual.values()) < 60  # about one in ten passes


# --- card numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high"), [("2221", "2720"), ("3528", "3589"), ("644", "649"), ("300", "305")]
)
def test_digit_range_regex(low: str, high: str) -> None:
    pattern = re.compile(digit_range_regex(low, high) + r"\Z")
    width = len(low)
    for number in range(10**width):
        text = str(number).zfill(width)
        assert bool(pattern.match(text)) == (low <= text <= high), text


def test_scheme_pattern_agrees_with_scheme_table() -> None:
    pattern = re.compile(f"(?:{SCHEME_NUMBER_PATTERN})\\Z")
    generator = random.Random(3)
    for _ in range(20_000):
        digits = generator.choice("23456789") + "".join(
            generator.choices("0123456789", k=generator.randint(11, 19))
        )
        assert bool(pattern.match(digits)) == bool(schemes_matching(digits)), digits


NOT_CARD_NUMBERS = [
    "4111111111111112",  # Luhn fails
    "411111******1111",  # masked
    "411111** **** 1111",
    "GB29NWBK60161331926819",
    "DE89370400440532013000",
    "GB29 NWBK 6016 1331 9268 19",
    "DE89 3704 0044 0532 0130 00",
    "DE89 4111 1111 1111 1111 11",  # valid IBAN whose digits hold a Visa test PAN
    "DE89411111111111111111",
    "TX-20261128-000123",
    "x4111111111111111",  # glued to letters
    "4111111111111111x",
    "94111111111111111",  # part of a longer number
    "1764288000000",  # 13 digits, Luhn fails
    "411111111111111",  # 15 digits, Luhn fails
    "4111  1111 1111 1111",  # two spaces: not one grouping
    "",
]


def test_card_numbers_found(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {pan: True for pan in TEST_PANS}
    expected |= {
        "card 4111 1111 1111 1111 declined": True,
        "4111-1111-1111-1111": True,
        "3782 822463 10005": True,  # Amex print layout
        "pan:4111111111111111;": True,
        "4111 1111 1111 1111 12/27": True,  # expiry after the PAN
        "4111 1111 1111 1111 11": True,  # the digits of the IBAN case, without DE89
        "4222222222222": True,  # 13-digit Visa
        None: None,
    }
    expected |= {text: True for text in LUHN_NUMBERS_OF_NO_SCHEME}
    expected |= {text: False for text in NOT_CARD_NUMBERS}
    assert_results(spark, contains_unmasked_card_number, expected)


# The contract: "13 to 19 digits passing the Luhn check". These have no card scheme's
# prefix and length, so the scan of amounts and timestamps (scheme=True) passes them.
LUHN_NUMBERS_OF_NO_SCHEME = [
    "7000 0000 0000 0005",
    "account 1234567812345670",
    "411111111111116",  # a Visa prefix, but 15 digits
    "411111111111111118",  # 18 digits
    "12345678901237",
    "1764288000003",  # an epoch time in milliseconds
]


def test_with_scheme_only_numbers_of_a_card_scheme_are_found(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {pan: True for pan in TEST_PANS}
    expected |= {"4111-1111-1111-1111": True, "3782 822463 10005": True, None: None}
    expected |= {text: False for text in [*LUHN_NUMBERS_OF_NO_SCHEME, *NOT_CARD_NUMBERS]}
    assert_results(spark, lambda t: contains_unmasked_card_number(t, scheme=True), expected)


# Tokens of "two letters + two digits" that are not (valid) printed IBANs hide nothing.
AFTER_IBAN_LIKE_TOKENS = [
    "FY26 4900000370001185",
    "Ref AB12 card 4900000370001185",
    "LH12 4111 1111 1111 1111",
    "ab12-4111111111111111",
    "x ab12 4111111111111111",
    "AB12 this card 4111111111111111",
    "GB29 NWBK 4111111111111111",  # an ungrouped run is never part of a printed IBAN
    "DE88 4111 1111 1111 1111 11",  # IBAN-shaped, check digits wrong
    "DE89 4111 1111 1111 1111 1",  # IBAN-shaped, one character short for DE
    "de89 4111 1111 1111 1111 11",  # print format is upper case
    "DE89-4111-1111-1111-1111-11",  # print format is spaced
    "BE68 5390 0754 7034 4111 1111 1111 1111",  # a valid IBAN, then a PAN
    "DE89 3704 0044 0532 0130 00 4111 1111 1111 1111",
]
VALID_PRINTED_IBANS = [
    "GB29 NWBK 6016 1331 9268 19",
    "DE89 3704 0044 0532 0130 00",
    "DE89 4111 1111 1111 1111 11",  # its digit groups hold a Visa test PAN
    "pay to DE89 4111 1111 1111 1111 11, thanks",
    "BE68 5390 0754 7034",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00",
]


def test_card_numbers_after_iban_like_tokens(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {text: True for text in AFTER_IBAN_LIKE_TOKENS}
    expected |= {text: False for text in VALID_PRINTED_IBANS}
    assert_results(spark, contains_unmasked_card_number, expected)
    assert all(
        IBAN(text.removeprefix("pay to ").removesuffix(", thanks")).is_valid
        for text in VALID_PRINTED_IBANS
    )
    assert not any(IBAN(t, allow_invalid=True).is_valid for t in AFTER_IBAN_LIKE_TOKENS[7:9])


def test_masking_after_iban_like_tokens(spark: SparkSession) -> None:
    texts = {
        "FY26 4900000370001185": "FY26 490000******1185",
        "LH12 4111 1111 1111 1111": "LH12 411111******1111",
        "AB12 this card 4111111111111111": "AB12 this card 411111******1111",
        "BE68 5390 0754 7034 4111 1111 1111 1111": "BE68 5390 0754 7034 411111******1111",
        "DE89 4111 1111 1111 1111 11": "DE89 4111 1111 1111 1111 11",
    }
    assert evaluate(spark, mask_card_numbers, texts) == texts


def test_first_card_number_and_masking(spark: SparkSession) -> None:
    texts = {
        "card 4111 1111 1111 1111 declined": (
            "4111111111111111",
            "card 411111******1111 declined",
        ),
        "a 5555-5555-5555-4444 b 3782 822463 10005": (
            "5555555555554444",
            "a 555555******4444 b 378282*****0005",
        ),
        "a 5555-5555-5555-4444 b 378282246310005": (  # ungrouped ones come first
            "378282246310005",
            "a 555555******4444 b 378282*****0005",
        ),
        "4111111111111111": ("4111111111111111", "411111******1111"),
        "6011111111111117": ("6011111111111117", "601111******1117"),
        "GB29 NWBK 6016 1331 9268 19": (None, "GB29 NWBK 6016 1331 9268 19"),
        "411111******1111": (None, "411111******1111"),
        None: (None, None),
    }
    both = evaluate(
        spark, lambda t: F.struct(first_unmasked_card_number(t), mask_card_numbers(t)), texts
    )
    assert {t: tuple(both[t]) if both[t] else (None, None) for t in texts} == texts


def test_masked_pan_as_sql_and_as_columns_agree(spark: SparkSession) -> None:
    """engine.pan_guard and the card-number message mask with the SQL form."""
    pans = ["4111111111111", "4111111111111111", "3782822463100051", "6011111111111117123"]
    expected: dict[str | None, Any] = {p: p[:6] + "*" * (len(p) - 10) + p[-4:] for p in pans}
    expected[None] = None
    assert_results(spark, masked_pan, expected)
    assert_results(spark, lambda _: F.expr(masked_pan_sql("t")), expected)  # evaluate's column


def test_card_number_text_keeps_separators_for_masking(spark: SparkSession) -> None:
    found = evaluate(spark, unmasked_card_numbers, ["x 3782-822463-10005 y"])[
        "x 3782-822463-10005 y"
    ]
    assert [(pan["digits"], pan["text"]) for pan in found] == [
        ("378282246310005", "3782-822463-10005")
    ]


# --- IBAN and BIC -----------------------------------------------------------------------


def test_iban_valid(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {
        "GB29NWBK60161331926819": True,
        "GB29 NWBK 6016 1331 9268 19": True,
        "DE89370400440532013000": True,
        "DE89 3704 0044 0532 0130 00": True,
        "NO9386011117947": True,  # shortest
        "LC55HEMM000100010012001200023015": True,
        "XK051212012345678906": True,
        "DE89370400440532013001": False,  # check digits wrong
        "DE98370400440532013000": False,
        "GB29NWBK6016133192681": False,  # one character short
        "XX29NWBK60161331926819": False,  # unknown country
        "gb29nwbk60161331926819": False,  # electronic format is upper case
        "GB29-NWBK-6016-1331-9268-19": False,
        "": False,
        None: None,
    }
    assert_results(spark, iban_valid, expected)


def test_iban_valid_agrees_with_schwifty(spark: SparkSession) -> None:
    """Valid IBANs of many countries pass; every single-digit change is caught by mod 97."""
    generator = random.Random(11)
    valid = [  # the SWIFT IBAN Registry's examples
        "DE89370400440532013000",
        "AT611904300234573201",
        "FR1420041010050500013M02606",
        "IT60X0542811101000000123456",
        "NL91ABNA0417164300",
        "BE68539007547034",
        "CH9300762011623852957",
        "ES9121000418450200051332",
        "PL61109010140000071219812874",
        "SA0380000000608010167519",
        "BR1800360305000010009795493C1",
    ]
    assert all(IBAN(text).is_valid for text in valid)
    corrupted = []
    for text in valid:
        position = generator.randrange(4, len(text))
        while not text[position].isdigit():
            position = generator.randrange(4, len(text))
        digit = str((int(text[position]) + generator.randint(1, 9)) % 10)
        corrupted.append(text[:position] + digit + text[position + 1 :])
    actual = evaluate(spark, iban_valid, valid + corrupted)
    assert [actual[t] for t in valid] == [True] * len(valid)
    assert [actual[t] for t in corrupted] == [False] * len(corrupted)
    assert not any(IBAN(t, allow_invalid=True).is_valid for t in corrupted)


def test_bic_valid(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {
        "DEUTDEFF": True,
        "DEUTDEFF500": True,
        "NWBKGB2L": True,
        "RBKOXKPR": True,  # Kosovo: XK, as SWIFT issues it
        "DEUTXXFF": False,  # XX is no country
        "DEUT1EFF": False,  # digit in the bank code
        "deutdeff": False,
        "DEUTDEFF5": False,
        "DEUTDEFF50": False,
        "DEUTDEFF\n": False,
        "": False,
        None: None,
    }
    assert_results(spark, bic_valid, expected)


# --- decimal text -----------------------------------------------------------------------


def test_parse_decimal_strictly(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {
        " 12.30 ": Decimal("12.3000"),
        "-5.00": Decimal("-5.0000"),
        "+7": Decimal("7.0000"),
        "0001.5": Decimal("1.5000"),
        "12.34560000": Decimal("12.3456"),  # trailing zeros beyond the scale are no loss
        "12345678901234.5678": Decimal("12345678901234.5678"),  # 18 digits, exact
        "9999999999999999.9999": Decimal("9999999999999999.9999"),
        "123456789012345678": None,  # 18 integer digits: decimal(20,4) holds 16
        "12.34567": None,  # would need rounding
        "1e3": None,
        "1,000.00": None,
        "12.5.3": None,
        "": None,
        "NaN": None,
        "1 000": None,
        ".5": None,
        "5.": None,
        "\t1": None,
        "1.0\n": None,
        None: None,
    }
    assert_results(spark, lambda c: parse_decimal(c, 20, 4), expected)


def test_parse_decimal_keeps_the_type(spark: SparkSession) -> None:
    frame = frame_of(spark, [("1.5",)], "t string")
    column = frame.select(parse_decimal(F.col("t"), 20, 10).alias("v")).schema["v"]
    assert column.dataType.simpleString() == "decimal(20,10)"


def test_decimal_text_problem(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {
        " 12.30 ": None,
        "-5.00": None,
        None: None,
        "1,000.00": "'1,000.00' has a thousands separator",
        "1 000": "'1 000' has a thousands separator",
        "1e3": "'1e3' uses an exponent",
        "12,50": "'12,50' uses a decimal comma",
        "NaN": "'NaN' is not a number",
        "12.5.3": "'12.5.3' is not a plain decimal number",
        "": "'' is empty",
        "123456789012345678.5": "'123456789012345678.5' does not fit decimal(20,4)",
        "12.34567": "'12.34567' has more than 4 decimal places",
        "4111 1111 1111 1111": "'411111******1111' is not a plain decimal number",
        "x" * 50: "'" + "x" * 37 + "...' is not a plain decimal number",
    }
    assert_results(spark, lambda c: decimal_text_problem(c, 20, 4), expected)


def test_has_at_most_minor_units(spark: SparkSession) -> None:
    cases = [
        ("12.30", "USD", True),
        ("12.305", "USD", False),
        ("12", "USD", True),
        ("100", "JPY", True),
        ("100.5", "JPY", False),
        ("1.234", "BHD", True),
        ("1.2345", "BHD", False),
        ("-0.01", "USD", True),
        ("1.5", "XAU", None),  # no minor units: left to the currency rule
        ("1.5", None, None),
    ]
    frame = frame_of(
        spark, [(Decimal(a), c) for a, c, _ in cases], "amount decimal(20,4), currency string"
    )
    check = has_at_most_minor_units(F.col("amount"), minor_units_of(F.col("currency")))
    rows = frame.select(check.alias("ok")).collect()
    assert [row["ok"] for row in rows] == [ok for _, _, ok in cases]


# --- currencies and code sets ----------------------------------------------------------


def test_minor_units_of(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {
        "JPY": 0,
        "USD": 2,
        "BHD": 3,
        "CLF": 4,
        "usd": None,
        "XAU": None,
        "XXX": None,
        "HRK": None,
        None: None,
    }
    assert_results(spark, minor_units_of, expected)


def test_round_half_even_to_minor_units(spark: SparkSession) -> None:
    cases = [
        ("2.345", 2, Decimal("2.34")),
        ("2.355", 2, Decimal("2.36")),
        ("0.5", 0, Decimal("0")),
        ("1.5", 0, Decimal("2")),
        ("2.5", 0, Decimal("2")),
        ("-2.5", 0, Decimal("-2")),
        ("1.2345", 3, Decimal("1.234")),
        ("1.23455", 4, Decimal("1.2346")),
        ("12345678901234.56785000000000", 4, Decimal("12345678901234.5678")),
        ("1.5", 1, None),  # no ISO currency has 1 minor unit
        ("1.5", None, None),
    ]
    frame = frame_of(spark, [(Decimal(v), m) for v, m, _ in cases], "v decimal(37,14), m int")
    rows = frame.select(round_half_even_to_minor_units(F.col("v"), F.col("m")).alias("r")).collect()
    assert [row["r"] for row in rows] == [r for _, _, r in cases]


@pytest.mark.parametrize(
    ("code_set", "inside", "outside"),
    [
        ("iso4217", ["USD", "EUR", "JPY", "BHD"], ["XAU", "XXX", "usd", "HRK", "US"]),
        ("iso3166_alpha2", ["DE", "GB", "US"], ["UK", "XK", "de", "DEU"]),
        ("iso18245", ["5411", "0742", "4829", "3000"], ["9999", "541", "05411", "abcd"]),
    ],
)
def test_is_in_code_set(
    spark: SparkSession, code_set: str, inside: list[str], outside: list[str]
) -> None:
    expected: dict[str | None, Any] = {code: True for code in inside}
    expected |= {code: False for code in outside}
    expected[None] = None
    assert_results(spark, lambda c: is_in_code_set(c, code_set), expected)


def test_is_in_with_text_and_with_numbers(spark: SparkSession) -> None:
    codes = [f"C{n:03d}" for n in range(300)] + ["it's", "back\\slash"]
    expected: dict[str | None, Any] = {c: True for c in codes}
    expected |= {"C300": False, "c001": False, "": False, None: None}
    assert_results(spark, lambda c: is_in(c, codes), expected)
    assert_results(spark, lambda c: is_in(F.length(c), [4, 5]), {"C001": True, "": False})


def test_unknown_code_set_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown code set 'iso9999'"):
        is_in_code_set(F.col("x"), "iso9999")


# --- timestamp text ---------------------------------------------------------------------


def test_parse_timestamp_strictly(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {
        "2026-11-28T10:00:00Z": datetime(2026, 11, 28, 10),
        " 2026-11-28T10:00:00Z ": datetime(2026, 11, 28, 10),
        "2026-11-28 10:00:00+02:00": datetime(2026, 11, 28, 8),
        "2026-11-28T10:00:00.123456-05:30": datetime(2026, 11, 28, 15, 30, 0, 123456),
        "2026-11-28T10:00:00.5Z": datetime(2026, 11, 28, 10, 0, 0, 500000),
        "2026-11-28T23:30:00-01:00": datetime(2026, 11, 29, 0, 30),
        "2024-02-29T00:00:00Z": datetime(2024, 2, 29),  # leap day
        "2026-11-28T10:00:00+14:00": datetime(2026, 11, 27, 20),
        # ISO 8601's other extended forms: a decimal comma, a time to the minute
        "2026-11-28T10:00:00,5Z": datetime(2026, 11, 28, 10, 0, 0, 500000),
        "2026-11-28T10:00Z": datetime(2026, 11, 28, 10),
        "2026-11-28 10:30+01:00": datetime(2026, 11, 28, 9, 30),
        "2026-02-29T10:00Z": None,  # not a real day, in the other form too
        "2026-11-28T10:00:00,1234567Z": None,
        "2026-11-28T10:00,5Z": None,  # a fraction of a minute
        "2026-11-28T10:00:00": None,  # no offset
        "2026-11-28T10:00:00.1234567Z": None,  # below microseconds
        "2026-02-30T10:00:00Z": None,
        "2025-02-29T00:00:00Z": None,  # not a leap year
        "1900-02-29T00:00:00Z": None,
        "2026-13-01T00:00:00Z": None,
        "2026-11-28T24:00:00Z": None,
        "2026-11-28T10:60:00Z": None,
        "2026-11-28T10:00:60Z": None,  # no leap seconds
        "2026-11-28T10:00:00+15:00": None,
        "2026-11-28T10:00:00+02:60": None,
        "2026-11-28T10:00:00+0200": None,
        "2026-11-28t10:00:00z": None,
        "2026-11-28": None,
        "28/11/2026 10:00:00Z": None,
        "": None,
        None: None,
    }
    assert_results(spark, parse_timestamp, expected)


def test_timestamp_text_problem(spark: SparkSession) -> None:
    expected: dict[str | None, Any] = {
        "2026-11-28T10:00:00Z": None,
        None: None,
        "2026-11-28T10:00:00": "'2026-11-28T10:00:00' has no UTC offset (Z or +hh:mm)",
        "2026-11-28T10:00:00+0100": (
            "'2026-11-28T10:00:00+0100' has UTC offset +0100 without a colon: "
            "it must be written +01:00"
        ),
        "2026-11-28T10:00:00.5-0530": (
            "'2026-11-28T10:00:00.5-0530' has UTC offset -0530 without a colon: "
            "it must be written -05:30"
        ),
        "2026-11-28 10:00:00+01": (
            "'2026-11-28 10:00:00+01' has UTC offset +01 without minutes: it must be written +01:00"
        ),
        "2026-02-30T10:00:00Z": "'2026-02-30T10:00:00Z' is not a real date and time",
        "2026-11-28T10:00:00+15:00": "'2026-11-28T10:00:00+15:00' has an impossible UTC offset",
        "2026-11-28T10:00:00.1234567Z": (
            "'2026-11-28T10:00:00.1234567Z' has more than 6 fractional-second digits"
        ),
        "2026-11-28T10:00:00,5Z": None,
        "2026-11-28T10:00": "'2026-11-28T10:00' has no UTC offset (Z or +hh:mm)",
        "2026-11-28T10:00+0100": (
            "'2026-11-28T10:00+0100' has UTC offset +0100 without a colon: "
            "it must be written +01:00"
        ),
        "2026-11-28T10:00:00,1234567Z": (
            "'2026-11-28T10:00:00,1234567Z' has more than 6 fractional-second digits"
        ),
        "": "'' is empty",
        "yesterday": (
            "'yesterday' is not an ISO 8601 timestamp with offset "
            "(YYYY-MM-DDThh:mm:ss[.ffffff]+hh:mm or Z)"
        ),
    }
    assert_results(spark, timestamp_text_problem, expected)


# --- all of it in the JVM ---------------------------------------------------------------


def test_no_python_udf_in_any_expression(spark: SparkSession) -> None:
    frame = frame_of(spark, [("x", Decimal("1.00"), "USD")], "t string, a decimal(20,4), c string")
    text, amount, currency = F.col("t"), F.col("a"), F.col("c")
    minor = minor_units_of(currency)
    columns = [
        luhn_valid(text),
        contains_unmasked_card_number(text),
        mask_card_numbers(text),
        iban_valid(text),
        bic_valid(text),
        parse_decimal(text, 20, 4),
        decimal_text_problem(text, 20, 4),
        has_at_most_minor_units(amount, minor),
        round_half_even_to_minor_units(amount, minor),
        parse_timestamp(text),
        timestamp_text_problem(text),
        is_in_code_set(text, "iso18245"),
    ]
    plan = frame.select(*columns)._jdf.queryExecution().executedPlan().toString()
    assert "Python" not in plan
