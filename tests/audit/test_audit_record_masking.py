"""An audit record can never be deleted: every field a person or the data fills in is
masked before it is sealed, keys and numbers included."""

from __future__ import annotations

from fintech_dq.audit.record import computed_hash, new_record

PAN = "4111111111111111"


def test_actor_run_id_keys_and_numbers_are_masked() -> None:
    record = new_record(
        "operators", 1, "2026-11-30T00:00:00Z", "alert.acknowledged", f"ops {PAN}", PAN,
        {PAN: "k"}, {"n": int(PAN), "card 4900000370001185": [4900000370001185, 12]}, "0" * 64,
    )  # fmt: skip
    assert PAN not in record.to_json()
    assert "4900000370001185" not in record.to_json()
    assert record.actor == "ops 411111******1111"
    assert record.run_id == "411111******1111"
    assert record.subject == {"411111******1111": "k"}
    assert record.details == {
        "n": "411111******1111",
        "card 490000******1185": ["490000******1185", 12],
    }
    assert record.hash == computed_hash(record)  # sealed over the masked fields


def test_plain_fields_are_kept_as_they_are() -> None:
    record = new_record(
        "runs", 2, "2026-11-30T00:00:00Z", "run.finished", "fdq-validate",
        "2026-11-28-abc", "transactions/2026-11-28", {"rows": 20000, "rate": 0.0186,
        "ok": True, "none": None}, "0" * 64,
    )  # fmt: skip
    assert record.actor == "fdq-validate"
    assert record.run_id == "2026-11-28-abc"
    assert record.details == {"rows": 20000, "rate": 0.0186, "ok": True, "none": None}
