"""Reference data: what the libraries and the shipped MCC file give, and what we exclude."""

from __future__ import annotations

import re

from fintech_dq.reference import bic, card_schemes, countries, currencies, iban, mcc


def test_minor_units_of_active_currencies() -> None:
    units = currencies.minor_units()
    assert units["JPY"] == 0
    assert units["USD"] == 2
    assert units["EUR"] == 2
    assert units["BHD"] == 3
    assert units["CLF"] == 4
    assert set(units.values()) == {0, 2, 3, 4}
    assert len(units) > 150


def test_currencies_without_minor_units_or_withdrawn_are_not_valid() -> None:
    units = currencies.minor_units()
    for code in ("XAU", "XAG", "XXX", "XTS", "XDR", "XBA"):  # N.A. minor units
        assert code not in units
    for code in ("HRK", "SLL", "BGN", "MRO"):  # withdrawn: List Three, not List One
        assert code not in units
    assert "iso4217 1.16." in currencies.SOURCE
    assert "published 20" in currencies.SOURCE


def test_minor_units_returns_a_copy() -> None:
    currencies.minor_units()["USD"] = 7
    assert currencies.minor_units()["USD"] == 2


def test_alpha2_codes() -> None:
    codes = countries.alpha2_codes()
    assert {"DE", "GB", "US", "JP", "BH", "AQ"} <= codes
    assert "UK" not in codes  # the UK is GB
    assert "XK" not in codes  # Kosovo: user-assigned, not ISO 3166-1
    assert all(re.fullmatch("[A-Z]{2}", code) for code in codes)
    assert len(codes) >= 249
    assert "pycountry" in countries.SOURCE


def test_mcc_codes_cover_iso_and_scheme_lists() -> None:
    codes = mcc.mcc_codes()
    expected = {"0742", "1520", "5411", "5812", "5814", "5999", "6010", "6011", "6012"}
    expected |= {"4829", "7011", "4111", "5541", "5542", "3000", "3299", "3501", "5262"}
    assert expected <= codes
    assert "0000" not in codes
    assert "9999" not in codes
    assert "3997" not in codes  # private-use block: only codes a scheme assigned
    assert all(re.fullmatch("[0-9]{4}", code) for code in codes)
    assert 800 < len(codes) < 1200
    assert mcc.mcc_descriptions()["5411"] == "Groceries and supermarkets"
    assert "iso18245 1.4.1" in mcc.SOURCE


def test_iban_lengths_from_schwifty() -> None:
    lengths = iban.iban_lengths()
    assert lengths["DE"] == 22
    assert lengths["GB"] == 22
    assert lengths["NO"] == 15
    assert lengths["MT"] == 31
    assert lengths["XK"] == 20
    assert "US" not in lengths
    assert all(15 <= length <= 34 for length in lengths.values())
    assert len(lengths) > 100
    assert "schwifty" in iban.SOURCE


def test_bic_countries_add_kosovo_to_iso() -> None:
    codes = bic.bic_country_codes()
    assert {"DE", "GB", "XK"} <= codes
    assert codes - countries.alpha2_codes() == {"XK"}
    pattern = re.compile(bic.BIC_PATTERN)
    assert pattern.match("DEUTDEFF") and pattern.match("DEUTDEFF500")
    assert not pattern.match("DEUTDEFF5")


def test_card_schemes_recognise_test_pans() -> None:
    match = card_schemes.schemes_matching
    assert match("4111111111111111") == ["Visa"]
    assert match("4222222222222") == ["Visa"]  # 13-digit Visa
    assert match("5555555555554444") == ["Mastercard"]
    assert match("2221000000000009") == ["Mastercard"]  # 2-series
    assert match("378282246310005") == ["American Express"]
    assert "Discover" in match("6011111111111117")
    assert "JCB" in match("3530111333300000")
    assert "Diners Club" in match("30569309025904")
    assert "UnionPay" in match("6200000000000005")


def test_card_schemes_reject_numbers_without_a_scheme() -> None:
    match = card_schemes.schemes_matching
    assert match("1764288000000") == []  # a millisecond timestamp
    assert match("411111111111111") == []  # Visa has no 15-digit cards
    assert match("37828224631000") == []  # Amex is 15 digits
    assert match("7000000000000000") == []
    for scheme in card_schemes.CARD_SCHEMES:
        assert scheme.lengths <= set(range(12, 20)), scheme.name
        for low, high in scheme.prefixes:
            assert len(low) == len(high) and low <= high, scheme.name
