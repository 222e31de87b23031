"""Behaviour tests of the health alerts (prometheus/health.py): each fires once its data goes
missing or its failure counter moves, not one evaluation before its `for`, and stays silent
while the data is there.

Every scenario feeds raw series from t=0 at the file's input spacing. A condition that turns
true at an input sample S turns true at the first evaluation at or after S; a window that
must empty of a value (`max_over_time`, a series' 5m lookback) empties strictly after the
last such sample plus the window. `for` is then pinned on both sides: silent one evaluation
step before `start + for`, firing at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus import AlertRule, Labels
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.model import (
    AlertCheck,
    CaseError,
    ExprCheck,
    InputSeries,
    Sample,
    Segment,
    rule_key,
)

LOOKBACK_S = 300  # Prometheus' default lookback: a series is read 5m after its last sample
RATE_WINDOW_S = 300


def _const(value: Decimal | int, count: int) -> Segment:
    """`count` samples of one level."""
    return Segment(Decimal(value), Decimal(0), count - 1)


def _series(metric: str, labels: dict[str, str], *values: Segment) -> InputSeries:
    return InputSeries(metric, tuple(sorted(labels.items())), tuple(values))


def _selector_labels(alert: AlertRule, key: str = "selector") -> dict[str, str]:
    """The equality matchers of the rule's selector: the labels an input series needs."""
    out: dict[str, str] = {}
    for label, op, value in alert.expr.args[key]:
        if op != "=":
            raise CaseError(f"{alert.alert}: cannot feed a {op} matcher on {label}")
        out[label] = value
    return out


def _checks(
    ctx: Ctx,
    name: str,
    alerts: Sequence[AlertRule],
    start: int,
    fired: Sequence[tuple[AlertRule, Labels]],
    why: str,
) -> tuple[AlertCheck, ...]:
    """Silent one step before `start + for`, firing at it: `for` pinned on both sides."""
    wait = seconds(alerts[0].for_)
    if any(seconds(a.for_) != wait for a in alerts):
        raise CaseError(f"{name}: alerts of one name with different `for`")
    when = ceil_to(start + wait, ctx.step_s)
    exp = tuple(sorted((expected(a, extra, None) for a, extra in fired), key=lambda e: e.labels))
    keys = tuple(sorted({rule_key(a) for a, _ in fired}))
    others = tuple(sorted({rule_key(a) for a in alerts} - set(keys)))
    checks = []
    if when - ctx.step_s >= 0:
        checks.append(
            AlertCheck(
                at(when - ctx.step_s),
                name,
                (),
                f"silent one evaluation before {why} has held for {alerts[0].for_}",
                (),
                keys,
            )
        )
    checks.append(
        AlertCheck(
            at(when), name, exp, f"fires once {why} has held for {alerts[0].for_}", keys, others
        )
    )
    return tuple(checks)


def _target_down(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """Every job's targets up, then down; and every job without a target at all."""
    up_for = 10 * ctx.step_s // ctx.interval_s  # samples while up
    start = up_for * ctx.interval_s  # the first `up == 0` sample
    end = ceil_to(start + seconds(alerts[0].for_), ctx.step_s)
    down = (end - start) // ctx.interval_s + 1
    series, fired = [], []
    for alert in alerts:
        job = _selector_labels(alert)["job"]
        target = {"job": job, "instance": f"{job}-0"}
        series.append(_series("up", target, _const(1, up_for), _const(0, down)))
        fired.append((alert, tuple(sorted(target.items()))))
    gone = [(a, tuple(sorted(_selector_labels(a).items()))) for a in alerts]
    return [
        Scenario(
            f"{name}: every target up, then down",
            frozenset({"up"}),
            tuple(series),
            _checks(ctx, name, alerts, start, fired, "up == 0"),
        ),
        Scenario(
            f"{name}: no target at all",
            frozenset({"up"}),
            (),
            _checks(ctx, name, alerts, 0, gone, "the job without any target"),
        ),
    ]


def _metric_absent(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """Jobs up throughout; every metric present, then no more samples: absent once its
    lookback has passed. A second timeline takes the jobs down with their metrics: then it is
    TargetDown's, and MetricAbsent stays silent."""
    present = 10 * ctx.step_s // ctx.interval_s
    last = (present - 1) * ctx.interval_s  # the last sample of every metric
    start = ceil_to(last + LOOKBACK_S + 1, ctx.step_s)  # first evaluation with none in reach
    end = ceil_to(start + seconds(alerts[0].for_), ctx.step_s)
    total = end // ctx.interval_s + 1
    series: dict[tuple[str, Labels], InputSeries] = {}
    downs: dict[tuple[str, Labels], InputSeries] = {}
    fired = []
    for alert in alerts:
        job = _selector_labels(alert, "up")["job"]
        up = {"job": job, "instance": f"{job}-0"}
        key = ("up", tuple(sorted(up.items())))
        series[key] = _series("up", up, _const(1, total))
        downs[key] = _series("up", up, _const(1, present), _const(0, total - present))
        labels = _selector_labels(alert)
        metric = str(alert.expr.args["metric"])
        feed = {**labels, "instance": labels.get("instance", f"{job}-0")}
        series[(metric, tuple(sorted(feed.items())))] = _series(metric, feed, _const(1, present))
        fired.append((alert, tuple(sorted(labels.items()))))
    metrics = frozenset(k[0] for k in series)
    keys = tuple(sorted(rule_key(a) for a in alerts))
    down_check = AlertCheck(
        at(end), name, (), "silent when the job is down with its metrics (TargetDown's)", (), keys
    )
    return [
        Scenario(
            f"{name}: jobs up, every metric present, then gone",
            metrics,
            tuple(series.values()),
            _checks(ctx, name, alerts, start, fired, "the metric missing while its job is up"),
        ),
        Scenario(
            f"{name}: jobs down with their metrics",
            metrics,
            tuple(downs.get(k, s) for k, s in series.items()),
            (down_check,),
        ),
    ]


def _labels_of(alert: AlertRule) -> dict[str, str]:
    return _selector_labels(alert) | {"instance": "monitoring-0"}


def _increased(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """The failure counter flat, then counting: fires once it has moved for `for`."""
    flat = 10 * ctx.step_s // ctx.interval_s
    start = flat * ctx.interval_s  # the first sample above the flat level
    end = ceil_to(start + seconds(alert.for_), ctx.step_s)
    moving = (end - start) // ctx.interval_s + 1
    labels = _labels_of(alert)
    metric = str(alert.expr.args["metric"])
    feed = _series(metric, labels, _const(0, flat), Segment(Decimal(1), Decimal(1), moving - 1))
    fired = [(alert, tuple(sorted(labels.items())))]
    return [
        Scenario(
            f"{name}: {metric} flat, then counting",
            frozenset({metric}),
            (feed,),
            _checks(ctx, name, [alert], start, fired, f"{metric} increasing"),
        )
    ]


def _gauge_low(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """The gauge at 1, then 0: fires once no 1 is left in its window, plus `for`."""
    ones = 10 * ctx.step_s // ctx.interval_s
    last = (ones - 1) * ctx.interval_s
    window = seconds(str(alert.expr.args["window"]))
    start = ceil_to(last + window + 1, ctx.step_s)
    end = ceil_to(start + seconds(alert.for_), ctx.step_s)
    labels = _labels_of(alert)
    metric = str(alert.expr.args["metric"])
    zeros = (end - ones * ctx.interval_s) // ctx.interval_s + 1
    feed = _series(metric, labels, _const(1, ones), _const(0, zeros))
    fired = [(alert, tuple(sorted(labels.items())))]
    return [
        Scenario(
            f"{name}: {metric} 1, then 0",
            frozenset({metric}),
            (feed,),
            _checks(ctx, name, [alert], start, fired, f"{metric} below 1 over its window"),
        )
    ]


def _share(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """Steady counters with the failed share just above the threshold (fires) and, in a
    second timeline, just below it (silent): the threshold pinned within 0.5 %."""
    threshold = Decimal(alert.expr.args["threshold"])
    part, whole = str(alert.expr.args["part"]), str(alert.expr.args["whole"])
    labels = _labels_of(alert)
    per_sample = Decimal(10000)
    start = ceil_to(ctx.interval_s, ctx.step_s)  # two samples in the 5m window
    end = ceil_to(start + seconds(alert.for_), ctx.step_s)
    count = end // ctx.interval_s
    fired = [(alert, tuple(sorted(labels.items())))]
    scenarios = []
    for factor, fires in ((Decimal("1.005"), True), (Decimal("0.995"), False)):
        failed = per_sample * threshold * factor
        feeds = (
            _series(part, labels, Segment(Decimal(0), failed, count)),
            _series(whole, labels, Segment(Decimal(0), per_sample, count)),
        )
        shown = fmt(threshold * factor * 100)
        if fires:
            checks = _checks(ctx, name, [alert], start, fired, f"{shown}% failing")
        else:
            key = (rule_key(alert),)
            checks = (AlertCheck(at(end), name, (), f"silent at {shown}% failing", (), key),)
        scenarios.append(
            Scenario(
                f"{name}: {shown}% of {whole} failing",
                frozenset({part, whole}),
                feeds,
                checks,
            )
        )
    return scenarios


def _disk_fill(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """Filesystems of one node, each falling linearly (predict_linear reads an exact line):
    `/` predicted empty within the horizon and below the free-space guard from the start;
    `/late` coming within the horizon, and `/crossing` (as fast as `/`) falling through the
    guard, each half a step before a chosen evaluation, so both fire exactly `for` later:
    a horizon or guard off by 1 % moves that by far more than a step."""
    args = alert.expr.args
    node = _selector_labels_matching(alert)
    size = Decimal(1000)
    guard = Decimal(args["ratio"]) * size
    below = guard - 1
    horizon = Decimal(args["horizon_s"])
    start = ceil_to(ctx.interval_s, ctx.step_s)  # two samples: a trend
    wait = seconds(alert.for_)
    late_from = start + 10 * ctx.step_s  # the evaluation `/late` turns true at
    end = ceil_to(late_from + wait, ctx.step_s)
    count = end // ctx.interval_s

    def per_sample(per_s: Decimal) -> Decimal:
        return (per_s * ctx.interval_s).quantize(Decimal("0.000001"))

    soon = per_sample(below / (horizon * Decimal("0.9")))
    late = per_sample(below / (horizon + late_from))
    late_free = late / ctx.interval_s * (horizon + late_from - Decimal(ctx.step_s) / 2)
    disks = {
        "/": (below, soon),
        "/late": (late_free.quantize(Decimal("0.000001")), late),
        "/crossing": (guard + soon / ctx.interval_s * (late_from - Decimal(ctx.step_s) / 2), soon),
    }
    series, labelled = [], {}
    for i, (mountpoint, (free, drop)) in enumerate(disks.items()):
        labels = {**node, "device": f"sd{i}", "fstype": "ext4", "mountpoint": mountpoint}
        labels["instance"] = "node-0"
        series.append(_series(str(args["available"]), labels, *_falling(free, drop, count)))
        series.append(_series(str(args["size"]), labels, _const(size, count + 1)))
        labelled[mountpoint] = (alert, tuple(sorted(labels.items())))
    key = (rule_key(alert),)
    first = _checks(ctx, name, [alert], start, [labelled["/"]], "`/` filling, low on space")
    both = (labelled["/"], labelled["/late"], labelled["/crossing"])
    exp_late = tuple(sorted((expected(a, x, None) for a, x in both), key=lambda e: e.labels))
    checks = (
        *first,
        AlertCheck(
            at(end - ctx.step_s),
            name,
            (expected(*labelled["/"], None),),
            "`/late` and `/crossing` silent one evaluation before their for has passed",
            key,
            (),
        ),
        AlertCheck(
            at(end), name, exp_late, "`/late` and `/crossing` fire after their for", key, ()
        ),
    )
    return [
        Scenario(
            f"{name}: filling within the horizon, crossing into it, and above the guard",
            frozenset({str(args["available"]), str(args["size"])}),
            tuple(series),
            checks,
        )
    ]


def _falling(start: Decimal, drop: Decimal, count: int) -> list[Segment]:
    """A gauge falling by `drop` per sample."""
    return [Segment(start, -drop, count)]


def _selector_labels_matching(alert: AlertRule) -> dict[str, str]:
    """The selector's equality matchers (negative matchers are met by the values fed)."""
    return {label: value for label, op, value in alert.expr.args["selector"] if op == "="}


_SHAPES = {
    "increased": _increased,
    "gauge_low": _gauge_low,
    "counter_share": _share,
    "fill_prediction": _disk_fill,
}


def missing_is_not_zero(ctx: Ctx) -> Scenario:
    """The recorded request and error rates: a service with requests but no error series
    records 0 errors; a service with no request series at all records nothing, not 0."""
    spec = ctx.spec
    sig = spec.signals
    names = sorted(spec.services)
    quiet, gone = names[0], names[-1] if len(names) > 1 else None
    service = spec.services[quiet]
    feed = {**dict(service.selector), sig.status_label: "200", "instance": f"{quiet}-0"}
    count = 20 * ctx.step_s // ctx.interval_s
    # one request per second: rate() reads exactly 1 over any full window
    series = _series(sig.requests, feed, Segment(Decimal(0), Decimal(ctx.interval_s), count))
    when = at(10 * ctx.step_s)
    mine = (("service", quiet), ("tier", service.tier))
    checks = [
        ExprCheck(
            cv.errors_rate(sig.requests),
            (("service", "=", quiet),),
            when,
            (Sample(cv.errors_rate(sig.requests), mine, Decimal(0)),),
            "requests present, no error series: 0 errors",
        ),
        ExprCheck(
            cv.requests_rate(sig.requests),
            (("service", "=", quiet),),
            when,
            (Sample(cv.requests_rate(sig.requests), mine, Decimal(1)),),
            "the requests it had",
        ),
    ]
    if gone is not None:
        for series_name in (cv.requests_rate(sig.requests), cv.errors_rate(sig.requests)):
            checks.append(
                ExprCheck(
                    series_name,
                    (("service", "=", gone),),
                    when,
                    (),
                    "no request series at all: absent, not 0",
                )
            )
    return Scenario(
        "missing data: requests without errors read 0 errors; no requests read nothing",
        frozenset({sig.requests}),
        (series,),
        (),
        tuple(checks),
    )


def health_scenarios(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """The scenarios proving the health alerts named `name` (TargetDown's also prove how the
    recorded rates read missing data)."""
    if name == cv.TARGET_DOWN:
        return [*_target_down(ctx, name, alerts), missing_is_not_zero(ctx)]
    if name == cv.METRIC_ABSENT:
        return _metric_absent(ctx, name, alerts)
    out = []
    for alert in alerts:
        shape = _SHAPES.get(alert.expr.macro)
        if shape is None:
            raise CaseError(f"{name}: no health test for expressions of {alert.expr.macro}")
        out += shape(ctx, name, alert)
    return out
