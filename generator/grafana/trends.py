"""The service dashboard's weekly-review row (the guide's 정기 성능 검토): the last
`dashboards.trend_range` of `dashboards.trend_step` means of latency, throughput, errors and
resources, against the spec's targets and baselines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.grafana.model import REFERENCE, TARGET
from generator.grafana.panels import Layout, Matchers, constant, grafana_range, panel, seconds_text
from generator.grafana.replicas import replica_legend
from generator.prometheus import Expr, ratio
from generator.spec import Spec


def _trend(name: str, selector: Matchers) -> Expr:
    return Expr("trend", {"series": name, "selector": selector, "step": "$__interval"})


def trend_row(spec: Spec, layout: Layout, mine: Matchers) -> None:
    """The weekly-review row: `trend_range` of `trend_step` means against targets and
    baselines."""
    sig, board = spec.signals, spec.dashboards
    window = grafana_range(board.trend_range)
    step = grafana_range(board.trend_step)
    base, goal = spec.baseline, spec.targets
    layout.row(f"Weekly review: last {window}, {step} means", "trend", 7)
    common: dict[str, Any] = {
        "w": 12,
        "h": 8,
        "time_from": window,
        "interval": step,
        "min": Decimal(0),
    }
    latency_lines, rate_lines, error_lines, resource_lines = [], [], [], []
    if goal:
        latency_lines.append(
            (constant(goal.latency_p95), f"target p95 {seconds_text(goal.latency_p95)}", TARGET)
        )
        rate_lines.append(
            (constant(goal.throughput), f"target {fmt(goal.throughput)} req/s", TARGET)
        )
        resource_lines += [
            (constant(ratio(goal.cpu)), f"target CPU {fmt(goal.cpu)}%", TARGET),
            (constant(ratio(goal.memory)), f"target memory {fmt(goal.memory)}%", TARGET),
        ]
    if base:
        latency_lines.append(
            (
                constant(base.latency_p95),
                f"baseline p95 {seconds_text(base.latency_p95)}",
                REFERENCE,
            )
        )
        rate_lines.append(
            (constant(base.throughput), f"baseline {fmt(base.throughput)} req/s", REFERENCE)
        )
        error_lines.append(
            (constant(ratio(base.error_rate)), f"baseline {fmt(base.error_rate)}%", REFERENCE)
        )
        resource_lines += [
            (constant(ratio(base.cpu)), f"baseline CPU {fmt(base.cpu)}%", REFERENCE),
            (constant(ratio(base.memory)), f"baseline memory {fmt(base.memory)}%", REFERENCE),
        ]
    layout.add(
        panel(
            "trend.latency",
            "timeseries",
            "Response time trend (p95)",
            [(_trend(cv.quantile(sig.duration, "95"), mine), "p95")],
            unit="s",
            references=latency_lines,
            **common,
        ),
        panel(
            "trend.throughput",
            "timeseries",
            "Throughput trend",
            [(_trend(cv.requests_rate(sig.requests), mine), "requests/s")],
            unit="reqps",
            references=rate_lines,
            **common,
        ),
        panel(
            "trend.errors",
            "timeseries",
            "Error rate trend",
            [(_trend(cv.error_ratio(sig.requests), mine), "errors")],
            unit="percentunit",
            references=error_lines,
            **common,
        ),
        panel(
            "trend.resources",
            "timeseries",
            "Resource usage trend (of limits)",
            [
                (_trend(cv.CONTAINER_CPU_UTILISATION, mine), replica_legend(spec, "CPU")),
                (_trend(cv.CONTAINER_MEMORY_UTILISATION, mine), replica_legend(spec, "memory")),
            ],
            unit="percentunit",
            references=resource_lines,
            **common,
        ),
    )
