"""What the emulator's CloudFormation leaves out, applied through the service APIs.

After a stack is deployed into the emulator, `fill_in_stack` reads the same template, finds
every resource the emulator skipped (no CloudFormation support: Glue, SNS subscriptions,
alarms, bucket/topic/queue policies) and every property it ignored on the resources it did
create (bucket versioning, Object Lock, logging, lifecycle, public access block; the alert
table's KMS encryption and point-in-time recovery; log groups' KMS key; the Lambda layer),
resolves the intrinsic functions, and applies them with ordinary API calls. It returns one
`FillIn` per action, including what cannot be represented in the emulator at all (the MWAA
environment; a Lambda's dead-letter, tracing and KMS settings, which its Lambda API drops),
so that nothing is lost silently. The tables below were read off moto 5.2's CloudFormation
models; `tests/infra` proves each fill-in by reading the result back over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fintech_dq.infra import aws
from fintech_dq.infra.template import Resolver, TemplateError, parameter_values, parse_template
from fintech_dq.notify.relay import EMAIL_PROTOCOLS

# Properties the emulator's CloudFormation applies itself, per resource type it supports.
APPLIED_BY_EMULATOR: dict[str, set[str]] = {
    "AWS::KMS::Key": {"Description", "EnableKeyRotation", "Enabled", "Tags"},
    "AWS::KMS::Alias": {"AliasName", "TargetKeyId"},
    # BucketEncryption: the default encryption is applied but BucketKeyEnabled is dropped
    "AWS::S3::Bucket": {"BucketName", "Tags"},
    "AWS::SNS::Topic": {"TopicName", "DisplayName", "KmsMasterKeyId"},
    "AWS::SQS::Queue": {
        "QueueName",
        "MessageRetentionPeriod",
        "VisibilityTimeout",
        "KmsMasterKeyId",
        "RedrivePolicy",
        "DelaySeconds",
        "ReceiveMessageWaitTimeSeconds",
    },
    "AWS::DynamoDB::Table": {
        "TableName",
        "BillingMode",
        "AttributeDefinitions",
        "KeySchema",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "DeletionProtectionEnabled",
        "ProvisionedThroughput",
        "StreamSpecification",
        "Tags",
    },
    "AWS::Logs::LogGroup": {"LogGroupName", "RetentionInDays", "Tags"},
    "AWS::Logs::ResourcePolicy": {"PolicyName", "PolicyDocument"},
    "AWS::IAM::Role": {
        "RoleName",
        "AssumeRolePolicyDocument",
        "Path",
        "Description",
        "MaxSessionDuration",
        "Tags",
        "PermissionsBoundary",
    },
    "AWS::Lambda::Function": {
        "FunctionName",
        "Description",
        "Runtime",
        "Handler",
        "Code",
        "Role",
        "MemorySize",
        "Timeout",
        "ReservedConcurrentExecutions",
        "Environment",
        "VpcConfig",
    },
    "AWS::Lambda::LayerVersion": {"Content", "Description", "CompatibleRuntimes", "LicenseInfo"},
    "AWS::Lambda::Permission": {"FunctionName", "Action", "Principal", "SourceArn"},
    "AWS::Events::EventBus": {"Name"},
    "AWS::Events::Archive": {"ArchiveName", "Description", "SourceArn", "RetentionDays"},
    "AWS::Events::Rule": {
        "Name",
        "Description",
        "EventBusName",
        "EventPattern",
        "ScheduleExpression",
        "State",
        "RoleArn",
    },
    "AWS::CloudWatch::Dashboard": {"DashboardName", "DashboardBody"},
}

# Properties of emulator-created resources that the fill-ins apply.
FILLED_PROPERTIES: dict[str, set[str]] = {
    "AWS::KMS::Key": {"KeyPolicy"},
    "AWS::IAM::Role": {"Policies"},
    "AWS::S3::Bucket": {
        "BucketEncryption",
        "VersioningConfiguration",
        "ObjectLockEnabled",
        "ObjectLockConfiguration",
        "PublicAccessBlockConfiguration",
        "OwnershipControls",
        "LoggingConfiguration",
        "LifecycleConfiguration",
        "NotificationConfiguration",
    },
    "AWS::DynamoDB::Table": {"SSESpecification", "PointInTimeRecoverySpecification"},
    "AWS::Logs::LogGroup": {"KmsKeyId"},
    "AWS::Lambda::Function": {"Layers"},
    "AWS::Lambda::LayerVersion": {"LayerName"},
    "AWS::Events::Rule": {"Targets"},
}

# Resource types the emulator has no service for at all.
NOT_EMULATED = {
    "AWS::MWAA::Environment": (
        "the emulator has no MWAA; locally Airflow runs on this machine against the "
        "emulator's endpoint (the execution role above is deployed and checked)"
    ),
}

# Order of application: policies before bucket settings (logging needs the log bucket's
# policy), catalog before crawler and job, topics' subscriptions and alarms last.
_PRIORITY = {
    "AWS::KMS::Key": -1,
    "AWS::S3::BucketPolicy": 0,
    "AWS::SNS::TopicPolicy": 0,
    "AWS::SQS::QueuePolicy": 0,
    "AWS::Lambda::LayerVersion": 1,
    "AWS::Lambda::Function": 2,
    "AWS::Glue::SecurityConfiguration": 2,
    "AWS::Glue::Database": 2,
    "AWS::Glue::Crawler": 3,
    "AWS::Glue::Job": 3,
    "AWS::SNS::Subscription": 3,
    "AWS::Scheduler::Schedule": 3,
    "AWS::Events::Rule": 3,
    "AWS::CloudWatch::Alarm": 4,
}


# What the fill-ins subscribed for a stack, by logical id (the emulator's CloudFormation keeps
# no subscriptions): an SSM parameter in the emulator, so it lives and dies with its state.
SUBSCRIPTIONS_RECORD = "/fdq/local-fill-ins/{stack}/sns-subscriptions"

FILLED = "filled in"
STAND_IN = "stand-in"
NOT_REPRESENTED = "NOT emulated"


@dataclass(frozen=True)
class FillIn:
    stack: str
    logical_id: str
    resource_type: str
    what: str
    status: str = FILLED
    """filled in: applied as the template says; stand-in: applied in a local form because
    the emulator cannot do what the template says (the line says why); NOT emulated: the
    emulator cannot represent it at all (reported, not applied)."""

    @property
    def applied(self) -> bool:
        return self.status != NOT_REPRESENTED

    def line(self) -> str:
        return f"[{self.status}] {self.stack} {self.logical_id} ({self.resource_type}): {self.what}"


class FillInError(RuntimeError):
    """A fill-in the template asks for could not be applied."""


def deployed_stack(
    aws_settings: aws.AwsSettings, stack_name: str
) -> tuple[dict[str, Any], dict[str, str], Resolver]:
    """The template and parameters a deployed stack was given (read back from
    CloudFormation), and a resolver over its resources' physical ids and attributes."""
    cfn = aws.client("cloudformation", aws_settings)
    body = cfn.get_template(StackName=stack_name)["TemplateBody"]
    text = body if isinstance(body, str) else json.dumps(body)
    template = parse_template(text, stack_name)
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
    resolver = _StackFiller(aws_settings, stack_name, template, parameters).resolver
    return template, parameters, resolver


def fill_in_stack(
    aws_settings: aws.AwsSettings,
    stack_name: str,
    template: dict[str, Any],
    given_parameters: dict[str, str],
) -> list[FillIn]:
    return _StackFiller(aws_settings, stack_name, template, given_parameters).run()


class _StackFiller:
    def __init__(
        self,
        aws_settings: aws.AwsSettings,
        stack_name: str,
        template: dict[str, Any],
        given_parameters: dict[str, str],
    ) -> None:
        self.settings = aws_settings
        self.stack = stack_name
        self.template = template
        self._clients: dict[str, Any] = {}
        cfn = self.client("cloudformation")
        self.deployed: dict[str, tuple[str, str | None]] = {}
        for entry in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]:
            logical = entry.get("LogicalResourceId")
            if logical:  # the emulator lists skipped resources as empty entries
                self.deployed[logical] = (entry["ResourceType"], entry.get("PhysicalResourceId"))
        self.filled: dict[str, str] = {}
        account = aws.account_id(aws_settings)
        self.partition = "aws"
        self.region = aws_settings.region
        self.account = account
        exports = {}
        for page in cfn.get_paginator("list_exports").paginate():
            exports.update({item["Name"]: item["Value"] for item in page["Exports"]})
        self.resolver = Resolver(
            template=template,
            parameters=parameter_values(template, given_parameters),
            pseudo={
                "AWS::AccountId": account,
                "AWS::Region": aws_settings.region,
                "AWS::Partition": self.partition,
                "AWS::StackName": stack_name,
                "AWS::URLSuffix": "amazonaws.com",
            },
            exports=exports,
            ref=self._ref,
            get_att=self._get_att,
        )

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = aws.client(service, self.settings)
        return self._clients[service]

    # ------------------------------------------------------------------ driver
    def run(self) -> list[FillIn]:
        resources = self.template["Resources"]
        order = sorted(
            resources,
            key=lambda logical: (
                _PRIORITY.get(resources[logical]["Type"], 1),
                list(resources).index(logical),
            ),
        )
        results: list[FillIn] = []
        for logical in order:
            spec = resources[logical]
            kind = spec["Type"]
            if not self.resolver.is_enabled(logical):
                continue
            if logical in self.deployed:
                results.extend(self._complete(logical, kind, spec.get("Properties", {})))
            elif kind in NOT_EMULATED:
                results.append(self._note(logical, kind, NOT_EMULATED[kind]))
            elif kind in _CREATORS:
                results.extend(_CREATORS[kind](self, logical, spec.get("Properties", {})))
            elif kind in APPLIED_BY_EMULATOR:
                results.append(
                    self._note(
                        logical,
                        kind,
                        "the emulator dropped it from the stack on an update it cannot apply "
                        "to this type; deploy into a fresh emulator (fdq local down, up)",
                    )
                )
            else:
                results.append(
                    self._note(logical, kind, "skipped by the emulator; no fill-in exists")
                )
        return results + self._reconcile_subscriptions()

    def _complete(self, logical: str, kind: str, properties: dict[str, Any]) -> list[FillIn]:
        applied = APPLIED_BY_EMULATOR.get(kind)
        if applied is None:
            return [self._note(logical, kind, "created by the emulator; its properties unchecked")]
        filled = FILLED_PROPERTIES.get(kind, set())
        results: list[FillIn] = []
        if filled & set(properties):
            results.extend(_COMPLETERS[kind](self, logical, properties))
        for name in sorted(set(properties) - applied - filled):
            results.append(
                self._note(logical, kind, f"{name}: the emulator's {kind} does not keep it")
            )
        return results

    def _done(self, logical: str, kind: str, what: str) -> FillIn:
        return FillIn(self.stack, logical, kind, what, FILLED)

    def _stand_in(self, logical: str, kind: str, what: str) -> FillIn:
        return FillIn(self.stack, logical, kind, what, STAND_IN)

    def _note(self, logical: str, kind: str, what: str) -> FillIn:
        return FillIn(self.stack, logical, kind, what, NOT_REPRESENTED)

    def resolve(self, node: Any) -> Any:
        return self.resolver.resolve(node)

    # ------------------------------------------------------------------ lookups
    def _physical(self, logical: str) -> str:
        if logical in self.filled:
            return self.filled[logical]
        if logical not in self.deployed:
            raise TemplateError(f"{self.stack}: {logical} is neither deployed nor filled in yet")
        kind, physical = self.deployed[logical]
        if physical:
            return physical
        properties = self.template["Resources"][logical].get("Properties", {})
        if kind == "AWS::Events::EventBus":
            return str(self.resolve(properties["Name"]))
        raise TemplateError(f"{self.stack}: {logical} ({kind}) has no physical id")

    def _ref(self, logical: str) -> Any:
        return self._physical(logical)

    def _get_att(self, logical: str, attribute: str) -> Any:
        kind = self.template["Resources"][logical]["Type"]
        physical = self._physical(logical)
        arn_prefix = f"arn:{self.partition}"
        if attribute == "Arn":
            if kind == "AWS::S3::Bucket":
                return f"{arn_prefix}:s3:::{physical}"
            if kind == "AWS::KMS::Key":
                return self.client("kms").describe_key(KeyId=physical)["KeyMetadata"]["Arn"]
            if kind == "AWS::IAM::Role":
                return self.client("iam").get_role(RoleName=physical)["Role"]["Arn"]
            if kind == "AWS::SQS::Queue":
                attributes = self.client("sqs").get_queue_attributes(
                    QueueUrl=physical, AttributeNames=["QueueArn"]
                )
                return attributes["Attributes"]["QueueArn"]
            if kind == "AWS::Lambda::Function":
                configuration = self.client("lambda").get_function_configuration(
                    FunctionName=physical
                )
                return configuration["FunctionArn"]
            if kind == "AWS::Logs::LogGroup":
                return f"{arn_prefix}:logs:{self.region}:{self.account}:log-group:{physical}:*"
            if kind == "AWS::DynamoDB::Table":
                return self.client("dynamodb").describe_table(TableName=physical)["Table"][
                    "TableArn"
                ]
            if kind == "AWS::Events::EventBus":
                return self.client("events").describe_event_bus(Name=physical)["Arn"]
            if kind == "AWS::Events::Rule":
                properties = self.template["Resources"][logical].get("Properties", {})
                bus = self.resolve(properties.get("EventBusName", "default"))
                return self.client("events").describe_rule(Name=physical, EventBusName=bus)["Arn"]
        if kind == "AWS::Events::EventBus" and attribute == "Name":
            return physical
        raise TemplateError(f"GetAtt {logical}.{attribute} ({kind}) is not supported here")

    # ------------------------------------------------------------------ KMS
    def complete_key(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        """The emulator keeps a template's key policy as an object where its KMS expects JSON
        text (DescribeKey then fails); the policy is put again as text."""
        policy = self.resolve(properties["KeyPolicy"])
        self.client("kms").put_key_policy(
            KeyId=self._physical(logical), PolicyName="default", Policy=json.dumps(policy)
        )
        sids = ", ".join(s.get("Sid", "?") for s in policy["Statement"])
        return [self._done(logical, "AWS::KMS::Key", f"key policy as JSON: {sids}")]

    # ------------------------------------------------------------------ IAM
    def complete_role(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        """The emulator stores a template's inline policies as objects, which its IAM then
        returns as Python text, not JSON; each is put again as JSON."""
        iam = self.client("iam")
        role = self._physical(logical)
        done = []
        for policy in self.resolve(properties.get("Policies", [])):
            iam.put_role_policy(
                RoleName=role,
                PolicyName=policy["PolicyName"],
                PolicyDocument=json.dumps(policy["PolicyDocument"]),
            )
            count = len(policy["PolicyDocument"]["Statement"])
            done.append(
                self._done(
                    logical,
                    "AWS::IAM::Role",
                    f"inline policy {policy['PolicyName']} as JSON ({count} statements)",
                )
            )
        return done

    # ------------------------------------------------------------------ S3
    def complete_bucket(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        kind = "AWS::S3::Bucket"
        s3 = self.client("s3")
        bucket = self._physical(logical)
        done: list[FillIn] = []
        props = self.resolve(properties)
        if "BucketEncryption" in props:
            done.append(self._encryption(logical, bucket, props["BucketEncryption"]))
        if "VersioningConfiguration" in props:
            status = props["VersioningConfiguration"]["Status"]
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
            done.append(self._done(logical, kind, f"versioning {status}"))
        if props.get("ObjectLockEnabled") or "ObjectLockConfiguration" in props:
            done.append(self._object_lock(logical, bucket, props.get("ObjectLockConfiguration")))
        if "PublicAccessBlockConfiguration" in props:
            block = {k: _bool(v) for k, v in props["PublicAccessBlockConfiguration"].items()}
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)
            on = ", ".join(sorted(k for k, v in block.items() if v))
            done.append(self._done(logical, kind, f"public access block: {on}"))
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(
                Bucket=bucket, OwnershipControls={"Rules": props["OwnershipControls"]["Rules"]}
            )
            rules = ", ".join(r["ObjectOwnership"] for r in props["OwnershipControls"]["Rules"])
            done.append(self._done(logical, kind, f"object ownership {rules}"))
        if "LoggingConfiguration" in props:
            logging = props["LoggingConfiguration"]
            target = {
                "TargetBucket": logging["DestinationBucketName"],
                "TargetPrefix": logging.get("LogFilePrefix", ""),
            }
            s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": target})
            done.append(
                self._done(
                    logical,
                    kind,
                    f"access logging to s3://{target['TargetBucket']}/{target['TargetPrefix']}",
                )
            )
        if "LifecycleConfiguration" in props:
            lifecycle = [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
            s3.put_bucket_lifecycle_configuration(
                Bucket=bucket, LifecycleConfiguration={"Rules": lifecycle}
            )
            names = ", ".join(rule["ID"] for rule in lifecycle)
            done.append(self._done(logical, kind, f"lifecycle rules {names}"))
        notification = props.get("NotificationConfiguration", {})
        if notification:
            api: dict[str, Any] = {}
            if _bool(notification.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled")):
                api["EventBridgeConfiguration"] = {}
            unsupported = set(notification) - {"EventBridgeConfiguration"}
            if unsupported:
                raise FillInError(f"{logical}: notifications {sorted(unsupported)} not handled")
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=api)
            done.append(self._done(logical, kind, "S3 events to EventBridge"))
        return done

    def _encryption(self, logical: str, bucket: str, encryption: dict[str, Any]) -> FillIn:
        """Put the template's default encryption whole (the emulator's CloudFormation keeps
        the algorithm and key but drops BucketKeyEnabled), then read it back: whatever its S3
        API does not keep either is reported, not assumed."""
        s3 = self.client("s3")
        wanted = []
        for rule in encryption["ServerSideEncryptionConfiguration"]:
            api: dict[str, Any] = {
                "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]
            }
            if "BucketKeyEnabled" in rule:
                api["BucketKeyEnabled"] = _bool(rule["BucketKeyEnabled"])
            wanted.append(api)
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": wanted})
        kept = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        dropped = sorted(
            f"{name}={value}"
            for rule, stored in zip(wanted, kept + [{}] * len(wanted), strict=False)
            for name, value in rule.items()
            if stored.get(name) != value
        )
        kind = "AWS::S3::Bucket"
        if dropped:
            return self._note(
                logical,
                kind,
                f"BucketEncryption: the emulator's S3 does not keep {', '.join(dropped)}",
            )
        default = wanted[0]["ApplyServerSideEncryptionByDefault"]
        key = f" with {default['KMSMasterKeyID']}" if "KMSMasterKeyID" in default else ""
        bucket_key = ", S3 Bucket Key on" if wanted[0].get("BucketKeyEnabled") else ""
        return self._done(
            logical, kind, f"default encryption {default['SSEAlgorithm']}{key}{bucket_key}"
        )

    def _object_lock(
        self, logical: str, bucket: str, configuration: dict[str, Any] | None
    ) -> FillIn:
        s3 = self.client("s3")
        wanted: dict[str, Any] = {"ObjectLockEnabled": "Enabled"}
        retention = (configuration or {}).get("Rule", {}).get("DefaultRetention")
        if retention:
            rule = {"Mode": retention["Mode"]}
            for unit in ("Years", "Days"):
                if unit in retention:
                    rule[unit] = int(retention[unit])
            wanted["Rule"] = {"DefaultRetention": rule}
        try:
            current = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
        except s3.exceptions.ClientError:
            current = None
        described = _describe_lock(wanted)
        if _same_lock(current, wanted):
            return self._done(logical, "AWS::S3::Bucket", f"Object Lock {described} (in place)")
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=wanted)
        return self._done(logical, "AWS::S3::Bucket", f"Object Lock {described}")

    def create_bucket_policy(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        """Only an access-log target's policy goes into the emulator's S3.

        The emulator evaluates a bucket's policy on every object request but without the
        request's context: it cannot know aws:SecureTransport, and it takes any unmet
        condition as a Deny. A TLS-only policy would therefore refuse every local (plain
        HTTP) object request. The access-log target is the exception: the emulator checks
        its delivery grant before it enables logging on the other buckets, and nothing local
        reads or writes objects in it. The other policies are proven from the deployed
        template (tests/infra/test_compliance_local.py).
        """
        props = self.resolve(properties)
        self.filled[logical] = props["Bucket"]
        if props["Bucket"] not in self._log_targets():
            return [
                self._note(
                    logical,
                    "AWS::S3::BucketPolicy",
                    f"{props['Bucket']}: not put into the emulator, whose S3 would refuse "
                    "every plain-HTTP object request under a TLS-only policy (it cannot "
                    "evaluate aws:SecureTransport); proven from the deployed template",
                )
            ]
        self.client("s3").put_bucket_policy(
            Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"])
        )
        sids = ", ".join(s.get("Sid", "?") for s in props["PolicyDocument"]["Statement"])
        return [self._done(logical, "AWS::S3::BucketPolicy", f"{props['Bucket']}: {sids}")]

    def _log_targets(self) -> set[str]:
        targets = set()
        for logical, spec in self.template["Resources"].items():
            logging = spec.get("Properties", {}).get("LoggingConfiguration")
            if spec["Type"] == "AWS::S3::Bucket" and logging and self.resolver.is_enabled(logical):
                targets.add(str(self.resolve(logging["DestinationBucketName"])))
        return targets

    # ------------------------------------------------------------------ SNS / SQS
    def create_topic_policy(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve(properties)
        policy = json.dumps(props["PolicyDocument"])
        done = []
        for topic in props["Topics"]:
            self.client("sns").set_topic_attributes(
                TopicArn=topic, AttributeName="Policy", AttributeValue=policy
            )
            done.append(self._done(logical, "AWS::SNS::TopicPolicy", f"policy on {topic}"))
        self.filled[logical] = ",".join(props["Topics"])
        return done

    def create_queue_policy(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve(properties)
        policy = json.dumps(props["PolicyDocument"])
        done = []
        for queue_url in props["Queues"]:
            self.client("sqs").set_queue_attributes(
                QueueUrl=queue_url, Attributes={"Policy": policy}
            )
            done.append(self._done(logical, "AWS::SQS::QueuePolicy", f"policy on {queue_url}"))
        self.filled[logical] = ",".join(props["Queues"])
        return done

    def create_subscription(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve(properties)
        response = self.client("sns").subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            ReturnSubscriptionArn=True,
        )
        self.filled[logical] = response["SubscriptionArn"]
        topic = props["TopicArn"].rsplit(":", 1)[-1]
        return [
            self._done(
                logical,
                "AWS::SNS::Subscription",
                f"{props['Protocol']} {props['Endpoint']} on {topic} ({_local_delivery(props)})",
            )
        ]

    def _reconcile_subscriptions(self) -> list[FillIn]:
        """Unsubscribe what an earlier deploy of this stack subscribed and the template no
        longer declares (a parameter emptied, an address changed): CloudFormation would
        delete those. Only subscriptions recorded as this stack's own are touched, never
        ones others made on its topics (the tests' and the local event path's queues)."""
        kind = "AWS::SNS::Subscription"
        resources = self.template["Resources"]
        made = {
            logical: arn
            for logical, arn in self.filled.items()
            if resources.get(logical, {}).get("Type") == kind
        }
        ssm, sns = self.client("ssm"), self.client("sns")
        record = SUBSCRIPTIONS_RECORD.format(stack=self.stack)
        try:
            earlier = json.loads(ssm.get_parameter(Name=record)["Parameter"]["Value"])
        except ssm.exceptions.ParameterNotFound:
            earlier = {}
        done = []
        for logical, arn in sorted(earlier.items()):
            if made.get(logical) == arn:
                continue
            try:
                attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
            except sns.exceptions.NotFoundException:
                continue  # removed by hand meanwhile
            sns.unsubscribe(SubscriptionArn=arn)
            why = "its parameter changed" if logical in made else "no longer declared"
            topic = attributes["TopicArn"].rsplit(":", 1)[-1]
            done.append(
                self._done(
                    logical,
                    kind,
                    f"unsubscribed {attributes['Protocol']} {attributes['Endpoint']} from "
                    f"{topic} ({why})",
                )
            )
        if made or earlier:
            ssm.put_parameter(Name=record, Value=json.dumps(made), Type="String", Overwrite=True)
        return done

    # ------------------------------------------------------------------ DynamoDB
    def complete_table(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        kind = "AWS::DynamoDB::Table"
        ddb = self.client("dynamodb")
        table = self._physical(logical)
        props = self.resolve(properties)
        done: list[FillIn] = []
        sse = props.get("SSESpecification")
        if sse and _bool(sse.get("SSEEnabled")):
            described = ddb.describe_table(TableName=table)["Table"]
            if described.get("SSEDescription", {}).get("Status") != "ENABLED":
                done.append(self._recreate_encrypted_table(logical, table, props, described))
            else:
                done.append(self._done(logical, kind, "KMS encryption (in place)"))
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr and _bool(pitr.get("PointInTimeRecoveryEnabled")):
            ddb.update_continuous_backups(
                TableName=table,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
            done.append(self._done(logical, kind, "point-in-time recovery enabled"))
        return done

    def _recreate_encrypted_table(
        self, logical: str, table: str, props: dict[str, Any], described: dict[str, Any]
    ) -> FillIn:
        """The emulator's CloudFormation hands SSESpecification over in the template's shape,
        which its DynamoDB ignores, and UpdateTable cannot add it: the still-empty table is
        created again through the API with the same definition and the API's shape."""
        kind = "AWS::DynamoDB::Table"
        ddb = self.client("dynamodb")
        if described.get("ItemCount", 0) or ddb.scan(TableName=table, Limit=1)["Items"]:
            return self._note(logical, kind, "KMS encryption: table has items, not re-created")
        sse = props["SSESpecification"]
        request: dict[str, Any] = {
            "TableName": table,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
            "SSESpecification": {
                "Enabled": True,
                "SSEType": sse.get("SSEType", "KMS"),
                **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if "KMSMasterKeyId" in sse else {}),
            },
            "DeletionProtectionEnabled": _bool(props.get("DeletionProtectionEnabled", False)),
        }
        for optional in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
            if optional in props:
                request[optional] = props[optional]
        if "ProvisionedThroughput" in props:
            request["ProvisionedThroughput"] = {
                k: int(v) for k, v in props["ProvisionedThroughput"].items()
            }
        if described.get("DeletionProtectionEnabled"):
            ddb.update_table(TableName=table, DeletionProtectionEnabled=False)
        ddb.delete_table(TableName=table)
        ddb.create_table(**request)
        key = sse.get("KMSMasterKeyId", "the AWS managed key")
        return self._done(logical, kind, f"KMS encryption with {key} (empty table re-created)")

    # ------------------------------------------------------------------ Logs
    def complete_log_group(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve(properties)
        if "KmsKeyId" not in props:
            return []
        kind = "AWS::Logs::LogGroup"
        logs = self.client("logs")
        group = self._physical(logical)
        described = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        current: dict[str, Any] = next((g for g in described if g["logGroupName"] == group), {})
        if current.get("kmsKeyId") == props["KmsKeyId"]:
            return [self._done(logical, kind, f"KMS key {props['KmsKeyId']} (in place)")]
        # The emulator has no AssociateKmsKey: a group that holds no log yet is created
        # again with its key (CreateLogGroup takes one) and its retention.
        if logs.describe_log_streams(logGroupName=group, limit=1)["logStreams"]:
            return [self._note(logical, kind, "KMS key: group already holds logs, not re-created")]
        logs.delete_log_group(logGroupName=group)
        logs.create_log_group(logGroupName=group, kmsKeyId=props["KmsKeyId"])
        if "RetentionInDays" in props:
            logs.put_retention_policy(
                logGroupName=group, retentionInDays=int(props["RetentionInDays"])
            )
        return [self._done(logical, kind, f"KMS key {props['KmsKeyId']} (empty group re-created)")]

    # ------------------------------------------------------------------ Lambda
    def complete_layer(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        """The emulator names the layer after the stack; publish it under its own name."""
        kind = "AWS::Lambda::LayerVersion"
        props = self.resolve(properties)
        name = props["LayerName"]
        content = props["Content"]
        lam = self.client("lambda")
        body = self.client("s3").get_object(Bucket=content["S3Bucket"], Key=content["S3Key"])
        digest = base64.b64encode(hashlib.sha256(body["Body"].read()).digest()).decode()
        versions = lam.list_layer_versions(LayerName=name).get("LayerVersions", [])
        for version in versions:
            detail = lam.get_layer_version(LayerName=name, VersionNumber=version["Version"])
            if detail["Content"].get("CodeSha256") == digest:
                self.filled[logical] = version["LayerVersionArn"]
                return [self._done(logical, kind, f"layer {name} (in place)")]
        published = lam.publish_layer_version(
            LayerName=name,
            Description=props.get("Description", ""),
            Content={"S3Bucket": content["S3Bucket"], "S3Key": content["S3Key"]},
            CompatibleRuntimes=props.get("CompatibleRuntimes", []),
        )
        self.filled[logical] = published["LayerVersionArn"]
        return [self._done(logical, kind, f"published layer {published['LayerVersionArn']}")]

    def complete_function(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve({"Layers": properties["Layers"]}) if "Layers" in properties else {}
        if not props.get("Layers"):
            return []
        self.client("lambda").update_function_configuration(
            FunctionName=self._physical(logical), Layers=props["Layers"]
        )
        layers = ", ".join(props["Layers"])
        return [self._done(logical, "AWS::Lambda::Function", f"layers {layers}")]

    # ------------------------------------------------------------------ EventBridge
    def complete_rule(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        """Lambda targets get a stand-in queue each.

        The emulator cannot deliver to Lambda: a matching event makes its PutEvents fail,
        and one such rule stops its S3-to-EventBridge delivery to every rule after it. The
        local event path reads `<function>-events` and calls the handler in-process.
        """
        kind = "AWS::Events::Rule"
        props = self.resolve(properties)
        events = self.client("events")
        bus = props.get("EventBusName", "default")
        rule = self._physical(logical)
        done = []
        for target in props.get("Targets", []):
            arn = str(target["Arn"])
            if ":lambda:" not in arn:
                continue
            function = arn.rsplit(":", 1)[-1]
            queue_arn = self._stand_in_queue(f"{function}-events", target.get("DeadLetterConfig"))
            events.put_targets(Rule=rule, EventBusName=bus, Targets=[{**target, "Arn": queue_arn}])
            done.append(
                self._stand_in(
                    logical,
                    kind,
                    f"target {function} -> SQS {function}-events (the emulator cannot deliver "
                    "to Lambda; the local event path reads the queue and calls the handler)",
                )
            )
        return done

    def _stand_in_queue(self, name: str, dead_letter: dict[str, Any] | None) -> str:
        sqs = self.client("sqs")
        attributes = {"MessageRetentionPeriod": "1209600"}
        if dead_letter:  # encrypted like the rule's own dead-letter queue
            dlq_url = sqs.get_queue_url(QueueName=dead_letter["Arn"].rsplit(":", 1)[-1])["QueueUrl"]
            key = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["KmsMasterKeyId"])
            if "KmsMasterKeyId" in key.get("Attributes", {}):
                attributes["KmsMasterKeyId"] = key["Attributes"]["KmsMasterKeyId"]
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return str(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
        )

    def create_schedule(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve(properties)
        scheduler = self.client("scheduler")
        name = props["Name"]
        self.filled[logical] = name
        request = dict(props)
        target = dict(request["Target"])
        if "RetryPolicy" in target:
            target["RetryPolicy"] = {k: int(v) for k, v in target["RetryPolicy"].items()}
        request["Target"] = target
        try:
            scheduler.get_schedule(Name=name)
        except scheduler.exceptions.ResourceNotFoundException:
            scheduler.create_schedule(**request)
            verb = "schedule"
        else:
            scheduler.update_schedule(**request)
            verb = "schedule (updated)"
        function = str(target["Arn"]).rsplit(":", 1)[-1]
        return [
            self._done(
                logical,
                "AWS::Scheduler::Schedule",
                f"{verb} {name}: {props['ScheduleExpression']} -> {function} (the emulator keeps "
                "it but never fires it; the local runtime runs the check itself)",
            )
        ]

    # ------------------------------------------------------------------ Glue
    def create_security_configuration(
        self, logical: str, properties: dict[str, Any]
    ) -> list[FillIn]:
        props = self.resolve(properties)
        glue = self.client("glue")
        name = props["Name"]
        self.filled[logical] = name
        existing = {c["Name"] for c in glue.get_security_configurations()["SecurityConfigurations"]}
        if name in existing:
            return [self._done(logical, "AWS::Glue::SecurityConfiguration", f"{name} (in place)")]
        modes = props["EncryptionConfiguration"]
        api = {k: v for k, v in modes.items() if k != "S3Encryptions"}
        if "S3Encryptions" in modes:  # the template's name for the API's S3Encryption
            api["S3Encryption"] = modes["S3Encryptions"]
        glue.create_security_configuration(Name=name, EncryptionConfiguration=api)
        summary = ", ".join(
            [
                f"S3 {modes['S3Encryptions'][0]['S3EncryptionMode']}",
                f"logs {modes['CloudWatchEncryption']['CloudWatchEncryptionMode']}",
                f"bookmarks {modes['JobBookmarksEncryption']['JobBookmarksEncryptionMode']}",
            ]
        )
        return [self._done(logical, "AWS::Glue::SecurityConfiguration", f"{name}: {summary}")]

    def create_database(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve(properties)
        glue = self.client("glue")
        database = props["DatabaseInput"]
        name = database["Name"]
        self.filled[logical] = name
        try:
            glue.get_database(Name=name)
        except glue.exceptions.EntityNotFoundException:
            glue.create_database(DatabaseInput=database)
            return [self._done(logical, "AWS::Glue::Database", f"database {name}")]
        glue.update_database(Name=name, DatabaseInput=database)
        return [self._done(logical, "AWS::Glue::Database", f"database {name} (updated)")]

    def create_crawler(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve(properties)
        glue = self.client("glue")
        name = props["Name"]
        self.filled[logical] = name
        request = {k: v for k, v in props.items() if k != "Tags"}
        verb = _put_glue_resource(
            "crawler",
            lambda: glue.get_crawler(Name=name)["Crawler"],
            lambda: glue.create_crawler(**request),
            lambda: glue.delete_crawler(Name=name),
            glue.exceptions.EntityNotFoundException,
            request,
        )
        targets = ", ".join(t["Path"] for t in props["Targets"].get("S3Targets", []))
        policy = props.get("SchemaChangePolicy", {})
        return [
            self._done(
                logical,
                "AWS::Glue::Crawler",
                f"{verb} {name} on {targets}, schema changes {policy.get('UpdateBehavior')}, "
                f"deletions {policy.get('DeleteBehavior')}",
            )
        ]

    def create_job(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve(properties)
        glue = self.client("glue")
        name = props["Name"]
        self.filled[logical] = name
        request = dict(props)
        for integer in ("NumberOfWorkers", "Timeout", "MaxRetries"):
            if integer in request:
                request[integer] = int(request[integer])
        if "ExecutionProperty" in request:
            request["ExecutionProperty"] = {
                k: int(v) for k, v in request["ExecutionProperty"].items()
            }
        verb = _put_glue_resource(
            "job",
            lambda: glue.get_job(JobName=name)["Job"],
            lambda: glue.create_job(**request),
            lambda: glue.delete_job(JobName=name),
            glue.exceptions.EntityNotFoundException,
            request,
        )
        return [
            self._done(
                logical,
                "AWS::Glue::Job",
                f"{verb} {name}: Glue {props.get('GlueVersion')}, "
                f"{props['Command']['ScriptLocation']}, "
                f"{len(props.get('DefaultArguments', {}))} default arguments",
            )
        ]

    # ------------------------------------------------------------------ CloudWatch
    def create_alarm(self, logical: str, properties: dict[str, Any]) -> list[FillIn]:
        props = self.resolve(properties)
        request = dict(props)
        for integer in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if integer in request:
                request[integer] = int(request[integer])
        if "Threshold" in request:
            request["Threshold"] = float(request["Threshold"])
        self.client("cloudwatch").put_metric_alarm(**request)
        self.filled[logical] = props["AlarmName"]
        metric = f"{props.get('Namespace')}/{props.get('MetricName')}"
        return [self._done(logical, "AWS::CloudWatch::Alarm", f"{props['AlarmName']} on {metric}")]


_Handler = Callable[[_StackFiller, str, dict[str, Any]], list[FillIn]]

_CREATORS: dict[str, _Handler] = {
    "AWS::S3::BucketPolicy": _StackFiller.create_bucket_policy,
    "AWS::SNS::TopicPolicy": _StackFiller.create_topic_policy,
    "AWS::SQS::QueuePolicy": _StackFiller.create_queue_policy,
    "AWS::SNS::Subscription": _StackFiller.create_subscription,
    "AWS::Glue::SecurityConfiguration": _StackFiller.create_security_configuration,
    "AWS::Glue::Database": _StackFiller.create_database,
    "AWS::Glue::Crawler": _StackFiller.create_crawler,
    "AWS::Glue::Job": _StackFiller.create_job,
    "AWS::CloudWatch::Alarm": _StackFiller.create_alarm,
    "AWS::Scheduler::Schedule": _StackFiller.create_schedule,
    # The emulator drops a layer from the stack when an update changes it: publish it anyway.
    "AWS::Lambda::LayerVersion": _StackFiller.complete_layer,
}

_COMPLETERS: dict[str, _Handler] = {
    "AWS::KMS::Key": _StackFiller.complete_key,
    "AWS::IAM::Role": _StackFiller.complete_role,
    "AWS::S3::Bucket": _StackFiller.complete_bucket,
    "AWS::DynamoDB::Table": _StackFiller.complete_table,
    "AWS::Logs::LogGroup": _StackFiller.complete_log_group,
    "AWS::Lambda::LayerVersion": _StackFiller.complete_layer,
    "AWS::Lambda::Function": _StackFiller.complete_function,
    "AWS::Events::Rule": _StackFiller.complete_rule,
}


def _put_glue_resource(
    kind: str,
    get: Callable[[], dict[str, Any]],
    create: Callable[[], Any],
    delete: Callable[[], Any],
    not_found: type[Exception],
    request: dict[str, Any],
) -> str:
    """Creates a crawler or job, or re-creates it when a property changed (the emulator has
    no UpdateCrawler or UpdateJob); returns what was done, for the deploy log."""
    try:
        current = get()
    except not_found:
        create()
        return kind
    changed = _changed_keys(current, request)
    if not changed:
        return f"{kind} (in place)"
    delete()
    create()
    return f"{kind} (re-created: {', '.join(changed)} changed)"


def _changed_keys(current: dict[str, Any], wanted: dict[str, Any]) -> list[str]:
    return sorted(
        key for key, value in wanted.items() if key != "Tags" and current.get(key) != value
    )


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _same_lock(current: dict[str, Any] | None, wanted: dict[str, Any]) -> bool:
    """Equal up to the zero the emulator reports for the unit not used (Days: 0)."""
    if not current or current.get("ObjectLockEnabled") != wanted["ObjectLockEnabled"]:
        return False

    def retention(configuration: dict[str, Any]) -> dict[str, Any]:
        rule = configuration.get("Rule", {}).get("DefaultRetention", {})
        return {k: v for k, v in rule.items() if v}

    return retention(current) == retention(wanted)


def _describe_lock(configuration: dict[str, Any]) -> str:
    retention = configuration.get("Rule", {}).get("DefaultRetention")
    if not retention:
        return "enabled (no default retention)"
    amount = retention.get("Years") or retention.get("Days")
    unit = "years" if "Years" in retention else "days"
    return f"{retention['Mode']}, {amount} {unit} default retention"


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape."""
    api: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"]}
    api["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "Transitions" in rule:
        api["Transitions"] = [
            {"StorageClass": t["StorageClass"], "Days": int(t["TransitionInDays"])}
            for t in rule["Transitions"]
        ]
    if "ExpirationInDays" in rule:
        api["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "NoncurrentVersionExpiration" in rule:
        api["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    if "NoncurrentVersionTransitions" in rule:
        api["NoncurrentVersionTransitions"] = [
            {"StorageClass": t["StorageClass"], "NoncurrentDays": int(t["TransitionInDays"])}
            for t in rule["NoncurrentVersionTransitions"]
        ]
    if "AbortIncompleteMultipartUpload" in rule:
        api["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(
                rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
            )
        }
    known = {
        "Id",
        "Status",
        "Prefix",
        "Transitions",
        "ExpirationInDays",
        "NoncurrentVersionExpiration",
        "NoncurrentVersionTransitions",
        "AbortIncompleteMultipartUpload",
    }
    unknown = set(rule) - known
    if unknown:
        raise FillInError(f"lifecycle rule {rule['Id']}: {sorted(unknown)} not handled")
    return api


def _local_delivery(subscription: dict[str, Any]) -> str:
    """What becomes of a subscription's messages locally (the emulator's SNS sends none)."""
    if subscription["Protocol"] in EMAIL_PROTOCOLS:
        return "delivered to the local SMTP inbox by the local runtime"
    return "not delivered locally"
