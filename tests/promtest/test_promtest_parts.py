"""The pieces behind the generated promtool tests: Prometheus' humanize functions, the
histogram solver, counters in expanding notation, label values for matchers, exact
fractions, and the SLO model's firm and unsure predictions."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest

from generator.catalogue.timing import scaled_detection
from generator.core import slo_math as sm
from generator.prometheus import BurnAlertPlan
from generator.prometheus.slo import burn_alerts
from generator.promtest.feeds import bucket_quantile, counter, gauge, pick, solve_histogram
from generator.promtest.go_template import (
    TemplateExpansionError,
    expand,
    go_value,
    humanize,
    humanize_duration,
    humanize_percentage,
)
from generator.promtest.model import CaseError, Segment
from generator.promtest.slo_outage import OUTAGE_WATCH_S, outage_clean_s, outage_model
from generator.promtest.slo_sim import (
    Model,
    Scaled,
    Traffic,
    fires,
    first_firing,
    first_firing_sustained,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1234567.0, "1.235M"), (0.0012, "1.2m"), (100.0, "100"), (0.0, "0")],
)
def test_humanize_prints_four_significant_digits_with_si_prefixes(value: float, text: str) -> None:
    assert humanize(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(3661.0, "1h 1m 1s"), (90061.0, "1d 1h 1m 1s"), (0.25, "250ms"), (1.5, "1.5s"), (0, "0s")],
)
def test_humanize_duration_matches_prometheus(value: float, text: str) -> None:
    assert humanize_duration(value) == text


def test_humanize_percentage_hides_float_noise_like_prometheus() -> None:
    assert humanize_percentage(0.1234) == "12.34%"
    assert humanize_percentage(0.9799999999999999) == "98%"


@pytest.mark.parametrize(
    ("value", "text"), [(1e6, "1e+06"), (123456.0, "123456"), (0.5, "0.5"), (1e-05, "1e-05")]
)
def test_bare_value_prints_as_go_formats_a_float(value: float, text: str) -> None:
    assert go_value(value) == text


def test_annotation_templates_expand_labels_values_and_literals() -> None:
    text = 'node {{ $labels.instance }} at {{ $value | humanizePercentage }} {{ "{{" }}x}}'
    assert expand(text, Decimal("0.975"), {"instance": "n1:9100"}) == "node n1:9100 at 97.5% {{x}}"
    with pytest.raises(TemplateExpansionError):
        expand("{{ range $x }}", Decimal(1), {})


@pytest.mark.parametrize(
    ("target", "q"),
    [("0.2", "0.95"), ("0.55", "0.95"), ("1.1", "0.95"), ("0.1", "0.95"), ("0.3", "0.99")],
)
def test_solved_histogram_has_the_target_quantile(target: str, q: str) -> None:
    bounds = [Decimal(b) for b in ("0.1", "0.25", "0.5", "1", "2.5", "5", "10")]
    shares = solve_histogram(Decimal(target), Decimal(q), bounds)
    assert sum(shares) == 1 and all(s >= 0 for s in shares)
    cumulative = [sum(shares[: i + 1], Decimal(0)) for i in range(len(shares))]
    # exact up to Decimal's 28 digits (the shares are non-terminating fractions)
    assert abs(bucket_quantile(Decimal(q), bounds, cumulative) - Decimal(target)) < Decimal("1e-20")


def test_a_quantile_below_what_the_first_bucket_can_hold_is_refused() -> None:
    with pytest.raises(CaseError):
        solve_histogram(Decimal("0.01"), Decimal("0.95"), [Decimal("0.1"), Decimal("1")])


def test_counter_phases_continue_from_the_last_value_and_report_the_rates_fed() -> None:
    series, fed = counter("c_total", (), [(0, Decimal(2)), (60, Decimal("0.5"))], 120, 15)
    assert series.values == (
        Segment(Decimal(0), Decimal(30), 4),
        Segment(Decimal("127.5"), Decimal("7.5"), 3),
    )
    assert fed == [Decimal(2), Decimal("0.5")]


def _expand(segments: tuple[Segment, ...]) -> list[Decimal]:
    """promtool's expanding notation back into samples."""
    return [seg.start + seg.step * i for seg in segments for i in range(seg.count + 1)]


def _holding(phases: list[tuple[int, Decimal]], values: list[Decimal], second: int) -> Decimal:
    """The value of the last listed phase that has started by `second` (the first if none)."""
    held = values[0]
    for (start, _), value in zip(phases, values, strict=True):
        if start <= second:
            held = value
    return held


PHASES = [
    [(0, Decimal(2))],
    [(0, Decimal(2)), (60, Decimal("0.5")), (61, Decimal(3))],
    [(0, Decimal(0)), (3600, Decimal(1)), (3600, Decimal(4)), (7200, Decimal(0))],
    [(-30, Decimal("0.3333333")), (45, Decimal("0.3333333")), (900, Decimal(5))],
    [(300, Decimal(7)), (0, Decimal(1))],  # not in order: the later listed phase wins once on
]


@pytest.mark.parametrize("phases", PHASES)
@pytest.mark.parametrize(("end_s", "interval_s"), [(0, 15), (14, 15), (7200, 15), (7230, 60)])
def test_counter_and_gauge_samples_are_the_phase_values_sample_by_sample(
    phases: list[tuple[int, Decimal]], end_s: int, interval_s: int
) -> None:
    count = -(-end_s // interval_s) + 1
    series, _ = counter("c_total", (), phases, end_s, interval_s)
    increments = [(r * interval_s).quantize(Decimal("0.000001")) for _, r in phases]
    want = [Decimal(0)]
    for k in range(1, count):
        want.append(want[-1] + _holding(phases, increments, (k - 1) * interval_s))
    assert _expand(series.values) == want
    series, _ = gauge("g", (), phases, end_s, interval_s)
    levels = [r.quantize(Decimal("0.000001")) for _, r in phases]
    want = [_holding(phases, levels, k * interval_s) for k in range(count)]
    assert _expand(series.values) == want


def test_label_values_are_picked_to_match_or_miss_error_matchers() -> None:
    matchers = [("code", "=~", "5..|429")]
    assert pick("code", matchers, True) == "500"
    assert pick("code", matchers, False) == "200"
    with pytest.raises(CaseError):
        pick("code", [("code", "=~", ".*")], False)


def test_exact_splits_a_threshold_into_a_decimal_over_the_smallest_integer() -> None:
    assert sm.exact(Fraction("0.0144")) == (Decimal("0.0144"), 1)
    assert sm.exact(Fraction(14, 15) * Fraction("0.001")) == (Decimal("0.0028"), 3)
    assert sm.exact_text(Fraction(7, 30)) == "0.7/3"


def _page(threshold: str) -> BurnAlertPlan:
    return BurnAlertPlan(
        "X", "critical", "1h", "5m", Decimal("0.02"), Fraction("14.4"), Fraction(threshold)
    )


def test_model_is_firm_about_a_steady_burn_and_unsure_at_the_threshold() -> None:
    steady = Model(Traffic(((0, 10.0, 0.02),)), 60, 15)
    assert fires(steady, _page("0.0144"), 1000, 600) is True
    assert fires(steady, _page("0.03"), 1000, 600) is False
    assert fires(steady, _page("0.02"), 1000, 600) is None
    assert fires(steady, _page("0.0144"), 10**6, 600) is False  # too few events for the guard


def test_model_predicts_a_99_9_outage_page_within_4_minutes_of_a_clean_hour() -> None:
    outage = Model(Traffic(((0, 10.0, 0.0), (3600, 10.0, 1.0))), 60, 15)
    page = _page("0.0144")
    assert fires(outage, page, 1000, 3600 + 60) is False
    assert fires(outage, page, 1000, 3600 + 240) is True


@pytest.mark.parametrize("objective", ["99.99", "99.9", "99", "95"])
@pytest.mark.parametrize("period", ["7d", "30d"])
def test_bisection_finds_the_outage_detection_a_scan_finds(objective: str, period: str) -> None:
    for burn in burn_alerts("A", sm.error_budget(Decimal(objective)), period):
        clean = outage_clean_s(burn)
        model = outage_model(60, 15, clean)
        end = clean + max(OUTAGE_WATCH_S, sm.seconds(burn.long) + 600)
        scanned = first_firing(model, burn, 1000, clean, end)
        assert first_firing_sustained(model, burn, 1000, clean, end) == scanned


@pytest.mark.parametrize("objective", ["99.9", "95"])
def test_bounds_from_other_shares_do_not_change_a_time_to_fire(objective: str) -> None:
    # shares asked in a shuffled order, so each search is bounded by earlier answers; an
    # unbounded bisection must agree (min_events 777: no other test fills these caches)
    shares = [Decimal(1) / Decimal(2**k) for k in range(12)]
    random.Random(5).shuffle(shares)
    for burn in burn_alerts("A", sm.error_budget(Decimal(objective)), "30d"):
        clean = outage_clean_s(burn)
        end = clean + sm.seconds(burn.long) + 600
        for share in shares:
            model = Scaled(outage_model(60, 15, clean), float(share))
            alone = first_firing_sustained(model, burn, 777, clean, end)
            bounded = scaled_detection(60, 15, 777, burn, share)
            assert bounded == (None if alone is None else alone - clean)
