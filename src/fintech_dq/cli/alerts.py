"""`fdq alerts`: list, show, acknowledge and resolve alerts (who and why go to the audit
trail); `check` runs the escalation check once (what the schedule does on AWS); `deliver`
runs the functions on the events waiting locally (what EventBridge does on AWS)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
from typing import Any

from fintech_dq.cli import CliError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "alerts",
        help="alerts: list, show, ack, resolve, check, deliver",
        description=(
            "Alerts are kept per incident (dataset, business date, issue) in the alert table. "
            "Acknowledging stops repeats (escalation goes on while unresolved); resolving "
            "stops everything. Who and why are recorded in the audit trail. See "
            "docs/alerting.md."
        ),
    )
    verbs = parser.add_subparsers(dest="alerts_verb", metavar="ACTION")
    verbs.required = True

    listing = verbs.add_parser("list", help="list alerts, newest first")
    listing.add_argument("--state", choices=("OPEN", "ACKNOWLEDGED", "RESOLVED"), default=None)
    listing.add_argument("--json", action="store_true")
    _common(listing)
    listing.set_defaults(handler=run_list)

    show = verbs.add_parser("show", help="print one alert")
    show.add_argument("alert_id")
    _common(show)
    show.set_defaults(handler=run_show)

    for verb, help_text in (
        ("ack", "acknowledge: someone is on it (repeats stop; escalation continues)"),
        ("take", "take over an acknowledged alert from its owner (escalation continues)"),
        ("resolve", "resolve: fixed or accepted (no further notification)"),
    ):
        action = verbs.add_parser(verb, help=help_text)
        action.add_argument("alert_id")
        action.add_argument(
            "--by", default=None, help="who (default: FDQ_OPERATOR, else the login name)"
        )
        action.add_argument("--reason", required=True, help="why (kept in the audit trail)")
        _common(action)
        action.set_defaults(handler=run_transition, transition=verb)

    check = verbs.add_parser("check", help="run the escalation check once (local schedule)")
    _common(check)
    check.set_defaults(handler=run_check)

    deliver = verbs.add_parser(
        "deliver",
        help="deliver the events waiting for the functions (local runtime)",
        description=(
            "Locally, EventBridge rules deliver to stand-in queues fdq-<env>-<function>-events "
            "(the emulator cannot invoke Lambda): run the handler functions on what waits "
            "there, as Lambda would on AWS. Also how a redriven event is handled locally "
            "(docs/alerting.md, dead-letter queues)."
        ),
    )
    _common(deliver)
    deliver.set_defaults(handler=run_deliver)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", default=None, help="environment (default: FDQ_ENV_NAME, local)")


def _service(args: argparse.Namespace) -> Any:
    from fintech_dq.alerts.policy import PolicyError, load_policy
    from fintech_dq.alerts.service import AlertService
    from fintech_dq.infra import aws
    from fintech_dq.pipeline.locations import PipelineLocations

    try:  # first: a broken policy file is the user's to fix, whatever AWS says
        policy = load_policy()
    except PolicyError as error:
        raise CliError(str(error)) from None
    settings = aws.settings()
    locations = PipelineLocations.resolve(settings, env_name=args.env)
    return AlertService.build(locations, settings, policy=policy)


def run_list(args: argparse.Namespace) -> int:
    alerts = _service(args).store.list(args.state)
    if args.json:
        print(json.dumps([a.as_dict() for a in alerts], indent=2, default=str))
        return 0
    print(f"{len(alerts)} alert(s)")
    for alert in alerts:
        print(alert.summary_line())
    return 0


def run_show(args: argparse.Namespace) -> int:
    alert = _service(args).store.get(args.alert_id)
    if alert is None:
        raise CliError(f"no alert {args.alert_id!r} (see `fdq alerts list`)")
    print(json.dumps(alert.as_dict(), indent=2, default=str))
    return 0


def run_transition(args: argparse.Namespace) -> int:
    from fintech_dq.alerts.model import AlertError

    actor = (args.by or os.environ.get("FDQ_OPERATOR") or getpass.getuser()).strip()
    reason = args.reason.strip()
    if not actor or not reason:
        raise CliError("who (--by) and why (--reason) must not be empty")
    service = _service(args)
    try:
        if args.transition == "ack":
            alert = service.acknowledge(args.alert_id, actor, reason)
        elif args.transition == "take":
            alert = service.take_over(args.alert_id, actor, reason)
        else:
            alert = service.resolve(args.alert_id, actor, reason)
    except AlertError as error:
        raise CliError(str(error)) from error
    print(f"{alert.alert_id} is {alert.state} (by {actor}: {reason})")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from fintech_dq.cli import function_logs_on_stderr
    from fintech_dq.events.local_delivery import run_escalation_check

    service = _service(args)
    with function_logs_on_stderr():  # the checker's logs; stdout is the command's answer
        sent = run_escalation_check(service.locations, service.settings, service=service)
    print(f"escalation check: {sent} notification(s) sent")
    return 0


def run_deliver(args: argparse.Namespace) -> int:
    from fintech_dq.cli import function_logs_on_stderr
    from fintech_dq.events.local_delivery import LocalDeliveryError, deliver_pending_events

    service = _service(args)
    if not service.settings.is_local:
        raise CliError("on AWS, EventBridge invokes the functions: nothing to deliver by hand")
    try:
        with function_logs_on_stderr():
            handled = deliver_pending_events(service.locations, service.settings, service=service)
    except LocalDeliveryError as error:  # left on their queues; retried by the next delivery
        raise CliError(f"some events failed and wait for the next delivery: {error}") from error
    print(f"delivered: {handled} event(s) handled")
    return 0
