"""The deployed roles' policies, read back from the emulator's IAM, and whether they allow
a request (shared by the compliance and the role-needs tests)."""

from __future__ import annotations

import json
from typing import Any

from fintech_dq.infra.policy_eval import Decision, Request, evaluate


def role_documents(stack: Any) -> dict[str, list[dict[str, Any]]]:
    """The inline policies of each deployed fdq-local-* role, by role name without it."""
    iam = stack.client("iam")
    documents: dict[str, list[dict[str, Any]]] = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        if not name.startswith("fdq-local-"):
            continue
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            if isinstance(document, str):
                document = json.loads(document)
            documents.setdefault(name.removeprefix("fdq-local-"), []).append(document)
        assert not iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"], name
    return documents


def allowed(documents: list[dict[str, Any]], request: Request) -> bool:
    """Some policy allows the request and none denies it."""
    decisions = [evaluate(d, request) for d in documents]
    return Decision.ALLOW in decisions and Decision.DENY not in decisions
