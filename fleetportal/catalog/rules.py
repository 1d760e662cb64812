"""Which options go with which plan (R-F2): an option applies to every plan except the ones it
is "not applicable" to (`Option.excluded_plans`).

Plain functions over already-loaded objects, so a bulk change can check thousands of lines
against one prefetched catalogue: prefetch `excluded_plans` (see `with_exclusions`) and no
call here queries the database again.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Option, TariffPlan


def with_exclusions(options: QuerySet[Option]) -> QuerySet[Option]:
    """The options with the plans they exclude prefetched, for the checks below."""
    return options.prefetch_related("excluded_plans")


def option_applies(option: Option, plan: TariffPlan) -> bool:
    """May a line on `plan` have `option`?"""
    return all(excluded.pk != plan.pk for excluded in option.excluded_plans.all())


def incompatible_options(options: Iterable[Option], plan: TariffPlan) -> list[Option]:
    """The options (in their given order) a line must drop when it moves to `plan`."""
    return [option for option in options if not option_applies(option, plan)]
