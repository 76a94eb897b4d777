"""Each deployed role allows every call its code makes (fintech_dq.infra.access), evaluated
on the role's policies as the emulator holds them; the code paths make no AWS call that
list leaves out; and nothing the code reads back is archived where a GET needs a restore.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import botocore.session
from botocore import xform_name
from deployed_roles import allowed, role_documents

from fintech_dq.infra.access import SCANNED, Need, operator_reads, role_needs
from fintech_dq.infra.policy_eval import Request
from fintech_dq.pipeline.locations import PipelineLocations

SERVICES = ("s3", "glue", "cloudwatch", "events", "sqs", "sns", "dynamodb", "lambda", "kms")
# Storage classes a GetObject refuses (InvalidObjectState) until the object is restored.
NEEDS_RESTORE = {"GLACIER", "DEEP_ARCHIVE"}


def _needs(local_stack: Any) -> dict[str, list[Need]]:
    locations = PipelineLocations(env_name="local", account=local_stack.account)
    return role_needs(locations, "us-east-1", local_stack.data_key_arn)


def test_each_role_allows_every_call_its_code_makes(local_stack: Any) -> None:
    documents = role_documents(local_stack)
    refused = [
        f"{role}: {need.api} -> {need.action} on {need.resource} {dict(need.context)} "
        f"({need.where})"
        for role, needs in _needs(local_stack).items()
        for need in needs
        if not allowed(documents[role], Request(need.action, need.resource, context=need.context))
    ]
    assert not refused, "\n".join(refused)


def _operations() -> dict[str, set[str]]:
    """boto3 method name -> the service:Operation names it can be (of SERVICES)."""
    session = botocore.session.get_session()
    found: dict[str, set[str]] = {}
    for service in SERVICES:
        for operation in session.get_service_model(service).operation_names:
            found.setdefault(xform_name(operation), set()).add(f"{service}:{operation}")
    return found


def _scanned(path: str) -> Iterator[ast.AST]:
    """The syntax of `module` or of the named functions of `module:f,g`."""
    module, _, functions = path.partition(":")
    tree = ast.parse(inspect.getsource(importlib.import_module(module)))
    if not functions:
        yield tree
        return
    wanted = set(functions.split(","))
    defined = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    assert wanted <= {n.name for n in defined}, f"{path}: no such function"
    yield from (n for n in defined if n.name in wanted)


def _calls(path: str, operations: dict[str, set[str]]) -> Iterator[tuple[str, set[str]]]:
    for scope in _scanned(path):
        for node in ast.walk(scope):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            if name == "get_paginator" and isinstance(node.args[0], ast.Constant):
                name = str(node.args[0].value)
            if name in operations:
                yield name, operations[name]


def test_the_code_paths_make_no_call_their_role_was_not_checked_for(local_stack: Any) -> None:
    """A boto3 call added to a role's code path without its Need in fintech_dq.infra.access
    fails here (and once listed, the test above proves the role allows it)."""
    needs = _needs(local_stack)
    apis = {role: {n.api for n in role_needs} for role, role_needs in needs.items()}
    apis["alert-functions"] = set().union(*(apis[r] for r in needs if r not in SCANNED))
    operations = _operations()
    unlisted = [
        f"{role}: {path} calls {name} ({', '.join(sorted(candidates))})"
        for role, paths in SCANNED.items()
        for path in paths
        for name, candidates in _calls(path, operations)
        if not candidates & apis[role]
    ]
    assert not unlisted, "\n".join(unlisted)
    # the scan is not blind: it finds the calls the reviewer found missing from the role
    seen = {name for path in SCANNED["mwaa-execution"] for name, _ in _calls(path, operations)}
    assert {"get_partition", "put_metric_data", "head_object", "list_objects_v2"} <= seen


def _restoring_rules(rules: list[dict[str, Any]], key: str) -> list[str]:
    """Lifecycle rules that move the current object at `key` to a class needing a restore."""
    found = []
    for rule in rules:
        prefix = rule.get("Filter", {}).get("Prefix", rule.get("Prefix", ""))
        if rule["Status"] != "Enabled" or not key.startswith(prefix):
            continue
        classes = {t["StorageClass"] for t in rule.get("Transitions", [])}
        if classes & NEEDS_RESTORE:
            found.append(f"{rule['ID']} -> {sorted(classes & NEEDS_RESTORE)}")
    return found


def test_nothing_the_code_reads_back_is_archived_where_a_get_needs_a_restore(
    local_stack: Any,
) -> None:
    """Every GetObject of the roles' code and of people's commands, against the lifecycle
    rules the emulator holds (applied from storage.yaml); a HEAD needs no restore."""
    locations = PipelineLocations(env_name="local", account=local_stack.account)
    reads = [
        n
        for needs in _needs(local_stack).values()
        for n in needs
        if n.api == "s3:GetObject" and n.action == "s3:GetObject"
    ] + operator_reads(locations)
    s3 = local_stack.client("s3")
    rules: dict[str, list[dict[str, Any]]] = {}
    archived = []
    for need in reads:
        bucket, key = need.resource.removeprefix("arn:aws:s3:::").split("/", 1)
        if bucket not in rules:
            rules[bucket] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        archived += [f"s3://{bucket}/{key} ({need.where}): {r}"
                     for r in _restoring_rules(rules[bucket], key)]  # fmt: skip
    assert not archived, "\n".join(archived)
    # the audit bucket still archives: everything to GLACIER_IR (read at once)
    audit = s3.get_bucket_lifecycle_configuration(Bucket=locations.audit_bucket)["Rules"]
    assert {t["StorageClass"] for r in audit for t in r.get("Transitions", [])} == {"GLACIER_IR"}
