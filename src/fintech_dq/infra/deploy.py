"""Deploying an environment: the stacks in order, the artefacts between them.

1. package (packaging.build);
2. the storage stack (it holds the buckets every later step writes to);
3. upload what changed: Glue scripts and the core zip, the Lambda layer and functions zip
   (content-addressed keys), the MWAA files (fixed keys, pinned by object version);
4. catalog-and-jobs, events-and-alerts, monitoring, mwaa, each through a change set whose
   changes are printed before it is executed.

`dry_run` creates and shows every change set and lists every upload, then discards the
change sets (and the empty stack a CREATE change set leaves behind): nothing is executed
or written. Against the emulator (runtime `local`) two of its gaps shape the execution:
its ExecuteChangeSet neither publishes a stack's outputs/exports nor resolves
Fn::ImportValue, so after the change set is shown the stack is created or updated with
CreateStack/UpdateStack; and what its CloudFormation skips is applied afterwards by
`fill_ins` (printed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fintech_dq.infra import aws, fill_ins, packaging
from fintech_dq.infra.template import load_template

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
NO_CHANGE_MARKERS = ("didn't contain changes", "No updates are to be performed")
WAIT_SECONDS = 1800
UNUSABLE_STATUSES = {
    "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED",
    "UPDATE_ROLLBACK_FAILED",
}  # fmt: skip


@dataclass(frozen=True)
class StackSpec:
    key: str
    template_file: str

    def stack_name(self, env_name: str) -> str:
        return f"fdq-{env_name}-{self.key}"


STACKS: tuple[StackSpec, ...] = (
    StackSpec("storage", "storage.yaml"),
    StackSpec("catalog-and-jobs", "catalog-and-jobs.yaml"),
    StackSpec("events-and-alerts", "events-and-alerts.yaml"),
    StackSpec("monitoring", "monitoring.yaml"),
    StackSpec("mwaa", "mwaa.yaml"),
)
STACK_KEYS = tuple(spec.key for spec in STACKS)


class DeployError(RuntimeError):
    """A deploy step failed; the message says which and why."""


@dataclass(frozen=True)
class Change:
    action: str
    logical_id: str
    resource_type: str
    replacement: str = ""


@dataclass
class StackOutcome:
    stack: str
    change_set_type: str
    status: str
    """executed, no changes, dry run, or failed"""
    changes: list[Change] = field(default_factory=list)
    reason: str = ""
    change_set: str = ""


@dataclass(frozen=True)
class UploadOutcome:
    artefact: packaging.Artefact
    uri: str
    status: str
    """uploaded, unchanged, would upload"""
    version_id: str | None = None


@dataclass
class DeployReport:
    env_name: str
    account: str
    region: str
    dry_run: bool
    uploads: list[UploadOutcome] = field(default_factory=list)
    stacks: list[StackOutcome] = field(default_factory=list)
    fill_ins: list[fill_ins.FillIn] = field(default_factory=list)


@dataclass(frozen=True)
class DeployRequest:
    env_name: str
    dry_run: bool = False
    parameters: dict[str, str] = field(default_factory=dict)
    """Overrides by parameter name, given to every stack that declares the parameter."""
    stacks: tuple[str, ...] = STACK_KEYS
    root: Path | None = None
    build_dir: Path | None = None
    layer_dependencies: bool = True


def bucket_names(env_name: str, account: str) -> dict[str, str]:
    """The deterministic bucket names (the storage template computes the same)."""
    return {
        "raw": f"fdq-{env_name}-raw-{account}",
        "processed": f"fdq-{env_name}-processed-{account}",
        "audit": f"fdq-{env_name}-audit-{account}",
        "artefacts": f"fdq-{env_name}-artefacts-{account}",
        "airflow": f"airflow-fdq-{env_name}-{account}",
        "access-logs": f"fdq-{env_name}-access-logs-{account}",
    }


class Deployer:
    def __init__(
        self,
        settings: aws.AwsSettings,
        request: DeployRequest,
        echo: Callable[[str], None] = print,
    ) -> None:
        unknown = sorted(set(request.stacks) - set(STACK_KEYS))
        if unknown:
            raise DeployError(f"unknown stacks {unknown}; known: {', '.join(STACK_KEYS)}")
        self.settings = settings
        self.request = request
        self.echo = echo
        self.root = request.root or packaging.project_root()
        self.templates_dir = self.root / "cloudformation"
        self.cfn = aws.client("cloudformation", settings)
        self.s3 = aws.client("s3", settings)

    # ------------------------------------------------------------------ the whole run
    def run(self) -> DeployReport:
        request = self.request
        account = aws.account_id(self.settings)
        report = DeployReport(request.env_name, account, self.settings.region, request.dry_run)
        where = self.settings.endpoint_url or "AWS"
        mode = "dry run: nothing is executed or uploaded" if request.dry_run else "deploying"
        self.echo(
            f"[deploy] environment {request.env_name}, account {account}, "
            f"{self.settings.region}, {self.settings.runtime} runtime ({where}); {mode}"
        )
        self._check_overrides()
        build_dir = request.build_dir or self.root / "var" / "build" / request.env_name
        build = packaging.build(
            self.root,
            build_dir,
            request.env_name,
            layer_dependencies=request.layer_dependencies,
            account=account,
        )
        for artefact in build.artefacts:
            self.echo(f"[package] {artefact.role:<12} {artefact.key} ({_size(artefact.size)})")

        selected = [spec for spec in STACKS if spec.key in request.stacks]
        buckets = bucket_names(request.env_name, account)
        versions: dict[str, str] = {}
        for spec in selected:
            if spec.key == "storage":
                report.stacks.append(self._deploy(spec, {}, report))
        report.uploads = self._upload(build, buckets)
        for upload in report.uploads:
            if upload.artefact.bucket == "airflow":
                versions[upload.artefact.role] = upload.version_id or "pending-upload"
        for spec in selected:
            if spec.key == "storage":
                continue
            report.stacks.append(
                self._deploy(spec, self._parameters(spec, build, versions), report)
            )
        verdict = "dry run finished" if request.dry_run else "deployed"
        self.echo(f"[deploy] {request.env_name}: {verdict}")
        return report

    # ------------------------------------------------------------------ parameters
    def _check_overrides(self) -> None:
        declared: set[str] = set()
        for spec in STACKS:
            if spec.key in self.request.stacks:
                template = load_template(self.templates_dir / spec.template_file)
                declared |= set(template.get("Parameters", {}))
        unknown = sorted(set(self.request.parameters) - declared)
        if unknown:
            raise DeployError(f"no selected stack declares the parameters {unknown}")

    def _parameters(
        self, spec: StackSpec, build: packaging.Build, versions: dict[str, str]
    ) -> dict[str, str]:
        if spec.key == "catalog-and-jobs":
            script = next(
                a for a in build.all("glue-script") if a.key.endswith("/validate_transactions.py")
            )
            return {
                "GlueScriptKey": script.key,
                "CorePackageKey": build.one("core-zip").key,
                "AdditionalPythonModules": build.additional_python_modules,
            }
        if spec.key == "events-and-alerts":
            return {
                "LambdaCodeKey": build.one("functions").key,
                "CoreLayerKey": build.one("layer").key,
            }
        if spec.key == "mwaa":
            parameters = {
                "PluginsObjectVersion": versions["plugins"],
                "RequirementsObjectVersion": versions["requirements"],
                "StartupScriptObjectVersion": versions["startup"],
            }
            if self.settings.is_local and "SubnetIds" not in self.request.parameters:
                parameters.update(self._emulator_network())
            return parameters
        return {}

    def _emulator_network(self) -> dict[str, str]:
        """The emulator's default VPC stands in for the private subnets MWAA needs."""
        ec2 = aws.client("ec2", self.settings)
        subnets = sorted(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"])[:2]
        groups = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
        return {"SubnetIds": ",".join(subnets), "SecurityGroupIds": groups[0]["GroupId"]}

    def _stack_parameters(
        self, spec: StackSpec, computed: dict[str, str], previous: dict[str, str]
    ) -> dict[str, str]:
        """The stack's parameters: given > computed > the deployed stack's > defaults.

        A redeploy keeps what an earlier deploy was given (as `aws cloudformation deploy`
        does): otherwise leaving out e.g. `--parameter Tier1Email=...` would reset it to its
        default and remove the pager's subscription without a word.
        """
        template = load_template(self.templates_dir / spec.template_file)
        declared = template.get("Parameters", {})
        kept = {k: v for k, v in previous.items() if _keeps(declared.get(k), v)}
        values = {**kept, "EnvName": self.request.env_name, **computed}
        values.update({k: v for k, v in self.request.parameters.items() if k in declared})
        missing = [
            name for name, decl in declared.items() if name not in values and "Default" not in decl
        ]
        if missing:
            raise DeployError(
                f"{spec.stack_name(self.request.env_name)} needs "
                + ", ".join(f"--parameter {name}=..." for name in missing)
            )
        return {k: v for k, v in values.items() if k in declared}

    # ------------------------------------------------------------------ uploads
    def _upload(self, build: packaging.Build, buckets: dict[str, str]) -> list[UploadOutcome]:
        outcomes = []
        existing_buckets = {b["Name"] for b in self.s3.list_buckets().get("Buckets", [])}
        for artefact in build.artefacts:
            bucket = buckets[artefact.bucket]
            uri = f"s3://{bucket}/{artefact.key}"
            current = self._head(bucket, artefact.key) if bucket in existing_buckets else None
            if current and current.get("Metadata", {}).get("sha256") == artefact.sha256:
                outcome = UploadOutcome(artefact, uri, "unchanged", current.get("VersionId"))
            elif self.request.dry_run:
                note = "" if bucket in existing_buckets else " (bucket made by the storage stack)"
                outcome = UploadOutcome(artefact, uri, "would upload" + note)
            else:
                with open(artefact.path, "rb") as body:
                    response = self.s3.put_object(
                        Bucket=bucket,
                        Key=artefact.key,
                        Body=body,
                        Metadata={"sha256": artefact.sha256},
                    )
                outcome = UploadOutcome(artefact, uri, "uploaded", response.get("VersionId"))
            version = f" version {outcome.version_id}" if outcome.version_id else ""
            self.echo(f"[upload] {outcome.status:<14} {uri} ({_size(artefact.size)}){version}")
            outcomes.append(outcome)
        return outcomes

    def _head(self, bucket: str, key: str) -> dict[str, Any] | None:
        try:
            return dict(self.s3.head_object(Bucket=bucket, Key=key))
        except self.s3.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    # ------------------------------------------------------------------ stacks
    def _deploy(
        self, spec: StackSpec, computed: dict[str, str], report: DeployReport
    ) -> StackOutcome:
        name = spec.stack_name(self.request.env_name)
        path = self.templates_dir / spec.template_file
        body = path.read_text(encoding="utf-8")
        status = self._stack_status(name)
        if status in UNUSABLE_STATUSES:
            raise DeployError(f"{name} is {status}; delete it (or fix it) before deploying")
        kind = "UPDATE" if status and status != "REVIEW_IN_PROGRESS" else "CREATE"
        previous = self._deployed_parameters(name) if kind == "UPDATE" else {}
        parameters = self._stack_parameters(spec, computed, previous)
        outcome = self._change_set(name, kind, body, parameters)
        if outcome.status in ("no changes", "failed") or self.request.dry_run:
            if outcome.status == "failed" and not self.request.dry_run:
                raise DeployError(f"{name}: change set failed: {outcome.reason}")
            if self._parameters_only_change(outcome, kind, parameters, previous):
                # The emulator's change sets compare template text only; the stack must
                # still hold the new values, or a later deploy would keep the old ones.
                self._execute(name, kind, body, parameters, outcome)
        else:
            self._execute(name, kind, body, parameters, outcome)
        if self.settings.is_local and not self.request.dry_run:
            template = load_template(path)
            applied = fill_ins.fill_in_stack(self.settings, name, template, parameters)
            for item in applied:
                self.echo("  " + item.line())
            report.fill_ins.extend(applied)
        return outcome

    def _parameters_only_change(
        self, outcome: StackOutcome, kind: str, parameters: dict[str, str], previous: dict[str, str]
    ) -> bool:
        return (
            outcome.status == "no changes"
            and kind == "UPDATE"
            and not self.request.dry_run
            and not self._executes_change_sets()
            and any(previous.get(k) != v for k, v in parameters.items())
        )

    def _deployed_parameters(self, name: str) -> dict[str, str]:
        """The parameter values the deployed stack holds (a NoEcho one shows as ****: not
        kept, see _stack_parameters)."""
        stacks = self.cfn.describe_stacks(StackName=name)["Stacks"]
        given = stacks[0].get("Parameters", []) if stacks else []
        return {p["ParameterKey"]: str(p.get("ParameterValue", "")) for p in given}

    def _stack_status(self, name: str) -> str | None:
        try:
            stacks = self.cfn.describe_stacks(StackName=name)["Stacks"]
        except self.cfn.exceptions.ClientError as error:
            if "does not exist" in str(error):
                return None
            raise
        status = str(stacks[0]["StackStatus"]) if stacks else None
        return None if status == "DELETE_COMPLETE" else status

    def _change_set(
        self, name: str, kind: str, body: str, parameters: dict[str, str]
    ) -> StackOutcome:
        change_set = "fdq-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        try:
            self.cfn.create_change_set(
                StackName=name,
                ChangeSetName=change_set,
                ChangeSetType=kind,
                TemplateBody=body,
                Parameters=_parameter_list(parameters),
                Capabilities=CAPABILITIES,
                Description=f"fdq deploy of {name}",
            )
        except self.cfn.exceptions.ClientError as error:
            if not self.request.dry_run:
                raise DeployError(f"{name}: change set refused: {error}") from error
            # e.g. an import of a stack that a dry run did not create
            refused = StackOutcome(name, kind, "failed", reason=str(error))
            self._show(refused, parameters)
            return refused
        described = self._wait_change_set(name, change_set)
        outcome = StackOutcome(
            name, kind, "dry run" if self.request.dry_run else "pending", change_set=change_set
        )
        if described["Status"] == "FAILED":
            reason = str(described.get("StatusReason", ""))
            outcome.status = (
                "no changes" if any(m in reason for m in NO_CHANGE_MARKERS) else "failed"
            )
            outcome.reason = reason
        else:
            outcome.changes = self._changes(name, change_set, described)
        self._show(outcome, parameters)
        keep = outcome.status == "pending" and self._executes_change_sets()
        if not keep:
            self.cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
            if kind == "CREATE" and self._stack_status(name) == "REVIEW_IN_PROGRESS":
                self.cfn.delete_stack(StackName=name)  # the empty stack the change set made
        return outcome

    def _wait_change_set(self, name: str, change_set: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            described = self.cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
            if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
                return dict(described)
            if time.monotonic() > deadline:
                raise DeployError(f"{name}: change set {change_set} still {described['Status']}")
            time.sleep(2)

    def _changes(self, name: str, change_set: str, first: dict[str, Any]) -> list[Change]:
        pages = [first]
        while pages[-1].get("NextToken"):
            pages.append(
                self.cfn.describe_change_set(
                    StackName=name, ChangeSetName=change_set, NextToken=pages[-1]["NextToken"]
                )
            )
        changes = []
        for page in pages:
            for entry in page.get("Changes", []):
                resource = entry.get("ResourceChange", {})
                changes.append(
                    Change(
                        action=str(resource.get("Action", "")),
                        logical_id=str(resource.get("LogicalResourceId", "")),
                        resource_type=str(resource.get("ResourceType", "")),
                        replacement=str(resource.get("Replacement", "") or ""),
                    )
                )
        return changes

    def _show(self, outcome: StackOutcome, parameters: dict[str, str]) -> None:
        shown = ", ".join(f"{k}={_short(v)}" for k, v in sorted(parameters.items()))
        self.echo(f"[stack] {outcome.stack}: change set {outcome.change_set_type} ({shown})")
        if outcome.status in ("no changes", "failed"):
            self.echo(f"[stack] {outcome.stack}: {outcome.status}: {outcome.reason}")
            return
        for change in outcome.changes:
            replace = f" (replacement: {change.replacement})" if change.replacement else ""
            self.echo(
                f"          {change.action:<7} {change.logical_id:<40} {change.resource_type}"
                + replace
            )
        if self.request.dry_run:
            self.echo(f"[stack] {outcome.stack}: {len(outcome.changes)} changes, not executed")

    def _executes_change_sets(self) -> bool:
        return not self.settings.is_local

    def _execute(
        self, name: str, kind: str, body: str, parameters: dict[str, str], outcome: StackOutcome
    ) -> None:
        if self._executes_change_sets():
            self.cfn.execute_change_set(StackName=name, ChangeSetName=outcome.change_set)
        elif kind == "CREATE":
            self.cfn.create_stack(
                StackName=name,
                TemplateBody=body,
                Parameters=_parameter_list(parameters),
                Capabilities=CAPABILITIES,
            )
        else:
            self.cfn.update_stack(
                StackName=name,
                TemplateBody=body,
                Parameters=_parameter_list(parameters),
                Capabilities=CAPABILITIES,
            )
        final = self._wait_stack(name)
        outcome.status = "executed"
        self.echo(f"[stack] {name}: {final}")

    def _wait_stack(self, name: str) -> str:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            status = self._stack_status(name) or "DELETE_COMPLETE"
            if status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
                return status
            if "ROLLBACK" in status or status.endswith("FAILED") or status == "DELETE_COMPLETE":
                events = self.cfn.describe_stack_events(StackName=name)["StackEvents"][:5]
                reasons = "; ".join(
                    f"{e.get('LogicalResourceId')}: {e.get('ResourceStatusReason')}"
                    for e in events
                    if e.get("ResourceStatusReason")
                )
                raise DeployError(f"{name} ended {status}: {reasons}")
            if time.monotonic() > deadline:
                raise DeployError(f"{name} still {status} after {WAIT_SECONDS} s")
            time.sleep(5)


def _keeps(declaration: dict[str, Any] | None, deployed: str) -> bool:
    """Whether a redeploy passes a deployed value on: not for a parameter the template no
    longer declares, a NoEcho one (shown as ****), or one at its default (left out, as the
    earlier deploy did, so that an unchanged stack shows no change)."""
    if declaration is None or declaration.get("NoEcho"):
        return False
    return "Default" not in declaration or str(declaration["Default"]) != deployed


def _parameter_list(parameters: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())]


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size / 1024 / 1024:.1f} MiB"
