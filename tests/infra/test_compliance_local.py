"""Compliance of the deployed local stack, proven with real HTTP calls to the emulator.

The session fixture starts the emulator (its own process, a free port) and deploys the
stacks into it with `fdq local deploy`; each test reads back what was deployed. Where the
emulator cannot hold a setting (a Lambda's dead-letter config, the data buckets' TLS-only
policies), the test reads the template the emulator's CloudFormation actually deployed
(GetTemplate) and resolves it against the deployed resources, and says so.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from deployed_roles import allowed, role_documents

from fintech_dq.infra.fill_ins import NOT_REPRESENTED, STAND_IN, deployed_stack
from fintech_dq.infra.policy_eval import Decision, Request, evaluate

BLOCKED = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
FUNCTIONS = (
    "schema-change-processor",
    "validation-issue-handler",
    "alert-dispatcher",
    "escalation-checker",
)
XRAY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
LAMBDA_BASE = {"logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage",
               "kms:Decrypt", "kms:GenerateDataKey"} | XRAY  # fmt: skip
# What each component uses; the deployed roles must grant exactly these actions (on which
# resources, for the calls the code makes: test_role_needs.py).
ROLE_ACTIONS: dict[str, set[str]] = {
    "crawler": {
        "s3:GetObject", "s3:ListBucket",
        "glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable",
        "glue:UpdateTable", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
        "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition",
        "glue:BatchUpdatePartition",
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey",
        "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
    },
    "validation-job": {
        "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
        "glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions",
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey",
        "cloudwatch:PutMetricData", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
    },
    "schema-change-processor": LAMBDA_BASE | {
        "sqs:GetQueueUrl", "s3:GetObject", "s3:PutObject", "s3:ListBucket", "dynamodb:GetItem",
        "dynamodb:PutItem", "dynamodb:UpdateItem", "lambda:InvokeFunction",
    },
    "validation-issue-handler": LAMBDA_BASE | {
        "sqs:GetQueueUrl", "s3:GetObject", "s3:PutObject", "s3:ListBucket", "dynamodb:GetItem",
        "dynamodb:PutItem", "dynamodb:UpdateItem", "lambda:InvokeFunction",
    },
    "alert-dispatcher": LAMBDA_BASE | {
        "sqs:GetQueueUrl", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "s3:GetObject", "s3:PutObject", "s3:ListBucket", "sns:Publish", "events:PutEvents",
    },
    "escalation-checker": LAMBDA_BASE | {
        "dynamodb:Query", "dynamodb:UpdateItem", "s3:GetObject",
        "s3:PutObject", "s3:ListBucket", "lambda:InvokeFunction",
    },
    "escalation-schedule": {
        "lambda:InvokeFunction", "sqs:SendMessage", "kms:Decrypt", "kms:GenerateDataKey",
    },
    "mwaa-execution": {
        "airflow:PublishMetrics",
        "s3:GetObject", "s3:GetObjectVersion", "s3:GetBucketLocation", "s3:GetBucketVersioning",
        "s3:GetBucketPublicAccessBlock", "s3:GetEncryptionConfiguration", "s3:ListBucket",
        "s3:ListBucketVersions", "s3:GetAccountPublicAccessBlock", "s3:PutObject",
        "logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "logs:GetLogEvents",
        "logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults",
        "logs:DescribeLogGroups", "cloudwatch:PutMetricData",
        "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage",
        "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Encrypt",
        "glue:StartCrawler", "glue:GetCrawler", "glue:GetJob", "glue:StartJobRun",
        "glue:GetJobRun", "glue:GetTable", "glue:GetTableVersions", "glue:GetPartition",
        "events:PutEvents",
    },
}  # fmt: skip


def _buckets(stack: Any) -> dict[str, str]:
    account = stack.account
    return {
        "raw": f"fdq-local-raw-{account}",
        "processed": f"fdq-local-processed-{account}",
        "audit": f"fdq-local-audit-{account}",
        "artefacts": f"fdq-local-artefacts-{account}",
        "airflow": f"airflow-fdq-local-{account}",
        "access-logs": f"fdq-local-access-logs-{account}",
    }


def _allowed(documents: list[dict[str, Any]], action: str, resource: str) -> bool:
    return allowed(documents, Request(action, resource))


# ---------------------------------------------------------------------- the deploy itself


def test_deploy_reports_every_fill_in_and_every_gap(local_stack: Any) -> None:
    out = local_stack.deploy_output
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("[")]
    assert "no fill-in exists" not in out
    for kind in ("AWS::Glue::Database", "AWS::Glue::Crawler", "AWS::Glue::Job",
                 "AWS::Glue::SecurityConfiguration", "AWS::SNS::Subscription",
                 "AWS::CloudWatch::Alarm", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy",
                 "AWS::Scheduler::Schedule"):  # fmt: skip
        assert any(f"({kind})" in line and line.startswith("[filled in]") for line in lines), kind
    assert "Object Lock COMPLIANCE, 7 years default retention" in out
    bucket_keys = [line for line in lines if "S3 Bucket Key on" in line]
    assert len(bucket_keys) == 5 and all(line.startswith("[filled in]") for line in bucket_keys)
    gaps = [line for line in lines if line.startswith(f"[{NOT_REPRESENTED}]")]
    expected_gaps = (
        [f"{b}BucketPolicy" for b in ("Raw", "Processed", "Audit", "Artefacts", "AirflowSource")]
        + [f"{f} (AWS::Lambda::Function): {p}" for f in (
            "SchemaChangeProcessor", "ValidationIssueHandler", "AlertDispatcher",
            "EscalationChecker") for p in ("DeadLetterConfig", "KmsKeyArn", "LoggingConfig",
                                           "TracingConfig")]
        + ["Environment (AWS::MWAA::Environment)"]
    )  # fmt: skip
    assert len(gaps) == len(expected_gaps), "\n".join(gaps)
    for expected in expected_gaps:
        assert any(expected in line for line in gaps), expected
    stand_ins = [line for line in lines if line.startswith(f"[{STAND_IN}]")]
    assert len(stand_ins) == 4  # the four rules whose targets are functions


def test_every_stack_is_deployed_with_its_outputs(local_stack: Any) -> None:
    cfn = local_stack.client("cloudformation")
    for key in ("storage", "catalog-and-jobs", "events-and-alerts", "monitoring", "mwaa"):
        stack = cfn.describe_stacks(StackName=local_stack.stack_name(key))["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", key
        assert stack["Outputs"], key
    assert local_stack.data_key_arn.startswith("arn:aws:kms:us-east-1:")


# ---------------------------------------------------------------------- storage


def test_each_bucket_is_encrypted_with_the_stacks_key(local_stack: Any) -> None:
    s3 = local_stack.client("s3")
    key = local_stack.data_key_arn
    for role, bucket in _buckets(local_stack).items():
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ][0]
        default = rule["ApplyServerSideEncryptionByDefault"]
        if role == "access-logs":
            assert default["SSEAlgorithm"] == "AES256"
            continue
        assert default == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}, role
        assert rule["BucketKeyEnabled"] is True, role  # dropped by the emulator's CFN: filled
        written = s3.put_object(Bucket=bucket, Key="compliance/probe.txt", Body=b"probe")
        assert written["ServerSideEncryption"] == "aws:kms", role
        assert written["SSEKMSKeyId"] == key, role
        assert written["BucketKeyEnabled"] is True, role


def test_public_access_is_blocked_and_acls_are_off(local_stack: Any) -> None:
    s3 = local_stack.client("s3")
    for bucket in _buckets(local_stack).values():
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert set(block) == set(BLOCKED) and all(block.values()), bucket
        rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
        assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}], bucket


def test_buckets_are_versioned_logged_and_have_lifecycles(local_stack: Any) -> None:
    s3 = local_stack.client("s3")
    buckets = _buckets(local_stack)
    for role, bucket in buckets.items():
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled", role
        assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"], role
        if role == "access-logs":
            continue
        logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
        assert logging["TargetBucket"] == buckets["access-logs"], role
    audit_rules = s3.get_bucket_lifecycle_configuration(Bucket=buckets["audit"])["Rules"]
    classes = {
        r["Filter"].get("Prefix", ""): [t["StorageClass"] for t in r.get("Transitions", [])]
        for r in audit_rules
    }
    assert classes == {"": ["GLACIER_IR"]}  # read back at once: test_role_needs
    assert not any("Expiration" in r for r in audit_rules)


def test_bucket_policies_deny_every_request_without_tls(local_stack: Any) -> None:
    """The data buckets' policies are not in the emulator's S3 (see the next test), so the
    policy documents come from the template the emulator deployed, resolved against the
    deployed buckets and key; the access-log bucket's is also read back from S3."""
    template, _, resolver = deployed_stack(local_stack.settings, local_stack.stack_name("storage"))
    buckets = set(_buckets(local_stack).values())
    covered = set()
    for spec in template["Resources"].values():
        if spec["Type"] != "AWS::S3::BucketPolicy":
            continue
        properties = resolver.resolve(spec["Properties"])
        bucket, document = properties["Bucket"], properties["PolicyDocument"]
        covered.add(bucket)
        for action, resource in (("s3:GetObject", f"arn:aws:s3:::{bucket}/any/key.csv"),
                                 ("s3:PutObject", f"arn:aws:s3:::{bucket}/results/x.json"),
                                 ("s3:ListBucket", f"arn:aws:s3:::{bucket}")):  # fmt: skip
            plain = Request(action, resource, context={"aws:SecureTransport": "false"})
            tls = Request(action, resource, context={"aws:SecureTransport": "true"})
            assert evaluate(document, plain) is Decision.DENY, (bucket, action)
            assert evaluate(document, tls) is not Decision.DENY, (bucket, action)
    assert covered == buckets
    logs_bucket = _buckets(local_stack)["access-logs"]
    stored = json.loads(local_stack.client("s3").get_bucket_policy(Bucket=logs_bucket)["Policy"])
    plain = Request(
        "s3:GetObject",
        f"arn:aws:s3:::{logs_bucket}/raw/x",
        context={"aws:SecureTransport": "false"},
    )
    assert evaluate(stored, plain) is Decision.DENY


def test_the_emulator_refuses_plain_http_objects_under_a_tls_only_policy(local_stack: Any) -> None:
    """Why the data buckets' policies stay out of the emulator: it evaluates them on every
    object request without knowing aws:SecureTransport, so every plain-HTTP request is
    refused. Should a moto release change this, this test fails: then put them in."""
    s3 = local_stack.client("s3")
    bucket = "fdq-local-policy-probe"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    document = {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}  # fmt: skip
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))
    with pytest.raises(s3.exceptions.ClientError) as refused:
        s3.get_object(Bucket=bucket, Key="k")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_audit_objects_cannot_be_deleted_or_overwritten_within_retention(local_stack: Any) -> None:
    s3 = local_stack.client("s3")
    bucket = _buckets(local_stack)["audit"]
    lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]
    assert (retention["Mode"], retention["Years"], retention.get("Days", 0)) == ("COMPLIANCE", 7, 0)
    key = "results/transactions/business_date=2026-11-28/run_id=r1/results.json"
    first = s3.put_object(Bucket=bucket, Key=key, Body=b'{"status": "passed"}')
    head = s3.head_object(Bucket=bucket, Key=key, VersionId=first["VersionId"])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    years = (head["ObjectLockRetainUntilDate"].timestamp() - time.time()) / (365.25 * 86400)
    assert 6.99 < years <= 7.01
    for bypass in (False, True):
        with pytest.raises(s3.exceptions.ClientError) as refused:
            s3.delete_object(Bucket=bucket, Key=key, VersionId=first["VersionId"],
                             BypassGovernanceRetention=bypass)  # fmt: skip
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
    # An overwrite only adds a version; the locked one stays, byte for byte.
    s3.put_object(Bucket=bucket, Key=key, Body=b'{"status": "failed"}')
    original = s3.get_object(Bucket=bucket, Key=key, VersionId=first["VersionId"])
    assert original["Body"].read() == b'{"status": "passed"}'
    # A delete without a version only hides it behind a marker.
    assert s3.delete_object(Bucket=bucket, Key=key)["DeleteMarker"] is True
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    assert first["VersionId"] in {v["VersionId"] for v in versions}


def test_data_key_rotates(local_stack: Any) -> None:
    kms = local_stack.client("kms")
    key = local_stack.data_key_arn
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    assert kms.describe_key(KeyId="alias/fdq-local-data")["KeyMetadata"]["Arn"] == key


# ---------------------------------------------------------------------- alerting


def test_sns_topics_are_encrypted_subscribed_and_tls_only(local_stack: Any) -> None:
    sns = local_stack.client("sns")
    topics = [
        t["TopicArn"] for t in sns.list_topics()["Topics"] if ":fdq-local-alerts-" in t["TopicArn"]
    ]
    assert len(topics) == 3
    for arn in topics:
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        assert attributes["KmsMasterKeyId"] == local_stack.data_key_arn, arn
        policy = json.loads(attributes["Policy"])
        account = {"aws:SourceAccount": local_stack.account}
        events, alarms = (
            {"Service": "events.amazonaws.com"},
            {"Service": "cloudwatch.amazonaws.com"},
        )
        plain = Request("sns:Publish", arn, events, {"aws:SecureTransport": "false", **account})
        tls = Request("sns:Publish", arn, alarms, {"aws:SecureTransport": "true", **account})
        assert evaluate(policy, plain) is Decision.DENY
        assert evaluate(policy, tls) is Decision.ALLOW
    subscriptions = {(s["Protocol"], s["Endpoint"], s["TopicArn"].rsplit("-", 1)[-1])
                     for s in sns.list_subscriptions()["Subscriptions"]}  # fmt: skip
    assert ("email", "oncall@example.com", "tier1") in subscriptions
    assert ("sms", "+4915112345678", "tier2") in subscriptions
    # no tier-3 contact given (other tests of the session subscribe their own SQS queues)
    assert not any(t == "tier3" and p in ("email", "sms") for p, _, t in subscriptions)


def test_alert_table_is_encrypted_with_the_key_and_recoverable(local_stack: Any) -> None:
    ddb = local_stack.client("dynamodb")
    table = ddb.describe_table(TableName="fdq-local-alerts")["Table"]
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert table["SSEDescription"]["SSEType"] == "KMS"
    assert table["SSEDescription"]["KMSMasterKeyArn"] == local_stack.data_key_arn
    assert table["DeletionProtectionEnabled"] is True
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by-state"]
    backups = ddb.describe_continuous_backups(TableName="fdq-local-alerts")
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    # Conditional writes are enforced: what the once-per-tier escalation relies on.
    ddb.put_item(TableName="fdq-local-alerts", Item={"alert_id": {"S": "a1"}, "tier": {"N": "1"}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.update_item(
            TableName="fdq-local-alerts", Key={"alert_id": {"S": "a1"}},
            UpdateExpression="SET tier = :two", ConditionExpression="tier = :zero",
            ExpressionAttributeValues={":two": {"N": "2"}, ":zero": {"N": "0"}},
        )  # fmt: skip


def test_every_queue_is_encrypted_with_the_key(local_stack: Any) -> None:
    sqs = local_stack.client("sqs")
    urls = sqs.list_queues(QueueNamePrefix="fdq-local-")["QueueUrls"]
    assert len(urls) == 6 + 1 + 3  # 6 dead-letter queues, the landing queue, 3 stand-ins
    for url in urls:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["KmsMasterKeyId"] == local_stack.data_key_arn, url


# ---------------------------------------------------------------------- compute


def test_each_role_is_limited_to_what_its_component_uses(local_stack: Any) -> None:
    documents = role_documents(local_stack)
    assert set(documents) == set(ROLE_ACTIONS)
    for role, docs in documents.items():
        actions: set[str] = set()
        for document in docs:
            for statement in document["Statement"]:
                assert statement["Effect"] == "Allow"
                listed = statement["Action"]
                actions |= set(listed if isinstance(listed, list) else [listed])
        assert actions == ROLE_ACTIONS[role], (role, actions ^ ROLE_ACTIONS[role])
    buckets = _buckets(local_stack)
    audit_object = f"arn:aws:s3:::{buckets['audit']}/results/transactions/r.json"
    for role, docs in documents.items():
        # Nothing may delete what the audit bucket keeps, nor write where senders deliver.
        assert not _allowed(docs, "s3:DeleteObject", audit_object), role
        assert not _allowed(
            docs, "s3:PutObject", f"arn:aws:s3:::{buckets['raw']}/transactions/x"
        ), role
        assert (
            not _allowed(docs, "s3:GetObject", f"arn:aws:s3:::{buckets['processed']}/quarantine/x")
            or role == "validation-job"
        ), role
    topic = f"arn:aws:sns:us-east-1:{local_stack.account}:fdq-local-alerts-tier1"
    assert [r for r, d in documents.items() if _allowed(d, "sns:Publish", topic)] == [
        "alert-dispatcher"
    ]
    job = f"arn:aws:glue:us-east-1:{local_stack.account}:job/fdq-local-validate-transactions"
    assert [r for r, d in documents.items() if _allowed(d, "glue:StartJobRun", job)] == [
        "mwaa-execution"
    ]
    table = f"arn:aws:dynamodb:us-east-1:{local_stack.account}:table/fdq-local-alerts"
    assert _allowed(documents["escalation-checker"], "dynamodb:Query", f"{table}/index/by-state")
    assert not _allowed(documents["escalation-checker"], "dynamodb:Scan", table)
    for function in FUNCTIONS:
        groups = f"arn:aws:logs:us-east-1:{local_stack.account}:log-group:/aws/lambda"
        own = f"{groups}/fdq-local-{function}:log-stream:2026/11/28/[$LATEST]0a1b"
        other = f"{groups}/fdq-local-x:log-stream:2026/11/28/[$LATEST]0a1b"
        assert _allowed(documents[function], "logs:PutLogEvents", own), function
        assert not _allowed(documents[function], "logs:PutLogEvents", other), function


def test_every_lambda_has_a_dead_letter_queue(local_stack: Any) -> None:
    """The emulator's Lambda API does not keep DeadLetterConfig, so the configuration is
    read from the template the emulator deployed and followed to real resources: the queue
    exists and is encrypted, and only the function's own role may send to it."""
    template, _, resolver = deployed_stack(
        local_stack.settings, local_stack.stack_name("events-and-alerts")
    )
    sqs = local_stack.client("sqs")
    lam = local_stack.client("lambda")
    documents = role_documents(local_stack)
    functions = {
        logical: spec
        for logical, spec in template["Resources"].items()
        if spec["Type"] == "AWS::Lambda::Function"
    }
    assert len(functions) == 4
    for logical, spec in functions.items():
        name = resolver.resolve(spec["Properties"]["FunctionName"])
        dlq_arn = resolver.resolve(spec["Properties"]["DeadLetterConfig"]["TargetArn"])
        url = sqs.get_queue_url(QueueName=dlq_arn.rsplit(":", 1)[-1])["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["QueueArn"] == dlq_arn and attributes["KmsMasterKeyId"]
        senders = [r for r, d in documents.items() if _allowed(d, "sqs:SendMessage", dlq_arn)]
        assert senders == [name.removeprefix("fdq-local-")], logical
        deployed = lam.get_function(FunctionName=name)
        assert deployed["Concurrency"]["ReservedConcurrentExecutions"] >= 1, name
        assert deployed["Configuration"]["Layers"][0]["Arn"].split(":")[-2] == "fdq-local-core"
        assert (
            deployed["Configuration"]["Handler"]
            == name.removeprefix("fdq-local-").replace("-", "_") + ".handler"
        )


def test_log_groups_keep_logs_a_year_encrypted(local_stack: Any) -> None:
    logs = local_stack.client("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/fdq-local-")["logGroups"]
    groups += logs.describe_log_groups(logGroupNamePrefix="/aws/events/fdq-local-")["logGroups"]
    assert {g["logGroupName"] for g in groups} == {
        *(f"/aws/lambda/fdq-local-{f}" for f in FUNCTIONS),
        "/aws/events/fdq-local-glue-failures",
    }
    for group in groups:
        assert group["retentionInDays"] >= 365, group["logGroupName"]
        assert group["kmsKeyId"] == local_stack.data_key_arn, group["logGroupName"]


# ---------------------------------------------------------------------- glue, events, alarms


def test_glue_catalog_crawler_and_job_are_there_as_the_template_says(local_stack: Any) -> None:
    glue = local_stack.client("glue")
    buckets = _buckets(local_stack)
    assert glue.get_database(Name="fdq_local")["Database"]["Name"] == "fdq_local"
    crawler = glue.get_crawler(Name="fdq-local-raw-transactions")["Crawler"]
    assert crawler["Targets"]["S3Targets"][0]["Path"] == f"s3://{buckets['raw']}/transactions/"
    assert crawler["SchemaChangePolicy"] == {
        "UpdateBehavior": "UPDATE_IN_DATABASE",
        "DeleteBehavior": "LOG",
    }
    assert crawler["CrawlerSecurityConfiguration"] == "fdq-local-glue"
    job = glue.get_job(JobName="fdq-local-validate-transactions")["Job"]
    assert job["GlueVersion"] == "5.1" and job["SecurityConfiguration"] == "fdq-local-glue"
    assert job["Command"]["ScriptLocation"].startswith(f"s3://{buckets['artefacts']}/glue/scripts/")
    assert job["Command"]["ScriptLocation"].endswith("/validate_transactions.py")
    arguments = job["DefaultArguments"]
    assert arguments["--processed_uri"] == f"s3://{buckets['processed']}/processed/transactions/"
    assert arguments["--quarantine_uri"] == f"s3://{buckets['processed']}/quarantine/transactions/"
    assert arguments["--rejected_uri"] == f"s3://{buckets['processed']}/rejected/transactions/"
    assert arguments["--results_uri"] == f"s3://{buckets['audit']}/results/transactions/"
    assert arguments["--history_uri"] == f"s3://{buckets['audit']}/results/transactions/"
    assert arguments["--reference_merchants_uri"] == f"s3://{buckets['raw']}/reference/merchants/"
    core = arguments["--extra-py-files"]
    assert core.startswith(f"s3://{buckets['artefacts']}/glue/lib/fintech_dq-")
    bucket, key = core.removeprefix("s3://").split("/", 1)
    local_stack.client("s3").head_object(Bucket=bucket, Key=key)  # it was uploaded
    configuration = glue.get_security_configuration(Name="fdq-local-glue")["SecurityConfiguration"]
    assert (
        configuration["EncryptionConfiguration"]["S3Encryption"][0]["KmsKeyArn"]
        == local_stack.data_key_arn
    )


def test_landing_events_reach_the_queue_airflow_reads(local_stack: Any) -> None:
    s3 = local_stack.client("s3")
    sqs = local_stack.client("sqs")
    raw = _buckets(local_stack)["raw"]
    url = sqs.get_queue_url(QueueName="fdq-local-landing-events")["QueueUrl"]
    key = "transactions/ingest_date=2026-11-28/acquirer-001.csv"
    s3.put_object(Bucket=raw, Key="reference/merchants/merchants.csv", Body=b"id\n")
    s3.put_object(Bucket=raw, Key=key, Body=b"transaction_id\n")
    keys = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and key not in keys:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []):
            event = json.loads(message["Body"])
            assert event["source"] == "aws.s3" and event["detail-type"] == "Object Created"
            keys.append(event["detail"]["object"]["key"])
    assert keys == [key]  # the reference upload is not a delivery


def test_pipeline_events_are_routed_and_archived(local_stack: Any) -> None:
    events = local_stack.client("events")
    sqs = local_stack.client("sqs")
    archive = events.describe_archive(ArchiveName="fdq-local-events")
    assert archive["EventSourceArn"].endswith(":event-bus/fdq-local")
    assert archive["RetentionDays"] >= 365
    routes = {
        "schema.changed": "schema-change-processor",
        "validation.failed": "validation-issue-handler",
        "batch.blocked": "validation-issue-handler",
        "sla.missed": "alert-dispatcher",
        "run.failed": "alert-dispatcher",
    }
    for detail_type, function in routes.items():
        result = events.put_events(Entries=[{
            "Source": "fdq.pipeline", "DetailType": detail_type, "EventBusName": "fdq-local",
            "Detail": json.dumps({"business_date": "2026-11-28"}),
        }])  # fmt: skip
        assert result["FailedEntryCount"] == 0
        url = sqs.get_queue_url(QueueName=f"fdq-local-{function}-events")["QueueUrl"]
        received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, MaxNumberOfMessages=10)
        types = [json.loads(m["Body"])["detail-type"] for m in received.get("Messages", [])]
        assert types == [detail_type], (detail_type, types)
        for message in received["Messages"]:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    schedule = local_stack.client("scheduler").get_schedule(Name="fdq-local-escalation-check")
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"
    assert schedule["Target"]["Arn"].endswith(":function:fdq-local-escalation-checker")
    assert schedule["Target"]["DeadLetterConfig"]["Arn"].endswith(":fdq-local-event-targets-dlq")


def test_alarms_watch_every_failure_and_notify_a_tier(local_stack: Any) -> None:
    cloudwatch = local_stack.client("cloudwatch")
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix="fdq-local-")["MetricAlarms"]
    assert len(alarms) == 1 + 8 + 6 + 3 + 3
    topics = {
        f"arn:aws:sns:us-east-1:{local_stack.account}:fdq-local-alerts-tier{n}" for n in (1, 2, 3)
    }
    for alarm in alarms:
        assert alarm["AlarmActions"] and set(alarm["AlarmActions"]) <= topics, alarm["AlarmName"]
    names = {a["AlarmName"] for a in alarms}
    assert "fdq-local-glue-failures" in names
    assert {f"fdq-local-{f}-{m}" for f in FUNCTIONS for m in ("errors", "throttles")} <= names
    assert "fdq-local-alerts-tier1-delivery-failures" in names
    pipeline = {"batch-blocked", "unbalanced-run", "breaking-schema-change"}
    assert {f"fdq-local-{name}" for name in pipeline} <= names
    for alarm in alarms:  # the pipeline's own metrics, as fintech_dq.monitoring sends them
        if alarm["Namespace"] == "FintechDQ":
            dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
            assert dimensions == {"Environment": "local", "Dataset": "transactions"}
    dashboard = cloudwatch.get_dashboard(DashboardName="fdq-local")
    assert len(json.loads(dashboard["DashboardBody"])["widgets"]) == 5
