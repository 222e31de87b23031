"""The mutation bench's mutants and equivalence arguments (bench/mutation): each mutant
changes one token of one rule, and only mutants that cannot change a result are argued
equivalent."""

from __future__ import annotations

from typing import Any

from bench.mutation.equivalence import why_equivalent
from bench.mutation.mutants import (
    COMPARISON,
    FOR,
    MATCHER,
    SEVERITY,
    THRESHOLD,
    WINDOW,
    apply,
    expr_mutants,
    rule_mutants,
)

REGRESSION = (
    'x:p95{service="a"} > 1.2 * (x:p95{service="a"} offset 1d)'
    ' and on (service) x:rate{service="a"} >= 1'
)


def test_each_mutant_of_an_alert_expression_changes_one_token() -> None:
    found = {(kind, what) for kind, what, _ in expr_mutants(REGRESSION, alerting=True)}
    assert (THRESHOLD, "1.2 -> 1.212") in found and (THRESHOLD, "1 -> 0.9") in found
    assert (COMPARISON, "> -> <") in found and (COMPARISON, ">= -> <=") in found
    assert (WINDOW, "1d -> 12h") in found and (WINDOW, "1d -> 2d") in found
    assert (MATCHER, 'drop service="a"') in found
    for _, what, new in expr_mutants(REGRESSION, alerting=True):
        assert new != REGRESSION, what


def test_durations_inside_names_and_matchers_are_not_numbers() -> None:
    expr = 'sum(rate(http_requests_total{status=~"5.."}[5m])) / 2'
    numbers = [w for k, w, _ in expr_mutants(expr, alerting=False) if k != WINDOW]
    assert [w for w in numbers if "->" in w] == ["2 -> 2.02", "2 -> 1.98", "2 -> 2.2", "2 -> 1.8"]


def _doc(expr: str) -> dict[str, Any]:
    rule = {"alert": "A", "expr": expr, "for": "5m", "labels": {"severity": "warning"}}
    return {"groups": [{"name": "g", "rules": [rule]}]}


def test_for_and_severity_mutants_apply_to_a_copy() -> None:
    doc = _doc("x:y > 1")
    mutants = list(rule_mutants("a.yml", doc))
    fors = [m for m in mutants if m.category == FOR]
    assert [m.value for m in fors] == ["2m30s", "10m"]
    swapped = next(m for m in mutants if m.category == SEVERITY)
    assert apply(doc, swapped)["groups"][0]["rules"][0]["labels"]["severity"] == "critical"
    assert doc["groups"][0]["rules"][0]["labels"]["severity"] == "warning"


def test_a_matcher_the_other_operand_keeps_is_equivalent_one_it_alone_holds_is_not() -> None:
    docs = {"a.yml": _doc(REGRESSION)}
    drops = [m for m in rule_mutants("a.yml", docs["a.yml"]) if m.category == MATCHER]
    assert drops and all(why_equivalent(m, docs) for m in drops)
    docs = {"a.yml": _doc('x:p95{service="a"} > 1')}
    drops = [m for m in rule_mutants("a.yml", docs["a.yml"]) if m.category == MATCHER]
    assert drops and not any(why_equivalent(m, docs) for m in drops)


def test_a_matcher_on_a_label_every_sum_groups_by_is_equivalent_if_the_other_side_has_it() -> None:
    """A shared gauge SLI's bad samples, `sum by (service, tier) (count) - sum by (service,
    tier) (sum)`: tier dropped from one side makes groups of other tiers, which find no
    partner on the other; module dropped merges series into the same groups; and an
    aggregation that does not keep tier merges the extra series in."""
    sel = 'p{tier="batch", module!="tcp"}[5m]'
    shared = f"(sum by (service, tier) (count_over_time({sel})) - "
    shared += f"sum by (service, tier) (sum_over_time({sel}))) / 300"
    for expr, equivalent in (
        (shared, {'drop tier="batch"'}),
        (shared.replace("by (service, tier)", "by (service)"), set()),
        (shared.replace("sum by (service, tier)", "sum"), set()),
    ):
        docs = {"r.yml": {"groups": [{"name": "g", "rules": [{"record": "r", "expr": expr}]}]}}
        drops = [m for m in rule_mutants("r.yml", docs["r.yml"]) if m.category == MATCHER]
        assert len(drops) == 4, expr
        argued = {m.what.split(": ")[1] for m in drops if why_equivalent(m, docs)}
        assert argued == equivalent, expr


def test_a_tier_dropped_from_one_sum_of_a_shared_good_ratio_is_equivalent_a_kept_label_not() -> (
    None
):
    """A shared good-kind SLI's bad events, `total - (good or 0 * total)` summed by service
    and tier: tier dropped from any one of the three sums adds groups of other tiers that
    find no partner across `-`; uri dropped merges series into the same groups."""
    total = 'sum by (service, tier) (rate(c{tier="core", uri!~"/health"}[5m]))'
    good = 'sum by (service, tier) (rate(c{tier="core", uri!~"/health", outcome="OK"}[5m]))'
    expr = f"{total} - ({good} or 0 * {total})"
    docs = {"r.yml": {"groups": [{"name": "g", "rules": [{"record": "r", "expr": expr}]}]}}
    drops = [m for m in rule_mutants("r.yml", docs["r.yml"]) if m.category == MATCHER]
    argued = sorted(m.what.split(": ")[1] for m in drops if why_equivalent(m, docs))
    # tier from each of the three sums; uri from the fallback alone (good_fallback's case)
    assert argued == ['drop tier="core"'] * 3 + ['drop uri!~"/health"']
    shared = expr.replace("by (service, tier)", "by (service)")
    docs = {"r.yml": {"groups": [{"name": "g", "rules": [{"record": "r", "expr": shared}]}]}}
    drops = [m for m in rule_mutants("r.yml", docs["r.yml"]) if m.category == MATCHER]
    argued = sorted(m.what.split(": ")[1] for m in drops if why_equivalent(m, docs))
    assert argued == ['drop tier="core"', 'drop uri!~"/health"']  # the fallback's alone


def test_a_matcher_dropped_beside_or_or_unless_is_not_equivalent() -> None:
    """`up == 0 or absent(up{job="a"})` fires for every job's down target: `or` keeps the
    series the other operand has no partner for (and `unless` those of its left side)."""
    for expr in ('up{job="a"} == 0 or absent(up{job="a"})', 'x{job="a"} unless y{job="a"}'):
        docs = {"a.yml": _doc(expr)}
        drops = [m for m in rule_mutants("a.yml", docs["a.yml"]) if m.category == MATCHER]
        assert len(drops) == 2 and not any(why_equivalent(m, docs) for m in drops)
    docs = {"a.yml": _doc('x{job="a", env="or"} and y{job="a"}')}
    drops = [m for m in rule_mutants("a.yml", docs["a.yml"]) if m.category == MATCHER]
    argued = [m.what.split(": ")[1] for m in drops if why_equivalent(m, docs)]
    assert argued == ['drop job="a"', 'drop job="a"']  # "or" in a label value is no operator


def _recording(expr: str, records: list[dict[str, str]]) -> dict[str, Any]:
    rules = [{"record": "s:x:rate5m", "expr": "sum(x)", "labels": r} for r in records]
    rules.append({"record": "s:x:rate1h", "expr": expr, "labels": records[0]})
    return {"groups": [{"name": "g", "rules": rules}]}


def test_a_matcher_every_series_the_other_matchers_select_has_is_equivalent() -> None:
    """`{service="a", slo="x"}` with either matcher dropped reads the same series while only
    service a records SLO x; once a records SLO y, dropping slo reads it, and once c records
    SLO x, dropping service does."""
    expr = 'avg_over_time(s:x:rate5m{service="a", slo="x"}[1h])'
    one = [{"service": "a", "slo": "x"}, {"service": "b", "slo": "y"}]
    for more, still in (
        ((), {'drop slo="x"', 'drop service="a"'}),
        (({"service": "a", "slo": "y"},), {'drop service="a"'}),
        (({"service": "c", "slo": "x"},), {'drop slo="x"'}),
    ):
        docs = {"r.yml": _recording(expr, [*one, *more])}
        drops = [m for m in rule_mutants("r.yml", docs["r.yml"]) if m.category == MATCHER]
        argued = {m.what.split(": ")[1] for m in drops if why_equivalent(m, docs)}
        assert argued == still, more
        reasons = {why_equivalent(m, docs) for m in drops} - {None}
        assert all("the selector's other matchers select" in str(r) for r in reasons)


GOOD = (
    'sum(rate(r{job="a"}[5m])) - (sum(rate(r{job="a", outcome="OK"}[5m]))'
    ' or 0 * sum(rate(r{job="a"}[5m])))'
)


def test_a_good_slis_fallback_reading_more_is_equivalent_reading_less_is_not() -> None:
    """`total - (good or 0 * total)`: the fallback is 0 whenever it is present, and the
    total it is subtracted from decides when anything is recorded, as long as the fallback
    is present whenever the total is (a matcher dropped, a longer window); a shorter window
    can leave the total without its fallback, and a change to the total or good side is
    not in the fallback."""
    docs = {"a.yml": _recording_doc(GOOD)}
    mutants = list(rule_mutants("a.yml", docs["a.yml"]))
    argued = {m.value for m in mutants if why_equivalent(m, docs)}
    head = GOOD[: GOOD.index(" or 0 * ") + len(" or 0 * ")]
    assert argued == {
        head + "sum(rate(r[5m])))",  # the fallback's job matcher dropped
        head + 'sum(rate(r{job="a"}[10m])))',  # its window doubled
    }
    shorter = [m for m in mutants if m.value == head + 'sum(rate(r{job="a"}[2m30s])))']
    assert len(shorter) == 1 and why_equivalent(shorter[0], docs) is None
    assert len([m for m in mutants if m.category in (MATCHER, WINDOW)]) == 10


def _recording_doc(expr: str) -> dict[str, Any]:
    return {"groups": [{"name": "g", "rules": [{"record": "x:y", "expr": expr}]}]}


def _tiered(producers: list[str]) -> dict[str, Any]:
    rules = [{"record": "s:x:rate5m", "expr": e} for e in producers]
    rules.append(
        {"alert": "XHigh", "expr": 's:x:rate5m{tier=~"a|b"} > 1', "labels": {"severity": "page"}}
    )
    return {"r.yml": {"groups": [{"name": "g", "rules": rules}]}}


def test_a_tier_selection_every_recorded_series_passes_is_equivalent_a_narrower_one_is_not() -> (
    None
):
    """`{tier=~"a|b"}` dropped reads the same series while every rule recording the series
    selects only tiers a and b and keeps the tier; not once one records tier c, or sums the
    tier away."""
    for producers, equivalent in (
        (['sum by (service, tier) (rate(x{tier=~"a|b"}[5m]))'], True),
        (['sum by (service, tier) (rate(x{tier="a"}[5m]))'], True),
        (['sum by (service, tier) (rate(x{tier=~"a|b|c"}[5m]))'], False),
        (['sum by (service) (rate(x{tier=~"a|b"}[5m]))'], False),
        (["sum by (service, tier) (rate(x[5m]))"], False),
    ):
        docs = _tiered(producers)
        (drop,) = [
            m
            for m in rule_mutants("r.yml", docs["r.yml"])
            if m.category == MATCHER and m.rule == len(producers)
        ]
        assert (why_equivalent(drop, docs) is not None) == equivalent, producers


def test_a_matcher_dropped_on_the_right_of_unless_on_a_joined_label_is_equivalent() -> None:
    """`A unless on (service, tier) B` only removes A's series: a B series the dropped tier
    matcher lets in has a tier no A series has. Dropped on the left, or on a label the
    join ignores, it changes what fires."""
    expr = (
        'group by (service, tier) (up{tier="a"} == 1) unless on (service, tier) '
        'group by (service, tier) (m{tier="a", env="x"})'
    )
    docs = {"a.yml": _doc(expr)}
    drops = {
        m.what.split(": ")[1] + (" right" if m.value.startswith(expr.split(" unless")[0]) else "")
        for m in rule_mutants("a.yml", docs["a.yml"])
        if m.category == MATCHER and why_equivalent(m, docs)
    }
    assert drops == {'drop tier="a" right'}
