"""The rule form. It parses what was typed; the rules (a target of the customer, the threshold's
range, the traffic type of a block) are the action's (`actions_rules.rule_clean`), so the page
and the API refuse alike. The line is typed as its number, found among the manager's lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fleetportal.bundles.models import GroupBundle
from fleetportal.core.actor import Actor
from fleetportal.core.phones import display
from fleetportal.fleet.actions.common import max_length
from fleetportal.fleet.models import Service, Tag

from .actions_rules import RuleInput
from .models import UsageRule
from .selectors import line_by_number


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=max_length(UsageRule, "name"))
    target = forms.ChoiceField(label=_("Applies to"), choices=UsageRule.Target.choices, widget=forms.RadioSelect)
    line = forms.CharField(
        label=_("Phone number"), required=False, max_length=20, help_text=_("For a rule on one line.")
    )
    pool = forms.ModelChoiceField(label=_("Group bundle"), queryset=GroupBundle.objects.none(), required=False)
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.none(), required=False)
    metric = forms.ChoiceField(label=_("When"), choices=UsageRule.Metric.choices)
    threshold = forms.CharField(
        label=_("Reaches"),
        max_length=20,
        # xgettext:no-python-format
        help_text=_("A % of the bundle (up to 1000) or an amount in EUR."),
    )
    effect = forms.ChoiceField(label=_("Then"), choices=UsageRule.Effect.choices)
    service = forms.ChoiceField(
        label=_("Traffic type to block"),
        choices=[("", "—"), *Service.choices],
        required=False,
        help_text=_("For “Block a traffic type”."),
    )
    lift_next_period = forms.BooleanField(label=_("Lift it at the start of the next month"), required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, pools: QuerySet[GroupBundle], tags: QuerySet[Tag], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools  # type: ignore[attr-defined]
        self.fields["tag"].queryset = tags  # type: ignore[attr-defined]

    @staticmethod
    def initial_of(rule: UsageRule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "target": rule.target,
            "line": display(rule.line.msisdn) if rule.line else "",
            "pool": rule.pool_id,
            "tag": rule.tag_id,
            "metric": rule.metric,
            "threshold": f"{rule.threshold.quantize(Decimal(1)) if rule.threshold % 1 == 0 else rule.threshold:f}",
            "effect": rule.effect,
            "service": rule.service,
            "lift_next_period": rule.lift_next_period,
            "active": rule.active,
        }

    def rule_input(self, actor: Actor) -> RuleInput:
        data = self.cleaned_data
        number = data["line"].strip()
        return RuleInput(
            name=data["name"],
            target=data["target"],
            metric=data["metric"],
            threshold=data["threshold"],
            effect=data["effect"],
            line=line_by_number(actor, number) if number else None,
            pool=data["pool"],
            tag=data["tag"],
            service=data["service"],
            lift_next_period=data["lift_next_period"],
            active=data["active"],
        )
