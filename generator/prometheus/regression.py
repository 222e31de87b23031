"""Plan regression alerts: a signal worse than `compare` ago by `threshold` percent.

Guards: both now and before must carry at least `min_request_rate` requests/s (low traffic
makes comparisons noise), and a missing past series (new service, lost history) yields no
sample on the offset side, so the alert cannot fire. The error ratio must also be above a
floor (`regression.error_rate_floor`, spec/alerts.py): after a day without errors, any error
would be "higher than before".
"""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus.model import AlertRule, Expr, labels
from generator.prometheus.rules import HUNDRED, ratio
from generator.spec import RegressionMetric, Service, Spec


def regression_alerts(spec: Spec, name: str, service: Service) -> list[AlertRule]:
    """Regression alerts of one service."""
    reg = spec.regression
    if reg is None:
        return []
    sig = spec.signals
    static = labels(service=name, tier=service.tier, severity=reg.severity)
    mine = [("service", "=", name)]
    share = reg.threshold / HUNDRED
    requests = cv.requests_rate(sig.requests)
    guard = {"guard": requests, "min_rate": reg.min_request_rate, "offset": reg.compare}
    floor = ratio(reg.error_floor(spec.baseline))
    pct = fmt(reg.threshold)
    rules = []
    for metric in reg.metrics:
        alert = cv.REGRESSION_NAMES[metric.value]
        floor_now: Decimal | None = None
        if metric is RegressionMetric.latency_p95:
            series, op, factor = cv.quantile(sig.duration, "95"), ">", 1 + share
            what, worse = "p95 latency", f"{pct}% higher"
        elif metric is RegressionMetric.throughput:
            series, op, factor = requests, "<", 1 - share
            what, worse = "request rate", f"{pct}% lower"
        else:
            series, op, factor = cv.error_ratio(sig.requests), ">", 1 + share
            floor_now = floor
            what, worse = "error ratio", f"{pct}% higher"
        args = {"series": series, "op": op, "factor": factor, "floor": floor_now}
        need_now = metric is not RegressionMetric.throughput
        above = f" and above {fmt(floor_now * HUNDRED)}%" if floor_now else ""
        rules.append(
            AlertRule(
                alert=alert,
                expr=Expr("regression", {**args, **guard, "selector": mine, "guard_now": need_now}),
                for_=reg.for_,
                labels=static,
                annotations=labels(
                    summary=f"{name}: {what} {worse} than {reg.compare} ago",
                    description=(
                        f"The {what} of {name} has been at least {worse} than the same time "
                        f"{reg.compare} ago for {reg.for_} (guide: regression threshold {pct}%)."
                    ),
                    runbook_url=cv.runbook(spec.runbook_url, alert),
                ),
                kind="regression",
                threshold=factor,
                direction="above" if op == ">" else "below",
                series=series,
                condition=(
                    f"{what} {worse} than {reg.compare} ago{above}, with at least "
                    f"{fmt(reg.min_request_rate)} req/s {'now and ' if need_now else ''}"
                    f"{reg.compare} ago"
                ),
            )
        )
    return rules
