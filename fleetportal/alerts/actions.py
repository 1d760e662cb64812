"""Alerts on rated usage: the member's SMS at 75/90/100 % of each own bundle (F-43, R-C2) and
the managers' e-mail when a line's or a pool's out-of-bundle cost reaches its notification
amount (F-42, F-51, R-C1), then the usage rules (`actions_rules`).

`usage_evaluate` is what the `usage.rated` consumer runs for one customer and period. It reads
the counters rating wrote, never the records, and writes a `BundleAlert` / `CostAlert` row for
everything it sends, in the same transaction as the outbox message: so a re-delivered event,
or the period rated again, sends nothing twice; and what it sends is what the counters say
now, whatever the order the records came in. Notifications never block: blocking is a rule's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fleetportal.bundles.models import GroupBundle
from fleetportal.core import audit
from fleetportal.core.actor import Actor
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.models import Customer
from fleetportal.core.phones import display
from fleetportal.fleet.actions.common import is_portal_job
from fleetportal.fleet.models import Line
from fleetportal.notifications import outbox
from fleetportal.notifications.models import OutboxMessage
from fleetportal.usage.models import PoolCounter, UsageCounter

from . import actions_rules
from .events import BUNDLE_ALERT_SENT, COST_ALERT_SENT
from .measures import line_share, reached, reached_thresholds
from .models import Bundle, BundleAlert, CostAlert
from .recipients import line_language, managers_to_tell

# How a bundle reads inside the SMS's sentence ("… of its data bundle").
BUNDLE_IN_SENTENCE = {Bundle.DATA: _("data"), Bundle.VOICE: _("minutes"), Bundle.SMS: _("SMS")}


@transaction.atomic
def usage_evaluate(
    *, actor: Actor, customer: Customer, period: dt.date, line_ids: Collection[int], pool_ids: Collection[int]
) -> None:
    """Send the alerts and apply the rules that the period's counters of these lines and pools
    now reach, each once per period. The portal's own jobs only (the rating consumer)."""
    if not (is_portal_job(actor) or actor.is_staff):
        raise PermissionDeniedError(_("Only the portal evaluates usage alerts."))
    counters = list(
        UsageCounter.objects.filter(customer=customer, period=period, line_id__in=line_ids).select_related(
            "line__user", "line__customer"
        )
    )
    pools = list(
        PoolCounter.objects.filter(customer=customer, period=period, pool_id__in=pool_ids).select_related("pool")
    )
    bundle_alerts_send(actor=actor, period=period, counters=counters)
    cost_alerts_send(actor=actor, customer=customer, period=period, counters=counters, pools=pools)
    actions_rules.rules_evaluate(customer=customer, period=period, counters=counters, pools=pools)


def _bundle_sms(line: Line, bundle: str, threshold: int, period: dt.date) -> OutboxMessage:
    return outbox.send_sms(
        to=line.msisdn,
        template="alerts/sms/bundle",
        context={
            "number": display(line.msisdn),
            "bundle": BUNDLE_IN_SENTENCE[Bundle(bundle)],
            "threshold": threshold,
            "period": period,
        },
        language=line_language(line),
        customer=line.customer,
    )


def bundle_alerts_send(*, actor: Actor, period: dt.date, counters: Sequence[UsageCounter]) -> list[BundleAlert]:
    """F-43: for each line with bundle alerts on, each own bundle's thresholds newly reached are
    recorded, and the highest of them is sent to the line's number as an SMS."""
    told = [c for c in counters if c.line.bundle_alerts and c.line.status != Line.Status.STOPPED]
    already: dict[tuple[int, str], set[int]] = defaultdict(set)
    for line_id, bundle, threshold in BundleAlert.objects.filter(
        period=period, line_id__in=[c.line_id for c in told]
    ).values_list("line_id", "bundle", "threshold"):
        already[(line_id, bundle)].add(threshold)
    alerts: list[BundleAlert] = []
    for counter in told:
        for bundle in Bundle:
            new = [
                t
                for t in reached_thresholds(line_share(counter, bundle))
                if t not in already[(counter.line_id, bundle)]
            ]
            if not new:
                continue
            message = _bundle_sms(counter.line, bundle, new[-1], period)
            alerts += [
                BundleAlert(
                    line=counter.line,
                    customer_id=counter.customer_id,
                    period=period,
                    bundle=bundle,
                    threshold=threshold,
                    message=message if threshold == new[-1] else None,
                )
                for threshold in new
            ]
    BundleAlert.objects.bulk_create(alerts)
    sent = [
        (alert.line, {"period": period.isoformat(), "bundle": alert.bundle, "threshold": alert.threshold})
        for alert in alerts
        if alert.message is not None
    ]
    if sent:
        customer = sent[0][0].customer
        audit.record_many(
            actor=actor,
            action="alert.bundle_sent",
            customer=customer,
            changes=((line, {}, data) for line, data in sent),
        )
        BUNDLE_ALERT_SENT.record_many(customer=customer, items=sent)
    return alerts


def _cost_email(customer: Customer, alert: CostAlert, subject: str, link: str) -> list[str]:
    recipients = managers_to_tell(customer)
    for recipient in recipients:
        outbox.send_email(
            to=recipient.email,
            template="alerts/email/out_of_bundle",
            context={
                "subject": subject,
                "customer": customer.name,
                "period": alert.period,
                "amount": alert.amount,
                "notify_at": alert.notify_at,
                "link": link,
            },
            language=recipient.language,
            customer=customer,
        )
    return [recipient.email for recipient in recipients]


def cost_alerts_send(
    *,
    actor: Actor,
    customer: Customer,
    period: dt.date,
    counters: Sequence[UsageCounter],
    pools: Sequence[PoolCounter],
) -> list[CostAlert]:
    """F-42 for lines, F-51 for pools: the managers are told once per period that the
    out-of-bundle cost reached the notification amount. Only tells; blocks nothing."""
    lines_told = set(
        CostAlert.objects.filter(period=period, line_id__in=[c.line_id for c in counters]).values_list(
            "line_id", flat=True
        )
    )
    pools_told = set(
        CostAlert.objects.filter(period=period, pool_id__in=[p.pool_id for p in pools]).values_list(
            "pool_id", flat=True
        )
    )
    base = settings.PORTAL_BASE_URL
    # (line or pool, its cost, its notification amount, how the e-mail names it, its page)
    measured: list[tuple[Line | GroupBundle, Decimal, Decimal | None, str, str]] = [
        (
            c.line,
            c.out_of_bundle_eur,
            c.line.out_of_bundle_notify_at,
            display(c.line.msisdn),
            base + reverse("fleet_line", args=[c.line_id]),
        )
        for c in counters
        if c.line_id not in lines_told
    ] + [
        (
            p.pool,
            p.out_of_bundle_eur,
            p.pool.out_of_bundle_notify_at,
            p.pool.name,
            base + reverse("bundles:detail", args=[p.pool_id]),
        )
        for p in pools
        if p.pool_id not in pools_told
    ]
    alerts: list[tuple[Line | GroupBundle, CostAlert]] = []
    for obj, amount, notify_at, subject, link in measured:
        if notify_at is None or not reached(amount, notify_at):
            continue
        alert = CostAlert(customer=customer, period=period, amount=amount, notify_at=notify_at)
        if isinstance(obj, Line):
            alert.line = obj
        else:
            alert.pool = obj
        alert.recipients = _cost_email(customer, alert, subject, link)
        alerts.append((obj, alert))
    CostAlert.objects.bulk_create([alert for _obj, alert in alerts])
    if alerts:
        described = [
            (obj, {"period": period.isoformat(), "amount": str(alert.amount), "notify_at": str(alert.notify_at)})
            for obj, alert in alerts
        ]
        audit.record_many(
            actor=actor,
            action="alert.out_of_bundle_sent",
            customer=customer,
            changes=((obj, {}, data) for obj, data in described),
        )
        COST_ALERT_SENT.record_many(customer=customer, items=described)
    return [alert for _obj, alert in alerts]
