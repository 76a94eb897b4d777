"""Static checks of the CloudFormation templates: cfn-lint, checkov, and the project's own
assertions for what neither checks (retention years, Object Lock mode, the TLS-only
condition on every bucket policy, KMS everywhere with rotation, no wildcard grants)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.infra.deploy import STACKS
from fintech_dq.infra.policy_eval import Decision, Request, evaluate
from fintech_dq.infra.template import Resolver

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = REPO_ROOT / "cloudformation"
CHECKOV = REPO_ROOT / ".venv-tools" / "bin" / "checkov"
TEMPLATE_BODY_LIMIT = 51_200  # CreateChangeSet's TemplateBody limit, in bytes

# Actions that have no resource-level permissions: "*" is the narrowest resource there is.
NO_RESOURCE_LEVEL_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "cloudwatch:PutMetricData",
    "logs:DescribeLogGroups",
    "s3:GetAccountPublicAccessBlock",
}


def resources_of(templates: dict[str, dict[str, Any]], kind: str) -> list[tuple[str, str, dict]]:
    return [
        (stack, logical, spec)
        for stack, template in templates.items()
        for logical, spec in template["Resources"].items()
        if spec["Type"] == kind
    ]


def symbolic_resolver(template: dict[str, Any]) -> Resolver:
    """Resolves a template without a deployment: resources become readable placeholders."""
    parameters = {
        name: spec.get("Default", f"<{name}>")
        for name, spec in template.get("Parameters", {}).items()
    }
    parameters = {k: (str(v) if not isinstance(v, str) else v) for k, v in parameters.items()}

    class Exports(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return f"<import {key}>"

        def __contains__(self, key: object) -> bool:
            return True

    return Resolver(
        template=template,
        parameters=parameters,
        pseudo={
            "AWS::AccountId": "123456789012",
            "AWS::Region": "eu-central-1",
            "AWS::Partition": "aws",
            "AWS::StackName": "fdq-dev-test",
            "AWS::URLSuffix": "amazonaws.com",
        },
        exports=Exports(),
        ref=lambda logical: f"<{logical}>",
        get_att=lambda logical, attribute: (
            f"arn:aws:s3:::<{logical}>"
            if template["Resources"][logical]["Type"] == "AWS::S3::Bucket" and attribute == "Arn"
            else f"<{logical}.{attribute}>"
        ),
    )


# ---------------------------------------------------------------------- linters


def test_cfn_lint_finds_nothing() -> None:
    files = sorted(str(p) for p in TEMPLATES_DIR.glob("*.yaml"))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_checkov_has_no_failed_check() -> None:
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run scripts/setup (it installs .venv-tools)"
    result = subprocess.run(
        [str(CHECKOV), "-d", str(TEMPLATES_DIR), "--framework", "cloudformation",
         "--skip-download", "-o", "json"],
        capture_output=True, text=True, check=False,
        env={"BC_SKIP_MAPPING": "TRUE", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
    )  # fmt: skip
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert summary["failed"] == 0 and not failed, "\n".join(failed)
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 100  # it really looked at the templates
    for skipped in report["results"]["skipped_checks"]:
        reason = skipped.get("check_result", {}).get("suppress_comment", "")
        assert len(reason) >= 30, f"{skipped['check_id']} on {skipped['resource']}: no reason"


def test_every_checkov_suppression_carries_a_written_reason(templates: dict) -> None:
    suppressions = 0
    for template in templates.values():
        for logical, spec in template["Resources"].items():
            for skip in spec.get("Metadata", {}).get("checkov", {}).get("skip", []):
                suppressions += 1
                assert skip["id"].startswith("CKV"), logical
                assert len(skip.get("comment", "")) >= 30, f"{logical} {skip['id']}: reason?"
    assert suppressions > 0


@pytest.mark.parametrize("spec", STACKS, ids=lambda s: s.key)
def test_template_fits_a_change_set_body(spec: Any) -> None:
    assert (TEMPLATES_DIR / spec.template_file).stat().st_size < TEMPLATE_BODY_LIMIT


@pytest.mark.parametrize("spec", STACKS, ids=lambda s: s.key)
def test_every_stack_is_parameterised_by_env_name(spec: Any, templates: dict) -> None:
    template = templates[spec.key]
    env = template["Parameters"]["EnvName"]
    assert env["Default"] == "dev"
    names = [
        json.dumps(s["Properties"].get(field))
        for s in template["Resources"].values()
        if s["Type"] != "AWS::Lambda::Permission"  # its FunctionName refers to a function
        for field in ("BucketName", "RoleName", "FunctionName", "QueueName", "TopicName",
                      "TableName", "AlarmName", "Name", "LogGroupName", "AliasName")
        if field in s.get("Properties", {})
    ]  # fmt: skip
    assert names and all("EnvName" in name for name in names), names


# ---------------------------------------------------------------------- storage


def test_buckets_are_the_agreed_names(templates: dict) -> None:
    names = {
        logical: spec["Properties"]["BucketName"]["Fn::Sub"]
        for _, logical, spec in resources_of(templates, "AWS::S3::Bucket")
    }
    assert names["RawBucket"] == "fdq-${EnvName}-raw-${AWS::AccountId}"
    assert names["ProcessedBucket"] == "fdq-${EnvName}-processed-${AWS::AccountId}"
    assert names["AuditBucket"] == "fdq-${EnvName}-audit-${AWS::AccountId}"
    assert names["AccessLogsBucket"] == "fdq-${EnvName}-access-logs-${AWS::AccountId}"
    assert names["AirflowSourceBucket"].startswith("airflow-")  # MWAA requires it


def test_audit_bucket_locks_objects_in_compliance_mode_for_seven_years(templates: dict) -> None:
    storage = templates["storage"]
    audit = storage["Resources"]["AuditBucket"]["Properties"]
    assert audit["ObjectLockEnabled"] is True
    lock = audit["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "COMPLIANCE"
    assert "Days" not in retention
    years = storage["Parameters"][retention["Years"]["Ref"]]
    assert years["Default"] == 7 and years["MinValue"] >= 7
    assert audit["VersioningConfiguration"]["Status"] == "Enabled"
    lifecycle = audit["LifecycleConfiguration"]["Rules"]
    assert not any("ExpirationInDays" in rule for rule in lifecycle)  # archive, never expire


def test_every_bucket_is_versioned_private_and_owner_enforced(templates: dict) -> None:
    buckets = resources_of(templates, "AWS::S3::Bucket")
    assert len(buckets) == 6
    for _, logical, spec in buckets:
        props = spec["Properties"]
        assert props["VersioningConfiguration"]["Status"] == "Enabled", logical
        assert all(props["PublicAccessBlockConfiguration"][k] is True for k in (
            "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"
        )), logical  # fmt: skip
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        assert spec["DeletionPolicy"] == "Retain", logical


def test_every_data_bucket_is_encrypted_with_the_data_key_and_logged(templates: dict) -> None:
    for _, logical, spec in resources_of(templates, "AWS::S3::Bucket"):
        props = spec["Properties"]
        rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        if logical == "AccessLogsBucket":
            # Server access logs can only be delivered to an SSE-S3 bucket.
            assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
            continue
        assert rule["ServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]},
        }, logical
        assert props["LoggingConfiguration"]["DestinationBucketName"] == {
            "Ref": "AccessLogsBucket"
        }, logical


def test_raw_bucket_sends_its_events_to_eventbridge(templates: dict) -> None:
    raw = templates["storage"]["Resources"]["RawBucket"]["Properties"]
    assert raw["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }


def test_every_bucket_policy_denies_requests_without_tls(templates: dict) -> None:
    storage = templates["storage"]
    resolver = symbolic_resolver(storage)
    buckets = {logical for _, logical, _ in resources_of({"s": storage}, "AWS::S3::Bucket")}
    covered = set()
    for _, logical, spec in resources_of({"s": storage}, "AWS::S3::BucketPolicy"):
        bucket = spec["Properties"]["Bucket"]["Ref"]
        covered.add(bucket)
        document = resolver.resolve(spec["Properties"]["PolicyDocument"])
        arn = f"arn:aws:s3:::<{bucket}>"
        probes = [("s3:GetObject", f"{arn}/any/key"), ("s3:ListBucket", arn)]
        probes += [("s3:PutObject", f"{arn}/k"), ("s3:DeleteObject", f"{arn}/k")]
        for action, resource in probes:
            plain = Request(action, resource, context={"aws:SecureTransport": "false"})
            tls = Request(action, resource, context={"aws:SecureTransport": "true"})
            assert evaluate(document, plain) is Decision.DENY, (logical, action)
            assert evaluate(document, tls) is not Decision.DENY, (logical, action)
    assert covered == buckets


def test_data_bucket_policies_refuse_uploads_naming_another_key(templates: dict) -> None:
    storage = templates["storage"]
    resolver = symbolic_resolver(storage)
    for _, logical, spec in resources_of({"s": storage}, "AWS::S3::BucketPolicy"):
        if logical == "AccessLogsBucketPolicy":
            continue
        document = resolver.resolve(spec["Properties"]["PolicyDocument"])
        key = "<DataKey.Arn>"
        resource = f"arn:aws:s3:::<{spec['Properties']['Bucket']['Ref']}>/some/key"

        def upload(
            extra: dict[str, str], document: Any = document, resource: str = resource
        ) -> Decision:
            context = {"aws:SecureTransport": "true", **extra}
            return evaluate(document, Request("s3:PutObject", resource, context=context))

        named_key = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        assert upload({}) is Decision.NEUTRAL  # default encryption applies
        right = {"s3:x-amz-server-side-encryption": "aws:kms", named_key: key}
        assert upload(right) is Decision.NEUTRAL
        assert (
            upload({"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:other"}) is Decision.DENY
        )
        assert upload({"s3:x-amz-server-side-encryption": "AES256"}) is Decision.DENY


def test_data_key_is_rotated_and_used_everywhere(templates: dict) -> None:
    key = templates["storage"]["Resources"]["DataKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    key_import = {"Fn::ImportValue": {"Fn::Sub": "fdq-${EnvName}-data-key-arn"}}
    for _, logical, spec in resources_of(templates, "AWS::SNS::Topic"):
        assert spec["Properties"]["KmsMasterKeyId"] == key_import, logical
    for _, logical, spec in resources_of(templates, "AWS::SQS::Queue"):
        assert spec["Properties"]["KmsMasterKeyId"] == key_import, logical
    for _, logical, spec in resources_of(templates, "AWS::Logs::LogGroup"):
        assert spec["Properties"]["KmsKeyId"] == key_import, logical
    for _, logical, spec in resources_of(templates, "AWS::Lambda::Function"):
        assert spec["Properties"]["KmsKeyArn"] == key_import, logical
    ((_, _, table),) = resources_of(templates, "AWS::DynamoDB::Table")
    sse = table["Properties"]["SSESpecification"]
    assert sse == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_import}
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }
    glue = templates["catalog-and-jobs"]["Resources"]["GlueSecurityConfiguration"]["Properties"]
    modes = glue["EncryptionConfiguration"]
    assert modes["S3Encryptions"][0]["S3EncryptionMode"] == "SSE-KMS"
    assert modes["CloudWatchEncryption"]["CloudWatchEncryptionMode"] == "SSE-KMS"
    assert modes["JobBookmarksEncryption"]["JobBookmarksEncryptionMode"] == "CSE-KMS"


def test_topic_and_queue_policies_deny_requests_without_tls(templates: dict) -> None:
    events = templates["events-and-alerts"]
    resolver = symbolic_resolver(events)
    kinds = [("AWS::SNS::TopicPolicy", "sns:Publish"), ("AWS::SQS::QueuePolicy", "sqs:SendMessage")]
    for kind, action in kinds:
        policies = resources_of({"e": events}, kind)
        assert policies
        for _, logical, spec in policies:
            document = resolver.resolve(spec["Properties"]["PolicyDocument"])
            for resource in document["Statement"][0]["Resource"]:
                plain = Request(action, resource, context={"aws:SecureTransport": "false"})
                assert evaluate(document, plain) is Decision.DENY, logical


# ---------------------------------------------------------------------- retention


def test_retention_periods(templates: dict) -> None:
    for stack, logical, spec in resources_of(templates, "AWS::Logs::LogGroup"):
        days = spec["Properties"]["RetentionInDays"]
        parameter = templates[stack]["Parameters"][days["Ref"]]
        assert parameter["Default"] >= 365 and min(parameter["AllowedValues"]) >= 365, logical
    ((stack, _, archive),) = resources_of(templates, "AWS::Events::Archive")
    parameter = templates[stack]["Parameters"][archive["Properties"]["RetentionDays"]["Ref"]]
    assert parameter["Default"] >= 365 and parameter["MinValue"] >= 365
    for _, logical, spec in resources_of(templates, "AWS::SQS::Queue"):
        if logical.endswith("Dlq"):
            assert spec["Properties"]["MessageRetentionPeriod"] == 1209600, logical  # 14 days
    access_logs = templates["storage"]["Resources"]["AccessLogsBucket"]["Properties"]
    assert access_logs["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] >= 7 * 365


# ---------------------------------------------------------------------- IAM


def _identity_statements(templates: dict) -> list[tuple[str, dict]]:
    found = []
    for _, logical, spec in resources_of(templates, "AWS::IAM::Role"):
        for policy in spec["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                found.append((logical, statement))
    return found


def test_no_wildcard_action_or_resource_where_a_narrower_one_exists(templates: dict) -> None:
    statements = _identity_statements(templates)
    assert len(statements) > 40
    for logical, statement in statements:
        assert statement["Effect"] == "Allow", logical
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        for action in actions:
            assert "*" not in action, f"{logical} {statement.get('Sid')}: {action}"
        if statement.get("Resource") == "*":
            assert set(actions) <= NO_RESOURCE_LEVEL_ACTIONS, f"{logical} {statement.get('Sid')}"
    # Resource policies: wildcards only in Deny statements (which deny everything matching).
    for template in templates.values():
        for logical, spec in template["Resources"].items():
            properties = spec.get("Properties", {})
            document = properties.get("PolicyDocument") or properties.get("KeyPolicy")
            if document is None or spec["Type"] == "AWS::IAM::Role":
                continue
            document = symbolic_resolver(template).resolve(document)
            if isinstance(document, str):  # a policy given as JSON text (logs resource policy)
                document = json.loads(document)
            for statement in document["Statement"]:
                if statement["Effect"] != "Allow":
                    continue
                actions = (
                    statement["Action"]
                    if isinstance(statement["Action"], list)
                    else [statement["Action"]]
                )
                assert all("*" not in a for a in actions), f"{logical} {statement.get('Sid')}"


def test_roles_trust_only_their_service(templates: dict) -> None:
    expected = {
        "CrawlerRole": {"glue.amazonaws.com"},
        "ValidationJobRole": {"glue.amazonaws.com"},
        "SchemaChangeProcessorRole": {"lambda.amazonaws.com"},
        "ValidationIssueHandlerRole": {"lambda.amazonaws.com"},
        "AlertDispatcherRole": {"lambda.amazonaws.com"},
        "EscalationCheckerRole": {"lambda.amazonaws.com"},
        "EscalationScheduleRole": {"scheduler.amazonaws.com"},
        "ExecutionRole": {"airflow.amazonaws.com", "airflow-env.amazonaws.com"},
    }
    roles = resources_of(templates, "AWS::IAM::Role")
    assert {logical for _, logical, _ in roles} == set(expected)
    for _, logical, spec in roles:
        (statement,) = spec["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        services = statement["Principal"]["Service"]
        assert set(services if isinstance(services, list) else [services]) == expected[logical]


# ---------------------------------------------------------------------- compute


def test_every_lambda_has_dlq_reserved_concurrency_layer_and_its_log_group(templates: dict) -> None:
    events = templates["events-and-alerts"]["Resources"]
    functions = resources_of(templates, "AWS::Lambda::Function")
    assert {spec["Properties"]["Handler"] for _, _, spec in functions} == {
        "schema_change_processor.handler",
        "validation_issue_handler.handler",
        "alert_dispatcher.handler",
        "escalation_checker.handler",
    }
    for _, _logical, spec in functions:
        props = spec["Properties"]
        dlq = props["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"][0]
        assert events[dlq]["Type"] == "AWS::SQS::Queue"
        assert 1 <= props["ReservedConcurrentExecutions"] <= 10
        assert props["Layers"] == [{"Ref": "CoreLayer"}]
        assert props["Runtime"] == "python3.12"
        assert props["TracingConfig"] == {"Mode": "Active"}
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        name = events[group]["Properties"]["LogGroupName"]["Fn::Sub"]
        assert name == "/aws/lambda/" + props["FunctionName"]["Fn::Sub"]


def test_event_rules_route_the_pipeline_events(templates: dict) -> None:
    events = templates["events-and-alerts"]["Resources"]
    routes = {}
    for spec in events.values():
        if spec["Type"] != "AWS::Events::Rule":
            continue
        props = spec["Properties"]
        (target,) = props["Targets"]
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EventTargetsDlq", "Arn"]}}
        assert "ScheduleExpression" not in props  # schedules run on EventBridge Scheduler
        if props["EventPattern"].get("source") == ["aws.s3"]:
            routes["Object Created"] = target["Arn"]["Fn::GetAtt"][0]
        else:
            assert props["EventBusName"] == {"Fn::GetAtt": ["EventBus", "Name"]}
            for detail_type in props["EventPattern"]["detail-type"]:
                routes[detail_type] = target["Arn"]["Fn::GetAtt"][0]
    assert routes == {
        "schema.changed": "SchemaChangeProcessor",
        "validation.failed": "ValidationIssueHandler",
        "batch.blocked": "ValidationIssueHandler",
        "sla.missed": "AlertDispatcher",
        "run.failed": "AlertDispatcher",
        "Object Created": "LandingEventsQueue",
    }
    schedule = events["EscalationSchedule"]["Properties"]
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["EscalationChecker", "Arn"]}
    assert schedule["Target"]["RoleArn"] == {"Fn::GetAtt": ["EscalationScheduleRole", "Arn"]}
    assert schedule["Target"]["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["EventTargetsDlq", "Arn"]}
    }
    assert events["EventBus"]["Properties"]["Name"] == {"Fn::Sub": "fdq-${EnvName}"}
    assert events["EventArchive"]["Properties"]["SourceArn"] == {"Fn::GetAtt": ["EventBus", "Arn"]}


def test_validation_job_runs_the_script_on_glue_5_1_with_its_arguments(templates: dict) -> None:
    job = templates["catalog-and-jobs"]["Resources"]["ValidationJob"]["Properties"]
    assert job["GlueVersion"] == "5.1"
    assert job["Command"]["Name"] == "glueetl"
    assert job["SecurityConfiguration"] == {"Ref": "GlueSecurityConfiguration"}
    arguments = job["DefaultArguments"]
    for name in ("--dataset", "--processed_uri", "--quarantine_uri", "--rejected_uri",
                 "--results_uri", "--reference_merchants_uri", "--history_uri",
                 "--extra-py-files", "--additional-python-modules", "--TempDir"):  # fmt: skip
        assert name in arguments, name
    resolver = symbolic_resolver(templates["catalog-and-jobs"])
    resolved = resolver.resolve(arguments)
    assert resolved["--processed_uri"].endswith("/processed/transactions/")
    assert resolved["--quarantine_uri"].endswith("/quarantine/transactions/")
    assert resolved["--rejected_uri"].endswith("/rejected/transactions/")
    assert resolved["--results_uri"].endswith("/results/transactions/")
    assert resolved["--reference_merchants_uri"].endswith("/reference/merchants/")
    crawler = templates["catalog-and-jobs"]["Resources"]["TransactionsCrawler"]["Properties"]
    assert crawler["SchemaChangePolicy"] == {
        "UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"
    }  # fmt: skip


def test_alarms_cover_every_failure_mode(templates: dict) -> None:
    alarms = resources_of(templates, "AWS::CloudWatch::Alarm")
    metrics = {}
    for _, logical, spec in alarms:
        props = spec["Properties"]
        metrics.setdefault((props["Namespace"], props["MetricName"]), []).append(logical)
        assert props["AlarmActions"], logical
        assert props["TreatMissingData"] == "notBreaching"
    assert len(metrics[("AWS/Lambda", "Errors")]) == 4
    assert len(metrics[("AWS/Lambda", "Throttles")]) == 4
    assert len(metrics[("AWS/SQS", "ApproximateNumberOfMessagesVisible")]) == 6
    assert len(metrics[("AWS/SNS", "NumberOfNotificationsFailed")]) == 3
    assert metrics[("AWS/Events", "TriggeredRules")] == ["GlueFailuresAlarm"]
    for metric in ("BatchBlocked", "UnbalancedRuns", "BreakingSchemaChanges"):
        assert ("FintechDQ", metric) in metrics, metric
    dlqs = [lg for _, lg, _ in resources_of(templates, "AWS::SQS::Queue") if lg.endswith("Dlq")]
    assert len(dlqs) == 6
    assert resources_of(templates, "AWS::CloudWatch::Dashboard")


def test_mwaa_runs_airflow_3_3_1_privately_with_every_log(templates: dict) -> None:
    environment = templates["mwaa"]["Resources"]["Environment"]["Properties"]
    assert environment["AirflowVersion"] == "3.3.1"
    assert environment["WebserverAccessMode"] == "PRIVATE_ONLY"
    assert environment["RequirementsS3Path"] == "requirements.txt"
    assert environment["PluginsS3Path"] == "plugins.zip"
    assert environment["StartupScriptS3Path"] == "startup.sh"
    for logs in environment["LoggingConfiguration"].values():
        assert logs["Enabled"] is True
