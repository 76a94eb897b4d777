"""The policy evaluator follows IAM's documented logic (it is what proves the TLS deny)."""

from __future__ import annotations

import pytest

from fintech_dq.infra.policy_eval import (
    Decision,
    PolicyEvaluationError,
    Request,
    evaluate,
    matching_statements,
)

BUCKET = "arn:aws:s3:::fdq-dev-raw-123456789012"
TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [BUCKET, f"{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "ReaderReads",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/reader"},
            "Action": ["s3:GetObject"],
            "Resource": f"{BUCKET}/*",
        },
    ],
}
READER = {"AWS": "arn:aws:iam::123456789012:role/reader"}


def test_plain_http_request_is_denied_even_for_an_allowed_principal() -> None:
    request = Request("s3:GetObject", f"{BUCKET}/a/b.csv", READER, {"aws:SecureTransport": "false"})
    assert evaluate(TLS_ONLY, request) is Decision.DENY
    assert [s["Sid"] for s in matching_statements(TLS_ONLY, request)] == [
        "DenyInsecureTransport",
        "ReaderReads",
    ]


def test_tls_request_is_allowed_for_the_allowed_principal_only() -> None:
    tls = {"aws:SecureTransport": "true"}
    assert evaluate(TLS_ONLY, Request("s3:GetObject", f"{BUCKET}/k", READER, tls)) is Decision.ALLOW
    stranger = {"AWS": "arn:aws:iam::999999999999:root"}
    assert (
        evaluate(TLS_ONLY, Request("s3:GetObject", f"{BUCKET}/k", stranger, tls))
        is Decision.NEUTRAL
    )
    assert (
        evaluate(TLS_ONLY, Request("s3:PutObject", f"{BUCKET}/k", READER, tls)) is Decision.NEUTRAL
    )


def test_condition_keys_and_actions_are_case_insensitive_resources_are_not() -> None:
    request = Request("S3:GETOBJECT", f"{BUCKET}/k", READER, {"AWS:SecureTransport": "FALSE"})
    assert evaluate(TLS_ONLY, request) is Decision.DENY
    other = Request("s3:GetObject", BUCKET.upper() + "/k", READER, {"aws:SecureTransport": "false"})
    assert evaluate(TLS_ONLY, other) is Decision.NEUTRAL


def test_a_missing_key_fails_a_positive_operator_and_satisfies_a_negated_one() -> None:
    def statement(condition: dict) -> dict:
        return {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                               "Resource": "*", "Condition": condition}]}  # fmt: skip

    put = Request("s3:PutObject", f"{BUCKET}/k")
    # AWS always sets aws:SecureTransport; a request context without it matches no Bool test.
    assert evaluate(statement({"Bool": {"aws:SecureTransport": "false"}}), put) is Decision.NEUTRAL
    assert evaluate(statement({"StringNotEquals": {"s3:x": "a"}}), put) is Decision.DENY
    assert evaluate(statement({"StringEqualsIfExists": {"s3:x": "a"}}), put) is Decision.DENY
    assert evaluate(statement({"Null": {"s3:x": "true"}}), put) is Decision.DENY
    assert evaluate(statement({"Null": {"s3:x": "false"}}), put) is Decision.NEUTRAL
    present = Request("s3:PutObject", f"{BUCKET}/k", context={"s3:x": "b"})
    assert evaluate(statement({"StringNotEquals": {"s3:x": "a"}}), present) is Decision.DENY
    assert (
        evaluate(statement({"StringNotEquals": {"s3:x": ["a", "b"]}}), present) is Decision.NEUTRAL
    )
    assert evaluate(statement({"StringLike": {"s3:x": "?"}}), present) is Decision.DENY


def test_every_condition_of_a_statement_must_hold() -> None:
    document = {"Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*",
        "Condition": {"Null": {"k": "false"}, "StringNotEquals": {"k": "mine"}},
    }]}  # fmt: skip
    assert evaluate(document, Request("s3:PutObject", "x")) is Decision.NEUTRAL
    assert (
        evaluate(document, Request("s3:PutObject", "x", context={"k": "mine"})) is Decision.NEUTRAL
    )
    assert evaluate(document, Request("s3:PutObject", "x", context={"k": "other"})) is Decision.DENY


def test_not_action_and_not_resource() -> None:
    document = {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:x:*"}]}
    assert evaluate(document, Request("s3:GetObject", "arn:y:1")) is Decision.ALLOW
    assert evaluate(document, Request("iam:PassRole", "arn:y:1")) is Decision.NEUTRAL
    assert evaluate(document, Request("s3:GetObject", "arn:x:1")) is Decision.NEUTRAL


def test_an_unknown_operator_is_an_error_not_a_pass() -> None:
    condition = {"DateLessThan": {"aws:CurrentTime": "2030"}}
    document = {
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}]
    }
    with pytest.raises(PolicyEvaluationError, match="DateLessThan"):
        evaluate(document, Request("s3:GetObject", "x", context={"aws:CurrentTime": "2029"}))
