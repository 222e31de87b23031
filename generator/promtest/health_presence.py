"""Presence scenarios: TargetDown (a target down, or a job without any target), MetricAbsent
(a metric gone while its job is up, silent when the job is down with it), and how the
recorded request and error rates read missing data.
"""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.prometheus import AlertRule, Labels, app_labels, box_labels, ingested
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, seconds
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
        if alert.label("service") in ctx.spec.services:  # the scrape job's target labels
            target |= ingested(ctx.spec, alert.label("service"))
        series.append(raw_series("up", target, const(1, up_for), const(0, down)))
        fired.append((alert, tuple(sorted(target.items()))))
    gone = [(a, tuple(sorted(selector_labels(a).items()))) for a in alerts]
    healthy = _bystanders(ctx, alerts, end // ctx.interval_s + 1)
    return [
        Scenario(
            f"{name}: every target up, then down",
            frozenset({"up"}),
            (*series, *healthy),
            pinned_checks(ctx, name, alerts, start, fired, "up == 0"),
        ),
        Scenario(
            f"{name}: no target at all",
            frozenset({"up"}),
            tuple(healthy),
            pinned_checks(ctx, name, alerts, 0, gone, "the job without any target"),
        ),
    ]


def _bystanders(ctx: Ctx, alerts: list[AlertRule], count: int) -> list[InputSeries]:
    """A target up throughout for every service no alert here stands for: the services a
    shared rule covers besides those driven (health_sharing.py), healthy, so that only the
    driven ones fire (the mapping test drives the others)."""
    driven = {a.label("service") for a in alerts}
    out = []
    for name, service in sorted(ctx.spec.services.items()):
        if name not in driven:
            job = service.selector.get("job", name)
            target = {"job": job, "instance": f"{job}-0", **ingested(ctx.spec, name)}
            out.append(raw_series("up", target, const(1, count)))
    return out


def _absent_inputs(
    ctx: Ctx, alert: AlertRule
) -> tuple[list[dict[str, str]], dict[str, str], dict[str, str]]:
    """(the `up` series the alert's guard reads, the metric's series, the labels the alert
    reads it by). A service's metric read by its `service` label (absent_while_up_each):
    its scrape job's target, cAdvisor's for a container's metric, and the series as
    Prometheus stores it; else the job and the selector's labels."""
    if alert.expr.macro != "absent_while_up_each":
        job = selector_labels(alert, "up")["job"]
        labels = selector_labels(alert)
        feed = {**labels, "instance": labels.get("instance", f"{job}-0")}
        return [{"job": job, "instance": f"{job}-0"}], feed, labels
    spec, service = ctx.spec, alert.label("service")
    job = spec.services[service].selector.get("job", service)
    ups = [{"job": job, "instance": f"{job}-0", **ingested(spec, service)}]
    exporter = alert.expr.args["exporter"]
    own = app_labels(spec, service)
    if exporter is not None:
        box = selector_labels(alert, "exporter")["job"]
        ups.append({"job": box, "instance": f"{box}-0"})
        own = box_labels(spec, service) | {"job": box}
    return ups, own | {"instance": f"{ups[-1]['job']}-0"}, selector_labels(alert)


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
        ups, feed, labels = _absent_inputs(ctx, alert)
        for up in ups:
            key = ("up", tuple(sorted(up.items())))
            series[key] = raw_series("up", up, const(1, total))
            downs[key] = raw_series("up", up, const(1, present), const(0, total - present))
        metric = str(alert.expr.args["metric"])
        series[(metric, tuple(sorted(feed.items())))] = raw_series(metric, feed, const(1, present))
        others = [("up", up | {k: f"not-{up[k]}" for k in ("job", "service") if k in up})]
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


def missing_is_not_zero(ctx: Ctx, services: list[str]) -> Scenario:
    """The recorded request and error rates of `services` (the rules are shared, the
    mapping test maps every other service in), one service after another (each fed requests
    and no error series for two rate windows, the next starting as it stops): while it has
    requests it records 0 errors; before its first and once its last requests are out of
    the rate window it records nothing, not 0, though another service's requests count
    then. Between, 0 errors while its last requests are in the window and not in half of
    it, absent once out of the window and not of twice it: the window of the `or 0 * ...`
    fallback, which alone reads requests when there are no error series."""
    spec = ctx.spec
    sig = spec.signals
    run = ceil_to(2 * RATE_WINDOW_S, ctx.step_s)  # each service's requests, in turn
    # after the last sample: 0 while two samples are in 5m (and not in 2m30s), absent
    # once they are not (while they are in 10m); None off the evaluation grid
    inside = straddle(ctx, RATE_WINDOW_S // 2, RATE_WINDOW_S)
    outside = straddle(ctx, RATE_WINDOW_S, 2 * RATE_WINDOW_S)
    series, checks = [], []
    errors, requests = cv.errors_rate(sig.requests), cv.requests_rate(sig.requests)
    for i, name in enumerate(services):
        service = spec.services[name]
        first, last = i * run, (i + 1) * run
        feed = {**app_labels(spec, name), sig.status_label: "200", "instance": f"{name}-0"}
        # one request per second: rate() reads exactly 1 over any full window
        ramp = Segment(Decimal(0), Decimal(ctx.interval_s), run // ctx.interval_s)
        gap = Segment(Decimal(0), Decimal(0), first // ctx.interval_s - 1, missing=True)
        series.append(raw_series(sig.requests, feed, *([gap] if first else []), ramp))
        wanted: list[tuple[str, int, int | None, str]] = [
            (errors, last, 0, "requests present, no error series: 0 errors"),
            (requests, last, 1, "the requests it had"),
        ]
        if first:
            why = "no request series yet (another service's count): absent, not 0"
            wanted += [
                (requests, first - ctx.step_s, None, why),
                (errors, first - ctx.step_s, None, why),
            ]
        if inside is not None:
            why = f"last requests {at(inside)} ago, in the 5m window: still 0 errors"
            wanted.append((errors, last + inside, 0, why))
        if outside is not None:
            why = f"last requests {at(outside)} ago, out of the 5m window: absent, not 0"
            wanted += [(requests, last + outside, None, why), (errors, last + outside, None, why)]
        mine = (("service", name), ("tier", service.tier))
        for series_name, when, value, proves in wanted:
            samples = () if value is None else (Sample(series_name, mine, Decimal(value)),)
            sel = (("service", "=", name),)
            checks.append(ExprCheck(series_name, sel, at(when), samples, proves))
    return Scenario(
        "missing data: requests without errors read 0 errors; no requests read nothing",
        frozenset({sig.requests}),
        tuple(series),
        (),
        tuple(checks),
    )


def straddle(ctx: Ctx, shorter: int, longer: int) -> int | None:
    """An evaluation offset after a series' last sample at which a window of `longer`
    seconds still holds its last two samples and one of `shorter` does not (with a
    margin on both sides), or None if no evaluation step falls there."""
    low, high = shorter - ctx.interval_s, longer - ctx.interval_s
    when = ceil_to((low + high) // 2, ctx.step_s)
    return when if low < when < high else None
