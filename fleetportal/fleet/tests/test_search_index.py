"""The overview's search through SQLite's trigram indexes (migration 0007, QUALITY P1): it finds
exactly the lines the plain conditions find, whatever the numbers, names and text typed, with
lines written in one multi-row INSERT (`insert_rows`), changed and deleted; and the triggers that
keep the indexes in step exist after every migration."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.core.actor import Actor
from fleetportal.core.inserts import insert_rows
from fleetportal.core.models import Customer
from fleetportal.fleet import selectors
from fleetportal.fleet.models import Line, SimCard

search_migration = importlib.import_module("fleetportal.fleet.migrations.0007_sqlite_search_index")

pytestmark = pytest.mark.spec("F-20", "P1")

SQLITE = connection.vendor == "sqlite"  # elsewhere the plain conditions run (PostgreSQL: a trigram GIN index)

_SEPARATORS = str.maketrans("", "", " ./-()")
DIGITS = "0147"  # few digits: numbers and typed digits overlap often
digits = st.text(DIGITS, min_size=1, max_size=9)
numbers = st.one_of(
    st.builds(lambda d: "+324" + d.ljust(8, "0"), st.text(DIGITS, min_size=8, max_size=8)),
    st.builds(lambda d: "+3630" + d, st.text(DIGITS, min_size=7, max_size=7)),
)
names = st.text("aAnJé Ée0", max_size=8)
iccids = st.builds(lambda d: "8932" + d, st.text(DIGITS, min_size=15, max_size=15))


def typed_queries(stored: list[dict[str, str]]) -> st.SearchStrategy[str]:
    """What people type: digits, a stored number whole, its national or E.164 beginning, a part
    of a name or card number, spaced or not."""

    def spaced(text: str, gap: int) -> str:
        return " ".join(text[i : i + gap] for i in range(0, len(text), gap))

    parts = [row["msisdn"] for row in stored] + [row["first_name"] + " " + row["last_name"] for row in stored]
    parts += [row["iccid"] for row in stored]
    piece = st.sampled_from(parts).flatmap(
        lambda s: st.tuples(st.integers(0, len(s)), st.integers(0, len(s))).map(lambda ab: s[min(ab) : max(ab)])
    )
    national = st.sampled_from([row["msisdn"] for row in stored]).flatmap(
        lambda n: st.integers(4, len(n)).map(
            lambda k: ("0" if n.startswith("+32") else "06") + n[3 if n.startswith("+32") else 5 : k]
        )
    )
    plain = st.one_of(digits, piece, national, names, st.just("+32"), st.just("0047"))
    return st.tuples(plain, st.integers(2, 5), st.booleans()).map(lambda t: spaced(t[0], t[1]) if t[2] else t[0])


def expected(stored: list[dict[str, str]], text: str) -> set[str]:
    """The plain conditions of `selectors._search`, in Python, on the rows as stored."""
    text = " ".join(text.split())
    if not text:
        return {row["msisdn"] for row in stored}

    def has(value: str, part: str) -> bool:
        if not SQLITE:  # PostgreSQL's UPPER() folds every letter
            return part.upper() in value.upper()
        fold = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # SQLite: ASCII only
        return part.translate(fold) in value.translate(fold)

    first, _space, last = text.partition(" ")
    number = selectors._number_lookup(text)
    compact = text.translate(_SEPARATORS).lstrip("+")
    found = set()
    for row in stored:
        hit = any(has(row[column], text) for column in ("first_name", "last_name", "description"))
        hit |= bool(last) and has(row["first_name"], first) and has(row["last_name"], last)
        if number is not None:
            lookup, value = number
            msisdn = row["msisdn"]
            hit |= msisdn == value if not lookup else msisdn.startswith(value) if "start" in lookup else value in msisdn
            hit |= len(compact) >= 4 and compact in row["iccid"]
        if hit:
            found.add(row["msisdn"])
    return found


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {"msisdn": numbers, "iccid": iccids, "first_name": names, "last_name": names, "description": names}
        ),
        min_size=1,
        max_size=12,
        unique_by=(lambda row: row["msisdn"], lambda row: row["iccid"]),
    ),
    data=st.data(),
)
def test_the_indexed_search_finds_what_the_plain_conditions_find(
    manager_actor: Actor, make_line: Callable[..., Line], other_customer: Customer, rows, data: st.DataObject
) -> None:
    with transaction.atomic():
        template = make_line(msisdn="+32000000000", first_name="", last_name="", description="")  # plan, account
        cards = SimCard.objects.bulk_create(
            SimCard(iccid=row["iccid"], imsi=f"20610{n:010d}", customer=template.customer, status=SimCard.Status.IN_USE)
            for n, row in enumerate(rows)
        )
        insert_rows(
            Line,
            [
                {"msisdn": row["msisdn"], "sim_id": card.pk, "first_name": "x", "last_name": "", "description": ""}
                for row, card in zip(rows, cards, strict=True)
            ],
            same={
                "customer": template.customer,
                "plan": template.plan,
                "billing_account": template.billing_account,
                "status": Line.Status.ACTIVE,
                "language": "en",
            },
        )
        for row in rows:  # an UPDATE of the searched columns after the INSERT
            Line.objects.filter(msisdn=row["msisdn"]).update(
                first_name=row["first_name"], last_name=row["last_name"], description=row["description"]
            )
        template.delete()
        foreign = make_line(  # the same number and name at another customer (stopped: one live line a number)
            customer=other_customer,
            msisdn=rows[0]["msisdn"],
            first_name=rows[0]["first_name"],
            status=Line.Status.STOPPED,
        )
        for _ in range(3):
            text = data.draw(typed_queries(rows), label="typed")
            found = set(selectors.lines_for(manager_actor, search=text).values_list("msisdn", flat=True))
            assert found == expected(rows, text), text
            assert foreign.pk not in selectors.lines_for(manager_actor, search=text).values_list("pk", flat=True)
        transaction.set_rollback(True)


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if SQLITE:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT trigger_name FROM information_schema.triggers")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_the_search_triggers_exist_after_every_migration_on_sqlite_only() -> None:
    """A later migration that rebuilds fleet_line or fleet_simcard drops their triggers: it must
    call `install_sqlite_search` again. On PostgreSQL the migration adds nothing."""
    wanted = {
        f"{search}_{action}" for search in search_migration.SEARCH_TABLES for action in ("insert", "delete", "update")
    }
    if SQLITE:
        assert wanted <= _triggers()
    else:
        assert not wanted & _triggers()
        assert not set(search_migration.SEARCH_TABLES) & set(connection.introspection.table_names())


@pytest.mark.django_db
def test_the_search_uses_the_index_on_sqlite(manager_actor: Actor, make_line: Callable[..., Line]) -> None:
    make_line(msisdn="+32470123456", first_name="Jan", last_name="Peeters")
    for text in ("0470 12", "peeters", "Jan Peeters", "123456", "+32470123456"):
        sql = str(selectors.lines_for(manager_actor, search=text).query)
        assert ("fleet_line_search MATCH" in sql) is SQLITE, text
    assert "MATCH" not in str(selectors.lines_for(manager_actor, search="12").query)  # too short: conditions only
