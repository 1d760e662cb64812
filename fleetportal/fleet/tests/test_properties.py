"""Property tests: number search reads what people type as the stored E.164 numbers (reusing
`parse_mobile`), and the plan-change review follows the catalogue's compatibility rule exactly
(R-F2) whatever the options and plans."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.catalog.rules import option_applies
from fleetportal.fleet.actions import review_plan_change
from fleetportal.fleet.models import Line
from fleetportal.fleet.selectors import number_search

digits = st.text(alphabet="0123456789", min_size=6, max_size=6)
separators = st.sampled_from(["", "", " ", ".", "/", "-"])


@st.composite
def belgian_mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """(national digits, E.164) of a Belgian mobile number 046x … 049x."""
    national = "04" + draw(st.sampled_from("6789")) + draw(st.sampled_from("0123456789")) + draw(digits)
    return national, "+32" + national[1:]


def _typed(draw: Callable[[st.SearchStrategy[str]], str], text: str) -> str:
    return "".join(ch + draw(separators) for ch in text).strip(" ./-")


def _lookup(q) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    ((lookup, value),) = q.children
    return lookup, value


@pytest.mark.spec("F-20", "F-08")
@given(st.data(), belgian_mobiles())
def test_a_whole_number_as_typed_finds_exactly_that_number(data: st.DataObject, number: tuple[str, str]) -> None:
    national, e164 = number
    written = data.draw(st.sampled_from([national, e164, "0032" + national[1:]]))
    assert _lookup(number_search(_typed(data.draw, written))) == ("msisdn", e164)


@pytest.mark.spec("F-20", "F-08")
@given(st.data(), belgian_mobiles(), st.integers(min_value=2, max_value=9))
def test_a_national_beginning_matches_the_numbers_that_begin_so(
    data: st.DataObject, number: tuple[str, str], length: int
) -> None:
    national, e164 = number
    lookup, value = _lookup(number_search(_typed(data.draw, national[:length])))
    assert lookup == "msisdn__startswith" and e164.startswith(value) and value.startswith("+32")


@pytest.mark.spec("F-20", "R3")
@given(st.text(max_size=30))
def test_any_search_text_answers_without_raising(text: str) -> None:
    q = number_search(text)
    if q is not None:
        lookup, value = _lookup(q)
        assert lookup.startswith("msisdn") and value.lstrip("+").isdigit()


@pytest.mark.spec("F-28", "R-F2")
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_the_review_drops_exactly_what_the_rule_excludes(data: st.DataObject, catalogue) -> None:
    plans = list(TariffPlan.objects.order_by("pk"))
    options = list(Option.objects.prefetch_related("excluded_plans").order_by("pk"))
    lines = []
    for pk in range(1, data.draw(st.integers(min_value=1, max_value=6)) + 1):
        line = Line(pk=pk, plan=data.draw(st.sampled_from(plans)), version=data.draw(st.integers(1, 9)))
        line.current_options = data.draw(st.lists(st.sampled_from(options), unique=True))
        lines.append(line)
    target = data.draw(st.sampled_from(plans))

    review = review_plan_change(lines, target)

    for line, row in zip(lines, review.rows, strict=True):
        assert row.previous_plan == line.plan and row.new_plan == target
        assert sorted(o.pk for o in row.dropped + row.kept) == sorted(o.pk for o in line.current_options)
        if line.plan == target:
            assert not row.changes and row.dropped == []
        else:
            assert all(not option_applies(o, target) for o in row.dropped)
            assert all(option_applies(o, target) for o in row.kept)
    assert review.versions == {line.pk: line.version for line in lines}
