"""Presence scenarios: TargetDown (a target down, or a job without any target), MetricAbsent
(a metric gone while its job is up, silent when the job is down with it), and how the
recorded request and error rates read missing data.
"""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.prometheus import AlertRule, Labels
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, seconds
from generator.promtest.health_cases import (
    LOOKBACK_S,
    const,
    pinned_checks,
    raw_series,
    selector_labels,
)
from generator.promtest.model import AlertCheck, ExprCheck, InputSeries, Sample, Segment, rule_key


def target_down(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """Every job's targets up, then down; and every job without a target at all."""
    up_for = 10 * ctx.step_s // ctx.interval_s  # samples while up
    start = up_for * ctx.interval_s  # the first `up == 0` sample
    end = ceil_to(start + seconds(alerts[0].for_), ctx.step_s)
    down = (end - start) // ctx.interval_s + 1
    series, fired = [], []
    for alert in alerts:
        job = selector_labels(alert)["job"]
        target = {"job": job, "instance": f"{job}-0"}
        series.append(raw_series("up", target, const(1, up_for), const(0, down)))
        fired.append((alert, tuple(sorted(target.items()))))
    gone = [(a, tuple(sorted(selector_labels(a).items()))) for a in alerts]
    return [
        Scenario(
            f"{name}: every target up, then down",
            frozenset({"up"}),
            tuple(series),
            pinned_checks(ctx, name, alerts, start, fired, "up == 0"),
        ),
        Scenario(
            f"{name}: no target at all",
            frozenset({"up"}),
            (),
            pinned_checks(ctx, name, alerts, 0, gone, "the job without any target"),
        ),
    ]


def metric_absent(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """Jobs up throughout; every metric present, then no more samples: absent once its
    lookback has passed. A second timeline takes the jobs down with their metrics: then it is
    TargetDown's, and MetricAbsent stays silent. In both, the same metrics of other jobs
    (each matcher's label changed) and other jobs' targets stay up and present: an absent()
    that lost a matcher would see those metrics and stay silent, a job guard that lost its
    job would see those targets up and fire."""
    present = 10 * ctx.step_s // ctx.interval_s
    last = (present - 1) * ctx.interval_s  # the last sample of every metric
    start = ceil_to(last + LOOKBACK_S + 1, ctx.step_s)  # first evaluation with none in reach
    end = ceil_to(start + seconds(alerts[0].for_), ctx.step_s)
    total = end // ctx.interval_s + 1
    series: dict[tuple[str, Labels], InputSeries] = {}
    downs: dict[tuple[str, Labels], InputSeries] = {}
    fired = []
    for alert in alerts:
        job = selector_labels(alert, "up")["job"]
        up = {"job": job, "instance": f"{job}-0"}
        key = ("up", tuple(sorted(up.items())))
        series[key] = raw_series("up", up, const(1, total))
        downs[key] = raw_series("up", up, const(1, present), const(0, total - present))
        labels = selector_labels(alert)
        metric = str(alert.expr.args["metric"])
        feed = {**labels, "instance": labels.get("instance", f"{job}-0")}
        series[(metric, tuple(sorted(feed.items())))] = raw_series(metric, feed, const(1, present))
        others = [("up", up | {"job": f"not-{job}"})]
        others += [(metric, feed | {k: f"not-{v}"}) for k, v in labels.items()]
        for other, other_labels in others:
            key = (other, tuple(sorted(other_labels.items())))
            series[key] = raw_series(other, other_labels, const(1, total))
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
            pinned_checks(
                ctx, name, alerts, start, fired, "the metric missing while its job is up"
            ),
        ),
        Scenario(
            f"{name}: jobs down with their metrics",
            metrics,
            tuple(downs.get(k, s) for k, s in series.items()),
            (down_check,),
        ),
    ]


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
    series = raw_series(sig.requests, feed, Segment(Decimal(0), Decimal(ctx.interval_s), count))
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
