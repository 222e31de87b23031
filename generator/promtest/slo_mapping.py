"""The SLO mapping test: every service's SLI series reach the shared SLO rules as its own.

An SLO rule serves every service with the same SLO settings (prometheus/slo_sharing.py); the
SLO tests prove what the rules compute on the services chosen to stand for them, this test
proves who each result belongs to. It feeds every covered service's SLI series (the
services' recorded 5m rates the SLO rules read) with every event bad at a rate that holds
every alert's min_events in its shortest long window, until every group of the SLO rules
has evaluated twice. Then every recorded SLO series must hold exactly one series per
service, with its own service, tier and SLO labels (and, for the info series, its own
objective), and every burn alert that a 100 % error ratio can trip must fire exactly once
per service, SLO and window pair (`ALERTS`; each expected member written once, members.py):
a service left out of a rule or in two of one series, or an objective given to the wrong
tier, fails it.

An SLO whose 5m rules read raw series (an SLI of its own metric or with `exclude`, a gauge
SLI; prometheus/slo_sli.py) is fed those raw series, the fewest that make every event bad
(slo_feed.bad_feed: one counter, the total and threshold buckets, or a gauge's targets at
0, as many as hold twice its alerts' min_events). It cannot share a
test group with the SLOs fed their recorded rates (the recording rules would write what
those feed), nor with another SLO reading one of its metrics (each feed would be the
other's events): each such part is a scenario of its own, its checks reading its SLOs'
series alone.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from math import ceil

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.prometheus import (
    AlertRule,
    Labels,
    RecordingRule,
    Rule,
    RuleFile,
    SLOPlan,
    app_stranger,
    reads_by_job,
)
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, seconds, within
from generator.promtest.feeds import samples
from generator.promtest.firing import firing_once
from generator.promtest.inputs import _sorted
from generator.promtest.members import Bounds, Members, each_of, mapping_scenario, total
from generator.promtest.model import ExprCheck, InputSeries, Segment
from generator.promtest.slo_feed import Matchers, bad_feed, copies, feeds_metrics

SERIES_LABELS = ("service", "slo", "tier")
ALERT_LABELS = ("alertname", "long_window", "service", "severity", "short_window", "slo", "tier")
CLOSE = Decimal("0.001")  # burn rate within this share of 1 / budget: floats, not a wrong one


def _labels(spec_tier: str, matchers: Sequence[tuple[str, str, str]]) -> dict[str, str]:
    """The labels of the series a recorded-rate selector picks: `=` values as written, the
    first alternative of a regex (a bucket bound printed either way), and the tier."""
    out = {"tier": spec_tier}
    for label, op, value in matchers:
        out[label] = value.split("|")[0] if op == "=~" else value
    return out


def _fed_raw(
    ctx: Ctx,
    views: Sequence[RecordingRule],
    plans: dict[tuple[str, str], SLOPlan],
    first: dict[str, SLOPlan],
    rate: Decimal,
    targets: int,
    end: int,
) -> list[InputSeries]:
    """The raw series an SLO reads of every service its shared 5m rules cover, the fewest
    that make every event bad (slo_feed.bad_feed): counters at `rate`, `targets` targets
    of a gauge; and the same of a service each SLO does not cover (`_stranger`) and of
    another scrape job (`_foreign`), which no rule of it may count."""
    covered = dict.fromkeys((dict(v.labels)["service"], dict(v.labels)["slo"]) for v in views)
    feeds = {key: bad_feed(ctx, plans[key], rate, end, targets) for key in covered}
    series = [s for feed in feeds.values() for s in feed]
    for slo in dict.fromkeys(name for _, name in covered):
        stranger = _stranger(ctx, plans, first[slo])
        if stranger is not None:
            series += bad_feed(ctx, stranger, rate, end, targets)
        mine = next(feed for (_, name), feed in feeds.items() if name == slo)
        series += [_foreign(s) for s in mine if "job" in dict(s.labels)]
    return sorted(series, key=lambda s: (s.metric, s.labels))


def _foreign(series: InputSeries) -> InputSeries:
    """A covered service's raw series as another scrape job's: without the `service` and
    `tier` the service's job puts on it (prometheus.app_stranger), so that a shared rule
    that lost its tier or service matcher counts it, as an event of no service."""
    changed = app_stranger(dict(series.labels), "job")
    return dataclasses.replace(series, labels=tuple(sorted(changed.items())))


def _stranger(ctx: Ctx, plans: dict[tuple[str, str], SLOPlan], slo: SLOPlan) -> SLOPlan | None:
    """`slo` as it would be planned for the first service (in spec order) it does not
    cover whose scrape job selects it, so that its raw series carry `service` and `tier`:
    a shared rule selecting more than its services (a tier or service matcher lost) counts
    them and records a series too many. None when the SLO covers every such service."""
    for name, service in ctx.spec.services.items():
        if (name, slo.slo) not in plans and reads_by_job(service):
            return dataclasses.replace(slo, service=name, tier=service.tier)
    return None


def _fed(ctx: Ctx, views: Sequence[RecordingRule], rate: Decimal, end: int) -> list[InputSeries]:
    """The recorded series the shared 5m rules of SLOs copying them read, for every service
    they cover: all events, and none of them good."""
    count = samples(end, ctx.interval_s) - 1
    found: dict[tuple[str, tuple[tuple[str, str], ...]], Decimal] = {}
    for view in views:
        tier = dict(view.labels)["tier"]
        expr = view.expr
        if expr.macro == "slo_copy":  # the errors or the requests rate, all of them errors
            found[(expr.args["series"], _sorted(_labels(tier, expr.args["selector"])))] = rate
        elif expr.macro == "slo_bucket_excess":  # every request over the threshold
            series = expr.args["series"]
            found[(series, _sorted(_labels(tier, expr.args["total"])))] = rate
            found[(series, _sorted(_labels(tier, expr.args["good"])))] = Decimal(0)
        elif expr.macro == "slo_sum":
            found[(expr.args["series"], _sorted(_labels(tier, expr.args["selector"])))] = rate
    return [
        InputSeries(metric, labels, (Segment(value, Decimal(0), count),))
        for (metric, labels), value in sorted(found.items())
    ]


def _need(ctx: Ctx, alerts: Sequence[AlertRule]) -> Fraction:
    """Events per second holding twice every alert's min_events in its long window
    (exactly: whole events or targets are rounded up from it)."""
    need = Fraction(0)
    for alert in alerts:
        guard = ctx.spec.slos[alert.label("slo")].min_events
        need = max(need, Fraction(2 * guard, seconds(alert.label("long_window"))))
    return need


def _rate(ctx: Ctx, alerts: Sequence[AlertRule]) -> Decimal:
    """`_need` in whole events per second (a counter's increments), at least one."""
    return Decimal(max(1, ceil(_need(ctx, alerts))))


def _gauge_targets(ctx: Ctx, alerts: Sequence[AlertRule]) -> int:
    """`_need` in targets of a gauge, each sampled every scrape interval, at least one
    (`_rate`'s whole events per second would take as many targets as an interval has
    seconds)."""
    return max(1, ceil(_need(ctx, alerts) * ctx.interval_s))


def _last_evaluation(ctx: Ctx) -> int:
    """A time by which every group of the SLO rules has evaluated at least twice."""
    slowest = max(
        seconds(sm.group_interval(speed, ctx.spec.prometheus.evaluation_interval) or "0s")
        for speed in sm.SPEEDS
    )
    slowest = max(slowest, seconds(ctx.spec.prometheus.evaluation_interval), ctx.step_s)
    return ceil_to(2 * slowest + ctx.settle_s, ctx.step_s)


@functools.lru_cache(maxsize=1 << 14)  # every recorded name of an SLO has the same members
def _member(labels: Labels) -> Labels:
    return tuple((k, x) for k, x in labels if k in SERIES_LABELS)


def _info_checks(
    members: Members, views: Sequence[RecordingRule], when: int, where: Matchers
) -> list[ExprCheck]:
    """The info series: each service's own objective, period and threshold (a label no
    service's has, empty), and no other. First, so that its sets, the finest, make up the
    others (members.py)."""
    keys = sorted({k for v in views for k, _ in v.labels} - set(SERIES_LABELS))
    by_info: dict[tuple[tuple[str, str, str], ...], dict[Labels, Decimal | None]] = {}
    for view in views:
        own = dict(view.labels)
        info = tuple((k, "=", own.get(k, "")) for k in keys)
        by_info.setdefault(info, {})[_member(view.labels)] = None
    proves = f"{cv.SLO_INFO}: each service's own objective, period and threshold"
    checks = []
    for info, table in sorted(by_info.items()):
        read = ExprCheck(cv.SLO_INFO, (*where, *info), at(when), (), proves)
        checks += each_of(members, read, table)
    checks.append(total(ExprCheck(cv.SLO_INFO, where, at(when), (), proves), len(views)))
    return checks


def _record_checks(
    members: Members, rules: Sequence[RecordingRule], when: int, where: Matchers
) -> list[ExprCheck]:
    """Every series a shared SLO rule records, one per service and SLO it covers, with the
    service's own labels, and no other (one lost, doubled or given to another service is
    one off); the info series with its own objective; the objective and error budget each
    service's own by value, and each burn rate that budget's. One query per recorded name:
    promtool loads at most 10,000 samples per query."""
    by_record: dict[str, list[RecordingRule]] = {}
    for rule in rules:
        by_record.setdefault(rule.record, []).extend(rule.views)
    checks = _info_checks(members, by_record.get(cv.SLO_INFO, []), when, where)
    budgets = {
        _member(v.labels): Decimal(v.expr.args["value"])
        for v in by_record.get(cv.SLO_ERROR_BUDGET, [])
    }
    for record, views in by_record.items():
        if record == cv.SLO_INFO:  # checked first, above
            continue
        held: dict[Labels, Decimal | Bounds | None] = {_member(v.labels): None for v in views}
        if record in (cv.SLO_OBJECTIVE, cv.SLO_ERROR_BUDGET):
            held = {_member(v.labels): Decimal(v.expr.args["value"]) for v in views}
            read = ExprCheck(record, where, at(when), (), f"{record}: each service's own")
        elif record.startswith(cv.slo_burn_rate("")):  # every event bad: 1 / its budget
            held = {m: within(1 / budgets[m], CLOSE / budgets[m]) for m in held}
            why = f"{record}: an error ratio of 1 over the service's own error budget"
            read = ExprCheck(record, where, at(when), (), why)
        else:
            proves = f"{record}: one series per service and SLO, with its own labels"
            read = ExprCheck(record, where, at(when), (), proves)
        checks += [*each_of(members, read, held), total(read, len(views))]
    return checks


def _alert_checks(members: Members, alerts: Sequence[AlertRule], when: int) -> list[ExprCheck]:
    """Every burn alert a 100 % error ratio trips firing once per service, SLO and windows."""
    views = [v for a in alerts for v in a.views if v.threshold is not None and v.threshold < 1]
    return firing_once(
        members,
        views,
        ALERT_LABELS,
        when,
        "every event of every service bad: each shared burn alert fires once for each "
        "service, SLO and window pair it covers, and for no other",
    )


def _parts(ctx: Ctx, first: dict[str, SLOPlan]) -> list[list[str]]:
    """The shared SLOs (each by one of its plans: what an SLI reads is its definition's)
    fed together: those fed their recorded rates, then those fed raw series, no two reading
    one raw metric in a part."""
    copied = [name for name, plan in first.items() if copies(ctx.spec, plan)]
    raw: list[tuple[list[str], set[str]]] = []
    for name in (n for n in first if n not in copied):
        reads = set(feeds_metrics(ctx, first[name]))
        part = next((p for p in raw if not p[1] & reads), None)
        if part is None:
            raw.append(([name], reads))
        else:
            part[0].append(name)
            part[1].update(reads)
    return ([copied] if copied else []) + [names for names, _ in raw]


def slo_mapping_scenarios(ctx: Ctx, rule_file: RuleFile, slos: Sequence[SLOPlan]) -> list[Scenario]:
    """One scenario per part of the shared SLOs (one, unless some read raw series): every
    covered service's SLI series, every event bad; then every shared SLO series counted per
    service and every shared burn alert's firing per service."""
    shared: list[Rule] = [r for g in rule_file.groups for r in g.rules if r.views]
    records = [r for r in shared if isinstance(r, RecordingRule)]
    alerts = [r for r in shared if isinstance(r, AlertRule)]
    if not records:
        return []
    when = _last_evaluation(ctx)
    every_alert = [v for a in alerts for v in a.views]
    rate = _rate(ctx, every_alert)
    read = (cv.slo_errors("5m"), cv.slo_requests("5m"))
    names = list(dict.fromkeys(dict(r.labels)["slo"] for r in records))
    plans = {(s.service, s.slo): s for s in slos if s.slo in names}
    first: dict[str, SLOPlan] = {}
    for plan in plans.values():
        first.setdefault(plan.slo, plan)
    parts = _parts(ctx, {name: first[name] for name in names})
    gauges = {name for name, plan in first.items() if plan.kind == "gauge"}
    targets = _gauge_targets(ctx, [a for a in every_alert if a.label("slo") in gauges])
    scenarios = []
    for part in parts:
        mine = [r for r in records if dict(r.labels)["slo"] in part]
        sli = [v for r in mine if r.record in read for v in r.views]
        if copies(ctx.spec, first[part[0]]):
            series = _fed(ctx, sli, rate, when)
        else:
            series = _fed_raw(ctx, sli, plans, first, rate, targets, when)
        name = "every service's SLI series map into the shared SLO rules"
        where: Matchers = ()
        if len(parts) > 1:
            name += f" ({', '.join(part)})"
            where = (("slo", "=", part[0]) if len(part) == 1 else ("slo", "=~", "|".join(part)),)
        members = Members()
        checks = _record_checks(members, mine, when, where)
        checks += _alert_checks(members, [a for a in alerts if a.label("slo") in part], when)
        count = samples(when, ctx.interval_s)
        scenarios.append(mapping_scenario(name, series, members, checks, count))
    if len(scenarios) > 1:  # a group each: one part's feed writes what another's reads
        every = frozenset(m for s in scenarios for m in s.metrics)
        scenarios = [dataclasses.replace(s, metrics=every) for s in scenarios]
    return scenarios
