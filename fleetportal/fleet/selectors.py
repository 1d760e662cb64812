"""Reads of lines, SIM stock and the number pool, always scoped to the actor (DESIGN rule 2).

Who sees which lines: operator staff all; managers with the fleet function (and API keys with
the read or fleet scope) their customer's; a phone-number login only its own number; anyone
else of the customer (a member, a manager limited to other functions) the lines they use
(`Line.user`). A line outside that is a 404 (QUALITY S1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404

from fleetportal.billing.models import BillingAccount
from fleetportal.catalog.models import TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.phones import InvalidNumber, parse_mobile
from fleetportal.core.scope import scope, sees_all_of_customer
from fleetportal.network.models import ProvisioningRequest

from .models import Line, LineBlock, LineOption, PoolNumber, ScheduledChange, SimCard, Tag

# The overview's sortable columns (F-20) → ordering; anything else sorts by number. Equal values
# go by number, then id: each sort reads an index (customer, column, number) in order.
SORTS = {
    "msisdn": "msisdn",
    "description": "description",
    "plan": "plan__name",
    "status": "status",
    "billing_account": "billing_account__number",
    "last_name": "last_name",
    "first_name": "first_name",
}

_SEPARATORS = re.compile(r"[\s./\-()]")
_NUMBERISH = re.compile(r"\+?\d+")
# National prefixes people type → the country code of the E.164 numbers stored (F-08 formats).
_TRUNKS = (("00", "+"), ("06", "+36"), ("0", "+32"))


def sees_whole_fleet(actor: Actor) -> bool:
    return sees_all_of_customer(actor, Line)


def _scoped(actor: Actor) -> QuerySet[Line]:
    return scope(actor, Line)


def number_search(text: str) -> Q | None:
    """How a number as typed matches stored E.164 numbers: a whole number exactly, a national
    beginning (0470 1…, 06 30…) as the E.164 beginning, other digits anywhere."""
    number = _number_lookup(text)
    return None if number is None else Q(**{f"msisdn{number[0]}": number[1]})


def _number_lookup(text: str) -> tuple[str, str] | None:
    """`number_search` as (lookup suffix, value): ("", whole), ("__startswith", …), ("__contains", …)."""
    compact = _SEPARATORS.sub("", text)
    if not _NUMBERISH.fullmatch(compact):
        return None
    try:
        return "", parse_mobile(compact)
    except InvalidNumber:
        pass
    if compact.startswith("+"):
        return "__startswith", compact
    for trunk, country in _TRUNKS:
        if compact.startswith(trunk) and len(compact) > len(trunk):
            return "__startswith", country + compact[len(trunk) :]
    return "__contains", compact


def _search(lines: QuerySet[Line], text: str) -> QuerySet[Line]:
    """Names and description contain the text, or the number or SIM card number matches it.

    Every condition is on the line's own columns, each one an index on PostgreSQL (migration
    0004), so the matches come from the indexes; the SIM card number is on another table, so
    its matches are a second branch of a UNION rather than a join every line has to pass.
    On SQLite the candidates come from its trigram indexes (migration 0007, `_fts_candidates`)
    and the same conditions are checked on those only."""
    text = " ".join(text.split())
    found = Q(first_name__icontains=text) | Q(last_name__icontains=text) | Q(description__icontains=text)
    first, _space, last = text.partition(" ")
    if last:
        found |= Q(first_name__icontains=first, last_name__icontains=last)
    number = _number_lookup(text)
    by_number = number_search(text)
    compact = _SEPARATORS.sub("", text).lstrip("+")
    by_card = lines.filter(sim__iccid__contains=compact) if by_number is not None and len(compact) >= 4 else None
    if by_number is not None:
        found |= by_number
    if _sqlite_trigrams():
        candidates = _fts_candidates(text, first, last, number)
        if candidates is not None:
            found &= Q(pk__in=RawSQL(_LINE_CANDIDATES, [candidates]))  # noqa: S611 (constant SQL, bound text)
            if by_card is not None:
                by_card = by_card.filter(sim__in=RawSQL(_CARD_CANDIDATES, [_phrase(compact)]))  # noqa: S611
    if by_card is None:
        return lines.filter(found)
    return lines.filter(pk__in=lines.filter(found).values("pk").order_by().union(by_card.values("pk").order_by()))


# SQLite's FTS5 trigram tables of the searched columns (migration 0007): external content, so
# a MATCH answers rowids (= ids) only.
_LINE_CANDIDATES = "SELECT rowid FROM fleet_line_search WHERE fleet_line_search MATCH %s"
_CARD_CANDIDATES = "SELECT rowid FROM fleet_simcard_search WHERE fleet_simcard_search MATCH %s"
_TRIGRAM = 3  # the shortest text a trigram index finds


def _sqlite_trigrams() -> bool:
    return connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 34)  # type: ignore[attr-defined]


def _phrase(text: str) -> str:
    """`text` as an FTS5 string: matched as a substring (trigram tokenizer), case-folded."""
    return '"' + text.replace('"', '""') + '"'


def _fts_candidates(text: str, first: str, last: str, number: tuple[str, str] | None) -> str | None:
    """An FTS5 query on the lines' search table finding at least every line `_search`'s
    conditions match (a superset: case-folded beyond ASCII, a number's beginning anywhere), or
    None when one of the conditions is too short for trigrams (then the conditions alone)."""
    if len(text) < _TRIGRAM:
        return None
    queries = ["{first_name last_name description} : " + _phrase(text)]
    if last:
        if len(first) >= _TRIGRAM:
            queries.append("first_name : " + _phrase(first))
        elif len(last) >= _TRIGRAM:
            queries.append("last_name : " + _phrase(last))
        else:
            return None
    if number is not None:
        if len(number[1]) < _TRIGRAM:
            return None
        queries.append("msisdn : " + _phrase(number[1]))
    return " OR ".join(queries)


def lines_for(
    actor: Actor,
    *,
    search: str = "",
    status: str = "",
    plan: TariffPlan | int | None = None,
    billing_account: BillingAccount | int | None = None,
    tag: Tag | int | None = None,
    sort: str = "msisdn",
) -> QuerySet[Line]:
    """The SIM overview (F-20): searched, filtered and sorted; page it by slicing.

    Plan, billing account and SIM come in the same query; options and tags are prefetched for
    the rows fetched only, so a page costs the same few queries whatever its size.
    """
    lines = _scoped(actor)
    if search.strip():
        lines = _search(lines, search)
    if status:
        lines = lines.filter(status=status)
    if plan:
        lines = lines.filter(plan=plan)
    if billing_account:
        lines = lines.filter(billing_account=billing_account)
    if tag:
        lines = lines.filter(tags=tag)
    return (
        lines.select_related("plan", "billing_account", "sim", "split_bill_profile")
        .prefetch_related("options", "tags")
        .order_by(*_ordering(sort))
    )


def _ordering(sort: str) -> list[str]:
    descending = sort.startswith("-")
    column = SORTS.get(sort.lstrip("-"), "msisdn")
    return [f"-{name}" if descending else name for name in dict.fromkeys((column, "msisdn", "pk"))]


def overview_lines(actor: Actor, *, cap: int, **criteria: Any) -> LinePages:
    """The SIM overview (F-20) for a Paginator: `lines_for(actor, **criteria)`, counted up to
    `cap` and read a page at a time from indexes (QUALITY P1)."""
    return LinePages(
        lines_for(actor, **criteria),
        sort=criteria.get("sort", ""),
        searched=bool(str(criteria.get("search", "")).strip()),
        cap=cap,
    )


# Sorts by a related row many lines share (a handful of plans, a few billing accounts) → its model.
_GROUP_SORTS: dict[str, type[TariffPlan] | type[BillingAccount]] = {
    "plan": TariffPlan,
    "billing_account": BillingAccount,
}


class LinePages:
    """The overview's lines as a Paginator reads them, so a page of 50,000 lines costs what a
    page of 50 does:

    - `count()` stops at `cap` + 1 lines (the page then says "more than `cap`");
    - a page is one narrow query, a dict a line: the columns the table shows, the plan's name
      and billing account's number (`plan_name`, `billing_account_number`), the number of
      options (`option_count`, counted for the page's rows only) and whether it has a block
      (`blocked`, F-40);
    - sorted by plan or billing account without a search, it reads only the first lines of each
      plan by number (index customer, plan, number), up to cut-off numbers found by one query,
      instead of sorting every line by its plan's name.
    """

    ordered = True  # what Paginator checks before warning about unordered pages
    # What the table shows (fleet/_lines_results.html), read as values: no model instances.
    COLUMNS = ("pk", "msisdn", "description", "first_name", "last_name", "status", "network_state")

    def __init__(self, lines: QuerySet[Line], *, sort: str, searched: bool, cap: int):
        self.lines, self.sort, self.searched, self.cap = lines, sort, searched, cap

    def count(self) -> int:
        return self.lines.order_by()[: self.cap + 1].count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        options = LineOption.objects.filter(line=OuterRef("pk")).order_by().values("line").annotate(n=Count("*"))
        return list(
            self._ordered(page.stop)
            .select_related(None)
            .prefetch_related(None)
            .values(
                *self.COLUMNS,
                plan_name=F("plan__name"),
                billing_account_number=F("billing_account__number"),
                option_count=Coalesce(Subquery(options.values("n")), 0),
                blocked=Exists(LineBlock.objects.filter(line=OuterRef("pk"))),
            )[page]
        )

    def _ordered(self, stop: int) -> QuerySet[Line]:
        """The lines in page order; sorted by a group, only those that can be on pages up to `stop`."""
        field = self.sort.lstrip("-")
        model = _GROUP_SORTS.get(field)
        if model is None or self.searched:
            return self.lines
        descending = self.sort.startswith("-")
        key = SORTS[field].split("__")[1]  # the group's own field the lines sort by
        members = self.lines.select_related(None).prefetch_related(None).filter(**{field: OuterRef("pk")})
        numbers = members.order_by(*(("-msisdn", "-pk") if descending else ("msisdn", "pk"))).values("msisdn")
        groups = (
            model.objects.filter(Exists(members))  # type: ignore[attr-defined]
            .annotate(cutoff=Subquery(numbers[stop - 1 : stop]))
            .order_by(f"-{key}" if descending else key)
            .values_list("pk", key, "cutoff")
        )
        bound = "msisdn__gte" if descending else "msisdn__lte"
        within, full = Q(pk__in=[]), None
        for pk, value, cutoff in groups:
            if full is not None and value != full:
                break  # a group before this one fills every position up to `stop`
            if cutoff is None:  # fewer lines than `stop`: all of them
                within |= Q(**{field: pk})
            else:
                within |= Q(**{field: pk, bound: cutoff})
                full = value
        return self.lines.filter(within)


def line_for(actor: Actor, line_id: Any) -> Line:
    """One line the actor may see, or 404 (a foreign or malformed id alike)."""
    try:
        line = lines_for(actor).filter(pk=int(line_id)).first()
    except (TypeError, ValueError):
        line = None
    if line is None:
        raise Http404
    return line


def lines_by_ids(actor: Actor, ids: Sequence[int]) -> list[Line]:
    """The lines of a bulk selection, in the order given; one unknown or foreign id is a 404."""
    wanted = list(dict.fromkeys(ids))
    if any(not 0 < pk < 2**63 for pk in wanted):  # beyond any id column: no such line
        raise Http404
    found = {line.pk: line for line in lines_for(actor).filter(pk__in=wanted)}
    if len(found) != len(wanted):
        raise Http404
    return [found[pk] for pk in wanted]


def blank_sims_for(actor: Actor) -> QuerySet[SimCard]:
    """SIM cards a new line may take (F-21): the customer's blank stock and the operator's."""
    return scope(actor, SimCard.objects.filter(status=SimCard.Status.BLANK))


def blank_sims_matching(actor: Actor, digits: str, *, limit: int) -> list[SimCard]:
    """Blank SIM cards the actor may take whose number holds `digits` (the wizard's search, F-21):
    the customer's own stock first, then the operator's."""
    found = blank_sims_for(actor).filter(iccid__contains=digits)
    return list(found.order_by(F("customer").asc(nulls_last=True), "iccid")[:limit])


def free_numbers(limit: int = 20) -> list[str]:
    """Free numbers of the pool, for the wizard's "new number" choice."""
    return list(
        PoolNumber.objects.filter(status=PoolNumber.Status.FREE)
        .order_by("msisdn")
        .values_list("msisdn", flat=True)[:limit]
    )


def free_numbers_count() -> int:
    return PoolNumber.objects.filter(status=PoolNumber.Status.FREE).count()


def plans_in_use(actor: Actor) -> QuerySet[TariffPlan]:
    """The plans the actor's lines have (the overview's plan filter)."""
    return TariffPlan.objects.filter(Exists(_scoped(actor).filter(plan=OuterRef("pk"))))


def tags_for(actor: Actor) -> QuerySet[Tag]:
    return scope(actor, Tag)


def scheduled_changes_for(
    actor: Actor, *, line: Line | None = None, status: str = ScheduledChange.Status.SCHEDULED
) -> QuerySet[ScheduledChange]:
    """Planned changes of the lines the actor manages (all statuses when `status` is empty)."""
    changes = scope(actor, ScheduledChange).select_related("line")
    if line is not None:
        changes = changes.filter(line=line)
    if status:
        changes = changes.filter(status=status)
    return changes.order_by("due_date", "pk")


def scheduled_change_for(actor: Actor, line: Line | None, change_id: Any) -> ScheduledChange:
    try:
        change = scheduled_changes_for(actor, line=line, status="").filter(pk=int(change_id)).first()
    except (TypeError, ValueError):
        change = None
    if change is None:
        raise Http404
    return change


def requests_for(actor: Actor, line_id: int, *, limit: int = 50) -> list[ProvisioningRequest]:
    """The newest network requests of a line the actor may see (F-94)."""
    line = line_for(actor, line_id)
    return list(line.provisioning_requests.order_by("-created_at", "-id")[:limit])
