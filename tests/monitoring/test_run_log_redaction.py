"""What a run log line may not hold: card numbers (as text, keys or numbers) and secrets
(key=value, a URL's password, 'password <value>')."""

from __future__ import annotations

from fintech_dq.run_logs.redaction import REDACTED, redacted

PAN = "4111111111111111"


def test_a_card_number_given_as_a_number_or_a_key_is_masked() -> None:
    assert redacted({"n": int(PAN), PAN: "x", "rows": 12, "rate": 0.5}) == {
        "n": "411111******1111",
        "411111******1111": "x",
        "rows": 12,
        "rate": 0.5,
    }


def test_a_url_password_is_redacted_the_user_and_host_kept() -> None:
    line = redacted("connecting to postgres://admin:hunter2@db/x failed")
    assert "hunter2" not in line
    assert line == f"connecting to postgres://admin:{REDACTED}@db/x failed"
    assert redacted("see https://example.com/a@b") == "see https://example.com/a@b"


def test_password_followed_by_its_value_is_redacted() -> None:
    for text in ("password hunter2", "login with Password hunter2 now", "passphrase is hunter2"):
        assert "hunter2" not in redacted(text), text
    assert redacted({"msg": "password: hunter2"}) == {"msg": REDACTED}
