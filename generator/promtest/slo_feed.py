"""The kind-specific half of the SLO tests: how to feed given good and bad event rates as
the raw series an SLO's SLI reads (prometheus/slo_sli.py), and which share of bad events
promtool then reads. The scenarios (slo.py) are the same for every kind.

Where the SLI has `exclude` matchers, every feed also carries excluded events at
REQUEST_RATE: bad ones, and for a `good` ratio or a latency SLI good ones too. The tests
predict the alerts without them, so they prove the exclusion on each side: the total
counting them raises the errors, the good side counting them lowers them.
The gauge and promql kinds are fed their recorded 5m rates instead (slo_stand_in.py); the
SLO mapping test feeds a shared gauge SLI its raw samples (`bad_feed`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal

from generator.core.numbers import fmt
from generator.prometheus import SLOPlan, app_labels, promql_sli_metrics
from generator.promtest.cases import Ctx
from generator.promtest.feeds import counter, pick, rounded
from generator.promtest.inputs import REQUEST_RATE, Traffic, requests_feed, slow_requests_feed
from generator.promtest.model import CaseError, InputSeries
from generator.promtest.slo_gauge_series import ProbeLabels, held, probe_series
from generator.promtest.slo_stand_in import STAND_IN_KINDS, stand_in_feed
from generator.spec import Matcher, Spec, request_errors, sli_metric

Matchers = tuple[tuple[str, str, str], ...]
Labels = tuple[tuple[str, str], ...]
_NEGATED = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}


def _pairs(matchers: Sequence[Matcher]) -> Matchers:
    return tuple((m.label, m.op, m.value) for m in matchers)


def _kept(matchers: Sequence[Matcher]) -> Matchers:
    return tuple((m.label, _NEGATED[m.op], m.value) for m in matchers)


@functools.lru_cache(maxsize=256)
def _choose(base: Labels, constraints: Matchers, flip: Matchers) -> Labels:
    """`base` plus a value for every constrained label that all `constraints` accept; with
    `flip`, the first flipped label instead takes a value one of the `flip` matchers on it
    rejects (the others still hold)."""
    chosen = dict(base)
    for label in dict.fromkeys(name for name, _, _ in constraints):
        if label not in chosen:
            chosen[label] = pick(label, constraints, True)
    if flip:
        label = flip[0][0]
        rest = [m for m in constraints if m[0] == label and m not in flip]
        for name, op, value in (m for m in flip if m[0] == label):
            with_flip = [*rest, (name, _NEGATED[op], value)]
            try:
                chosen[label] = pick(label, with_flip, True)
                break
            except CaseError:
                continue
        else:
            raise CaseError(f"no value of {label!r} is both kept and not matched by {flip}")
    return tuple(sorted(chosen.items()))


def _base(spec: Spec, service: str) -> Labels:
    return tuple(sorted(app_labels(spec, service).items()))


def copies(spec: Spec, slo: SLOPlan) -> bool:
    """Whether the SLO copies the per-service recorded series (slo_sli.py)."""
    assert slo.definition is not None
    sli = slo.definition.sli
    metric = sli_metric(spec, slo.definition)
    if sli.ratio is not None:
        return (
            metric == spec.signals.requests
            and not sli.ratio.exclude
            and sli.ratio.errors == request_errors(spec)
        )
    if sli.latency is not None:
        return metric == spec.signals.duration and not sli.latency.exclude
    return False


def _noise(base: Labels, exclude: Sequence[Matcher], others: Matchers) -> Labels | None:
    """Labels of an event the first exclude matcher leaves out (None if none can be found)."""
    if not exclude:
        return None
    first = exclude[0]
    try:
        return _choose(base, (*others, (first.label, first.op, first.value)), ())
    except CaseError:
        return None


def _sides(spec: Spec, slo: SLOPlan) -> tuple[Labels, Labels]:
    """Labels of a counted event its errors (or good) matchers select, and of one they do
    not: (marked, other)."""
    assert slo.definition is not None and slo.definition.sli.ratio is not None
    ratio = slo.definition.sli.ratio
    base = _base(spec, slo.service)
    kept = _kept(ratio.exclude)
    side = _pairs(ratio.errors or ratio.good or ())
    return _choose(base, (*kept, *side), ()), _choose(base, (*kept, *side), side)


def feed_labels(spec: Spec, slo: SLOPlan) -> tuple[Labels, Labels | None]:
    """A ratio SLO's labels of a counted event that is not an error (a `good` SLI: not
    good), and of an error its `exclude` matchers leave out (None without them)."""
    assert slo.definition is not None and slo.definition.sli.ratio is not None
    ratio = slo.definition.sli.ratio
    _, other = _sides(spec, slo)
    noisy = _noise(_base(spec, slo.service), ratio.exclude, _pairs(ratio.errors or ()))
    return other, noisy if noisy != other else None


def _ratio_feed(ctx: Ctx, slo: SLOPlan, phases: Traffic, end_s: int) -> list[InputSeries]:
    spec = ctx.spec
    assert slo.definition is not None and slo.definition.sli.ratio is not None
    ratio = slo.definition.sli.ratio
    metric = sli_metric(spec, slo.definition)
    assert metric is not None
    base = _base(spec, slo.service)
    marked, other = _sides(spec, slo)
    good, bad = (other, marked) if ratio.errors else (marked, other)
    series = [
        counter(metric, good, [(s, r * (1 - e)) for s, r, e in phases], end_s, ctx.interval_s)[0],
        counter(metric, bad, [(s, r * e) for s, r, e in phases], end_s, ctx.interval_s)[0],
    ]
    noisy = _noise(base, ratio.exclude, _pairs(ratio.errors or ()))
    if noisy is not None and noisy not in (good, bad):
        series.append(counter(metric, noisy, [(0, REQUEST_RATE)], end_s, ctx.interval_s)[0])
    fine = _noise(base, ratio.exclude, _pairs(ratio.good)) if ratio.good else None
    if fine is not None and fine not in (good, bad, noisy):  # excluded and good
        series.append(counter(metric, fine, [(0, REQUEST_RATE)], end_s, ctx.interval_s)[0])
    return series


def _latency_feed(ctx: Ctx, slo: SLOPlan, phases: Traffic, end_s: int) -> list[InputSeries]:
    spec = ctx.spec
    assert slo.definition is not None and slo.definition.sli.latency is not None
    latency = slo.definition.sli.latency
    metric = sli_metric(spec, slo.definition)
    assert metric is not None and slo.threshold is not None
    bounds = list(spec.metrics[metric].buckets or ())
    at = bounds.index(slo.threshold)
    base = _choose(_base(spec, slo.service), _kept(latency.exclude), ())
    noisy = _noise(_base(spec, slo.service), latency.exclude, ())
    series = []
    for j, le in enumerate([*(fmt(b) for b in bounds), "+Inf"]):
        # cumulative: requests at the threshold count from its bucket on, slow ones after
        rates = [
            (s, (r * (1 - e) if j >= at else Decimal(0)) + (r * e if j > at else Decimal(0)))
            for s, r, e in phases
        ]
        labels = tuple(sorted((*base, ("le", le))))
        series.append(counter(f"{metric}_bucket", labels, rates, end_s, ctx.interval_s)[0])
        if noisy is not None:  # excluded requests: one within the threshold, one slower
            both = [(0, REQUEST_RATE * ((j >= at) + (j > at)))]
            noise = tuple(sorted((*noisy, ("le", le))))
            series.append(counter(f"{metric}_bucket", noise, both, end_s, ctx.interval_s)[0])
    return series


def bad_feed(
    ctx: Ctx, slo: SLOPlan, rate: Decimal, end_s: int, targets: int = 1
) -> list[InputSeries]:
    """The fewest raw series giving a ratio or latency `slo` of its service `rate` events
    per second, every one bad: a ratio's bad counter; a latency SLI's total and threshold
    buckets, the threshold's empty; a gauge SLI `targets` targets at 0 at every sample (a
    sample an event). For the SLO mapping test, which proves whose events a shared rule
    counts; how they are counted (other buckets, exclusions) the SLO tests of the services
    standing for the rule prove."""
    spec = ctx.spec
    assert slo.definition is not None and not copies(spec, slo)
    metric = sli_metric(spec, slo.definition)
    assert metric is not None
    sli = slo.definition.sli
    if sli.gauge is not None:
        chosen = ProbeLabels(app_labels(spec, slo.service), slo, (), targets)
        zeros = held(end_s, ctx.interval_s, 0)
        return [probe_series(metric, labels, zeros) for labels in chosen.targets]
    if sli.ratio is not None:
        marked, other = _sides(spec, slo)
        bad = marked if sli.ratio.errors else other
        return [counter(metric, bad, [(0, rate)], end_s, ctx.interval_s)[0]]
    assert sli.latency is not None and slo.threshold is not None
    base = _choose(_base(spec, slo.service), _kept(sli.latency.exclude), ())
    series = []
    for le, per_s in (("+Inf", rate), (fmt(slo.threshold), Decimal(0))):  # as the rule reads
        labels = tuple(sorted((*base, ("le", le))))
        series.append(counter(f"{metric}_bucket", labels, [(0, per_s)], end_s, ctx.interval_s)[0])
    return series


def slo_feed(ctx: Ctx, slo: SLOPlan, phases: Traffic, end_s: int) -> list[InputSeries]:
    """Raw series giving `slo` of its service the events of `phases` (start second,
    events/s, bad share) up to `end_s`."""
    if copies(ctx.spec, slo):
        if slo.kind == "ratio":
            return requests_feed(ctx, slo.service, phases, end_s)
        assert slo.threshold is not None
        return slow_requests_feed(ctx, slo.service, phases, slo.threshold, end_s)
    if slo.kind == "ratio":
        return _ratio_feed(ctx, slo, phases, end_s)
    if slo.kind == "latency":
        return _latency_feed(ctx, slo, phases, end_s)
    if slo.kind in STAND_IN_KINDS:
        return stand_in_feed(ctx, slo, phases, end_s)
    raise CaseError(f"SLI kind {slo.kind!r} has no test feed")


def stand_in_reads(ctx: Ctx, slo: SLOPlan) -> frozenset[str]:
    """The raw metrics the rules of an SLO fed its recorded rates read: no scenario sharing
    a test group with its scenarios may feed them (its rule would write where the fed
    series are); none for the other kinds."""
    if slo.kind not in STAND_IN_KINDS:
        return frozenset()
    assert slo.definition is not None
    sli = slo.definition.sli
    if sli.promql is not None:
        return promql_sli_metrics(sli.promql)
    metric = sli_metric(ctx.spec, slo.definition)
    assert metric is not None
    return frozenset({metric})


def feeds_metrics(ctx: Ctx, slo: SLOPlan) -> frozenset[str]:
    """The raw metrics a feed of `slo` writes, or that its rules read when it is fed its
    recorded rates (two SLOs of a service touching the same one cannot share a scenario)."""
    if slo.kind in STAND_IN_KINDS:
        return stand_in_reads(ctx, slo)
    return frozenset(s.metric for s in slo_feed(ctx, slo, [(0, REQUEST_RATE, Decimal(0))], 0))


def fed_share(ctx: Ctx, slo: SLOPlan, share: Decimal) -> Decimal:
    """The share of bad events promtool reads when `share` of REQUEST_RATE is fed bad:
    each counter's per-sample increment is rounded on its own (feeds.py); recorded rates
    are fed as they are."""
    if slo.kind in STAND_IN_KINDS:
        return share
    step = ctx.interval_s
    if slo.kind == "latency":  # +Inf bucket less the threshold's bucket
        every = rounded(REQUEST_RATE * step)
        return (every - rounded(REQUEST_RATE * (1 - share) * step)) / every
    good = rounded(REQUEST_RATE * (1 - share) * step)
    bad = rounded(REQUEST_RATE * share * step)
    return bad / (good + bad)
