"""The kind-specific layer of the SLO rules: each SLI kind's bad and total event rates over
5m, the only SLO rules that read raw or per-service data (docs/slo.md). Everything above
them (windows, ratios, burn rates, budgets, alerts) is the same for every kind.

- ratio: a counter's events minus excluded ones; bad ones by `errors` (or all but `good`);
- latency: a histogram's events (le="+Inf") minus those in the threshold's bucket;
- gauge: every sample of a 0/1 gauge is an event, bad at 0: samples over 5m per second,
  and those less the sum of their values, of the service's series as its ratio's are read;
- promql: the user's two rates, `$selector` expanded (slo_promql.py), each summed.
Where the SLI is exactly what the per-service recording rules already hold (the requests
counter with the services' error matchers, the duration histogram, nothing excluded), the
SLO copies those series instead of reading the raw ones again. A ratio or latency SLI of
its own (another metric, `exclude`) and a gauge SLI read the raw series of a service
selected by its scrape job through the `service` label that job puts on them, summed by
service and tier (ingestion.py): one rule then serves every service alike
(slo_sharing.py). A service selected some other way is read through its selector, summed
to one series.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt, parse_duration
from generator.prometheus.ingestion import INGESTED, reads_by_job
from generator.prometheus.model import Expr
from generator.prometheus.rules import SERVICE_TEMPLATE
from generator.prometheus.slo_model import SLOPlan
from generator.prometheus.slo_promql import promql_rates
from generator.spec import Matcher, Spec, request_errors, sli_metric

Matchers = list[tuple[str, str, str]]
_NEGATED = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}
WINDOW = "5m"


def le_matcher(threshold: Decimal) -> tuple[str, str, str]:
    """Match the bucket whose upper bound is `threshold` however the client printed it:
    Go prints 1 as "1", Python clients and Prometheus 3 as "1.0"."""
    text = fmt(threshold)
    if "." in text:
        return ("le", "=", text)
    return ("le", "=~", f"{text}|{text}\\.0")


def pairs(matchers: Sequence[Matcher]) -> Matchers:
    """Spec matchers as (label, op, value)."""
    return [(m.label, m.op, m.value) for m in matchers]


def excluded(matchers: Sequence[Matcher]) -> Matchers:
    """Matchers keeping every event no `exclude` matcher selects (each one negated)."""
    return [(m.label, _NEGATED[m.op], m.value) for m in matchers]


def app_selector(spec: Spec, service: str) -> Matchers:
    """The service's own selector on raw series, sorted by label."""
    return [(k, "=", v) for k, v in sorted(spec.services[service].selector.items())]


def own_events(spec: Spec, service: str) -> tuple[Matchers, list[str]]:
    """Where a ratio, latency or gauge SLI reads the service's raw series, and what it sums
    them by: the `service` its scrape job puts on them, by service and tier, when it is selected
    by job (and for the stand-in service of shared rules, slo_sharing.py); else its
    selector, into one series."""
    if service == SERVICE_TEMPLATE or reads_by_job(spec.services[service]):
        return [("service", "=", service)], list(INGESTED)
    return app_selector(spec, service), []


def sli_exprs(spec: Spec, slo: SLOPlan) -> tuple[Expr, Expr]:
    """The bad and the total event rates (per second, over 5m) of one SLO of one service."""
    assert slo.definition is not None
    sli = slo.definition.sli
    mine = [("service", "=", slo.service)]
    metric = sli_metric(spec, slo.definition)
    if sli.ratio is not None:
        assert metric is not None
        ratio = sli.ratio
        if (
            metric == spec.signals.requests
            and not ratio.exclude
            and ratio.errors == (request_errors(spec))
        ):
            return (
                Expr("slo_copy", {"series": cv.errors_rate(metric), "selector": mine}),
                Expr("slo_copy", {"series": cv.requests_rate(metric), "selector": mine}),
            )
        where, by = own_events(spec, slo.service)
        every = [*where, *excluded(ratio.exclude)]
        total = Expr("sum_rate", {"metric": metric, "selector": every, "window": WINDOW, "by": by})
        if ratio.errors:
            bad = [*every, *pairs(ratio.errors)]
            errors = Expr(
                "sum_rate_or_zero_while",
                {"metric": metric, "selector": bad, "window": WINDOW, "present": every, "by": by},
            )
        else:
            good = [*every, *pairs(ratio.good or ())]
            errors = Expr(
                "slo_rate_not_good",
                {"metric": metric, "total": every, "good": good, "window": WINDOW, "by": by},
            )
        return errors, total
    if sli.latency is not None:
        assert metric is not None and slo.threshold is not None
        latency = sli.latency
        if metric == spec.signals.duration and not latency.exclude:
            buckets = cv.bucket_rate(metric)
            every = [*mine, ("le", "=", "+Inf")]
            return (
                Expr(
                    "slo_bucket_excess",
                    {"series": buckets, "total": every, "good": [*mine, le_matcher(slo.threshold)]},
                ),
                Expr("slo_sum", {"series": buckets, "selector": every}),
            )
        where, by = own_events(spec, slo.service)
        kept = [*where, *excluded(latency.exclude)]
        every = [*kept, ("le", "=", "+Inf")]
        bucket = f"{metric}_bucket"
        return (
            Expr(
                "slo_rate_bucket_excess",
                {
                    "metric": bucket,
                    "total": every,
                    "good": [*kept, le_matcher(slo.threshold)],
                    "window": WINDOW,
                    "by": by,
                },
            ),
            Expr("sum_rate", {"metric": bucket, "selector": every, "window": WINDOW, "by": by}),
        )
    if sli.gauge is not None:
        assert metric is not None
        where, by = own_events(spec, slo.service)
        every = [*where, *excluded(sli.gauge.exclude)]
        seconds = Decimal(parse_duration(WINDOW) // 1000)
        args = {"metric": metric, "selector": every, "window": WINDOW, "seconds": seconds, "by": by}
        return Expr("slo_gauge_zeros", args), Expr("slo_gauge_samples", args)
    assert sli.promql is not None
    errors_text, total_text = promql_rates(spec, sli.promql, slo.service)
    return (
        Expr("slo_sum_or_zero_while", {"expr": errors_text, "present": total_text}),
        Expr("slo_sum_of", {"expr": total_text}),
    )
