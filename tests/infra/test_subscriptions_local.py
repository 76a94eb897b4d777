"""`fdq local deploy` reconciles the tier topics' subscriptions with the template, as
CloudFormation does on AWS: a changed address replaces the old one, an emptied parameter
removes it (and a later deploy keeps it removed), and subscriptions that others made on the
same topics stay. A stack of its own (env `subs`), so the session's stack is untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ENV = "subs"


def _deploy(run_fdq: Any, local_stack: Any, build: Path, stacks: str, *parameters: str) -> str:
    arguments = ["local", "deploy", "--env", ENV, "--stacks", stacks, "--no-layer-dependencies"]
    arguments += ["--state-dir", str(local_stack.emulator.state_dir), "--build-dir", str(build)]
    for parameter in parameters:
        arguments += ["--parameter", parameter]
    result = run_fdq(*arguments, cwd=local_stack.project)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return str(result.stdout)


def _tier3(local_stack: Any) -> tuple[str, set[tuple[str, str]]]:
    sns = local_stack.client("sns")
    topic = next(
        t["TopicArn"]
        for t in sns.list_topics()["Topics"]
        if t["TopicArn"].endswith(f":fdq-{ENV}-alerts-tier3")
    )
    found = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    return topic, {(s["Protocol"], s["Endpoint"]) for s in found}


def test_a_changed_or_emptied_address_leaves_no_old_subscription(
    run_fdq: Any, local_stack: Any, tmp_path: Path
) -> None:
    _deploy(run_fdq, local_stack, tmp_path, "storage,events-and-alerts", "Tier3Email=a@example.com")
    topic, subscribed = _tier3(local_stack)
    assert subscribed == {("email", "a@example.com")}
    # what others hang on the topic: a test's queue, a person's address
    queue = local_stack.client("sqs").create_queue(QueueName=f"fdq-{ENV}-probe")["QueueUrl"]
    queue_arn = local_stack.client("sqs").get_queue_attributes(
        QueueUrl=queue, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    sns = local_stack.client("sns")
    made = [
        sns.subscribe(TopicArn=topic, Protocol=p, Endpoint=e, ReturnSubscriptionArn=True)
        for p, e in (("sqs", queue_arn), ("email", "someone@example.com"))
    ]
    others = {("sqs", queue_arn), ("email", "someone@example.com")}
    try:
        _check_reconciled(run_fdq, local_stack, tmp_path, others)
    finally:  # the session's other tests read every subscription of the emulator
        for answer in made:
            sns.unsubscribe(SubscriptionArn=answer["SubscriptionArn"])


def _check_reconciled(run_fdq: Any, local_stack: Any, tmp_path: Path, others: set[Any]) -> None:
    out = _deploy(run_fdq, local_stack, tmp_path, "events-and-alerts", "Tier3Email=b@example.com")
    assert _tier3(local_stack)[1] == others | {("email", "b@example.com")}
    assert (
        "Tier3EmailSubscription (AWS::SNS::Subscription): unsubscribed email a@example.com "
        f"from fdq-{ENV}-alerts-tier3 (its parameter changed)"
    ) in out

    out = _deploy(run_fdq, local_stack, tmp_path, "events-and-alerts", "Tier3Email=")
    assert _tier3(local_stack)[1] == others
    assert "unsubscribed email b@example.com" in out and "(no longer declared)" in out

    # a deploy that does not name the parameter keeps the reset (the stack holds it)
    _deploy(run_fdq, local_stack, tmp_path, "events-and-alerts")
    assert _tier3(local_stack)[1] == others
