"""A small evaluator of IAM policy documents, enough to prove what a resource policy denies.

It follows the documented evaluation logic for one request: an explicit Deny wins, then
an Allow, else the request is implicitly denied (`NEUTRAL` here: another policy may allow
it). Statements match on Action/NotAction, Resource/NotResource (with `*` and `?`
wildcards), Principal ("*", {"AWS": ...}, {"Service": ...}) and Condition with the
operators the project's policies use: Bool, String(Not)Equals, String(Not)Like,
Arn(Not)Equals, Arn(Not)Like, NumericLessThan(Equals)/GreaterThan(Equals), and Null, each
with ...IfExists. A key missing from the request context makes a positive operator false
and a negated one true; IfExists makes a missing key true; Null tests presence. An
operator it does not know raises, so a policy can never pass by being misunderstood.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Decision(Enum):
    DENY = "explicit deny"
    ALLOW = "allow"
    NEUTRAL = "no statement applies"


class PolicyEvaluationError(ValueError):
    """The document uses something this evaluator does not understand."""


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    principal: Mapping[str, str] = field(default_factory=lambda: {"AWS": "*"})
    """Principal type -> identifier, e.g. {"AWS": "arn:aws:iam::123:role/x"}."""
    context: Mapping[str, str] = field(default_factory=dict)
    """Condition keys of the request (case-insensitive names), e.g. aws:SecureTransport."""


def evaluate(document: Mapping[str, Any] | str, request: Request) -> Decision:
    policy = json.loads(document) if isinstance(document, str) else document
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    allowed = False
    for statement in statements:
        if not applies(statement, request):
            continue
        if statement.get("Effect") == "Deny":
            return Decision.DENY
        if statement.get("Effect") == "Allow":
            allowed = True
    return Decision.ALLOW if allowed else Decision.NEUTRAL


def matching_statements(document: Mapping[str, Any], request: Request) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return [dict(s) for s in statements if applies(s, request)]


def applies(statement: Mapping[str, Any], request: Request) -> bool:
    if "Action" in statement:
        if not _any_match(statement["Action"], request.action, case_sensitive=False):
            return False
    elif "NotAction" in statement and _any_match(
        statement["NotAction"], request.action, case_sensitive=False
    ):
        return False
    if "Resource" in statement:
        if not _any_match(statement["Resource"], request.resource, case_sensitive=True):
            return False
    elif "NotResource" in statement and _any_match(
        statement["NotResource"], request.resource, case_sensitive=True
    ):
        return False
    if "Principal" in statement and not _principal_matches(statement["Principal"], request):
        return False
    return _conditions_hold(statement.get("Condition", {}), request.context)


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _any_match(patterns: Any, value: str, case_sensitive: bool) -> bool:
    return any(_wildcard(pattern, value, case_sensitive) for pattern in _as_list(patterns))


def _wildcard(pattern: str, value: str, case_sensitive: bool) -> bool:
    regex = fnmatch.translate(pattern.replace("[", "[[]"))
    return re.match(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        raise PolicyEvaluationError(f"unknown Principal form: {principal!r}")
    for kind, identifiers in principal.items():
        wanted = request.principal.get(kind)
        for identifier in _as_list(identifiers):
            if identifier == "*" and kind == "AWS":
                return True
            if wanted is not None and _wildcard(identifier, wanted, case_sensitive=True):
                return True
    return False


_STRING_OPERATORS = {
    "StringEquals": (lambda actual, wanted: actual == wanted, False),
    "StringNotEquals": (lambda actual, wanted: actual == wanted, True),
    "StringEqualsIgnoreCase": (lambda actual, wanted: actual.lower() == wanted.lower(), False),
    "StringNotEqualsIgnoreCase": (
        lambda actual, wanted: actual.lower() == wanted.lower(),
        True,
    ),
    "StringLike": (lambda actual, wanted: _wildcard(wanted, actual, True), False),
    "StringNotLike": (lambda actual, wanted: _wildcard(wanted, actual, True), True),
    "ArnEquals": (lambda actual, wanted: actual == wanted, False),
    "ArnNotEquals": (lambda actual, wanted: actual == wanted, True),
    "ArnLike": (lambda actual, wanted: _wildcard(wanted, actual, True), False),
    "ArnNotLike": (lambda actual, wanted: _wildcard(wanted, actual, True), True),
    "Bool": (lambda actual, wanted: actual.lower() == wanted.lower(), False),
    "NumericEquals": (lambda actual, wanted: float(actual) == float(wanted), False),
    "NumericLessThan": (lambda actual, wanted: float(actual) < float(wanted), False),
    "NumericLessThanEquals": (lambda actual, wanted: float(actual) <= float(wanted), False),
    "NumericGreaterThan": (lambda actual, wanted: float(actual) > float(wanted), False),
    "NumericGreaterThanEquals": (lambda actual, wanted: float(actual) >= float(wanted), False),
}


def _conditions_hold(conditions: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    lowered = {key.lower(): value for key, value in context.items()}
    for operator, tests in conditions.items():
        for key, wanted in tests.items():
            actual = lowered.get(key.lower())
            if not _condition_holds(operator, actual, _as_list(wanted)):
                return False
    return True


def _condition_holds(operator: str, actual: str | None, wanted: list[str]) -> bool:
    if operator == "Null":
        # "true": the key must be absent; "false": it must be present.
        return any((actual is None) == (value.lower() == "true") for value in wanted)
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    if base not in _STRING_OPERATORS:
        raise PolicyEvaluationError(f"condition operator {operator} is not supported")
    compare, negated = _STRING_OPERATORS[base]
    if actual is None:
        return if_exists or negated
    matched = any(compare(actual, value) for value in wanted)
    return not matched if negated else matched
