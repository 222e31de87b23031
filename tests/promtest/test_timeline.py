"""The threshold tests' timeline model: rate ramps in both Prometheus versions, gauges that
switch at once, `for` counted from when the condition starts, and counters that promtool
never reads as reset."""

from __future__ import annotations

from decimal import Decimal

from generator.plan import read_spec
from generator.promtest.cases import Ctx
from generator.promtest.feeds import counter
from generator.promtest.inputs import Feed, linear
from generator.promtest.timeline import Timeline, condition, states_of
from tests.conftest import DURI_SPEC

STEP, INTERVAL = 60, 15
START = 600  # the new phase's first second


def ctx() -> Ctx:
    return Ctx(read_spec(DURI_SPEC)[0], INTERVAL, STEP)


def ramp(a: str, b: str, gauge: bool = False) -> Timeline:
    values = (Decimal(a), Decimal(b))
    return Timeline(ctx(), Feed((), (), values, None if gauge else linear(values)), (0, START))


def test_a_rate_read_signal_reaches_its_new_level_only_with_a_full_window_in_both_versions() -> (
    None
):
    timeline = ramp("10", "20")
    assert timeline.values(START) == (Decimal(10),)
    halfway = timeline.values(START + 240)  # 16 new increments of 20 (v2) or of 19 (v3)
    assert len(halfway) == 2 and all(Decimal(10) < v < Decimal(20) for v in halfway)
    assert timeline.values(START + 300) == (Decimal(20),)


def test_a_gauge_switches_at_the_first_sample_of_its_new_phase() -> None:
    timeline = ramp("0.4", "0.96", gauge=True)
    assert timeline.values(START - STEP) == (Decimal("0.4"),)
    assert timeline.values(START) == (Decimal("0.96"),)


def test_an_alert_fires_exactly_its_for_after_its_condition_starts() -> None:
    timeline = ramp("0.4", "0.96", gauge=True)

    def probe(when: int) -> tuple[bool | None, tuple[Decimal, ...]]:
        values = timeline.values(when)
        return all(v > Decimal("0.95") for v in values), values

    state = states_of(ctx(), 300, probe, 300, START + 600)
    assert state[START].since == START
    assert state[START + 240].firing is False
    assert state[START + 300].firing is True


def test_a_value_on_the_threshold_or_split_across_it_is_not_claimed() -> None:
    class Alert:
        threshold = Decimal("0.5")
        direction = "above"

    assert condition(Alert(), [Decimal("0.5")]) is None  # type: ignore[arg-type]
    assert condition(Alert(), [Decimal("0.49"), Decimal("0.51")]) is None  # type: ignore[arg-type]
    assert condition(Alert(), [Decimal("0.51")]) is True  # type: ignore[arg-type]


def test_a_counter_never_steps_below_where_promtools_float_sum_ended() -> None:
    """8.64 added 200 times in floats is 1728.0000000000068: the flat phase after it must
    not start at 1728 exactly, or rate() would see a counter reset."""
    series, _ = counter("c", (), [(0, Decimal("0.576")), (3000, Decimal(0))], 3300, INTERVAL)
    last = None
    for segment in series.values:
        value = float(segment.start)
        assert last is None or value >= last
        for _ in range(segment.count):
            value += float(segment.step)
        last = value


def test_an_evaluation_the_model_cannot_tell_leaves_firing_unknown_only_between_its_bounds() -> (
    None
):
    # the condition: no, no, cannot tell, then yes from START on (a ramp across the threshold)
    holds = {START - 2 * STEP: False, START - STEP: None}

    def probe(when: int) -> tuple[bool | None, tuple[Decimal, ...]]:
        return holds.get(when, when >= START), (Decimal(1),)

    state = states_of(ctx(), 180, probe, START - 2 * STEP, START + 600)
    # the run started at START - STEP or at START: for 3m has surely not passed before
    # START + 2m, may have at START + 2m, surely has from START + 3m on
    assert [state[START + k * STEP].firing for k in range(5)] == [False, False, None, True, True]
    assert state[START - STEP].since is None and state[START].since is None
    assert state[START + 180].firing is True


def test_a_sure_run_after_one_the_model_cannot_tell_starts_where_it_surely_holds() -> None:
    holds = {START: None}

    def probe(when: int) -> tuple[bool | None, tuple[Decimal, ...]]:
        return holds.get(when, when > START), (Decimal(1),)

    state = states_of(ctx(), 0, probe, START - STEP, START + 300)
    assert state[START].firing is None  # `for: 0s`: fires exactly when the condition holds
    assert state[START + STEP].firing is True
    assert state[START - STEP].firing is False
