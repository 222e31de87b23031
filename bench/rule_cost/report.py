"""The printed result: cost table, alert decisions, data shape and the exact commands."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from bench.rule_cost import breakdown, slos
from bench.rule_cost.measure import Cost
from bench.rule_cost.synth import AlertKey


@dataclass
class Result:
    """Everything the report prints."""

    data: list[str]
    rules: dict[str, str]  # side -> description of its rule files
    cost: dict[str, Cost]  # "sloth" / "ours"
    alerts: dict[str, dict[AlertKey, str]]
    expected: frozenset[AlertKey]  # what the traffic model makes active
    slo_check: str = ""  # the SLOs Sloth's shapes got vs those ours records
    idle_cpu_ms_per_min: float = 0.0  # a rule-less server on the same data and scrapes
    ratios: dict[str, tuple[int, float, str]] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)


def _row(label: str, s: float, o: float, fmt: str = "{:,.1f}") -> str:
    ratio = f"{s / o:,.1f}x" if o > 0 else "n/a"
    return f"  {label:<42}{fmt.format(s):>14}{fmt.format(o):>12}{ratio:>12}"


def _cost(r: Result) -> list[str]:
    """The cost table."""
    s, o = r.cost["sloth"], r.cost["ours"]
    lines = [
        f"  {'':<42}{'Sloth shapes':>14}{'ours':>12}{'Sloth/ours':>12}",
        _row("rule evaluation ms per minute of wall time", s.ms_per_min, o.ms_per_min),
        _row("  min over polls", s.spread[0], o.spread[0]),
        _row("  max over polls", s.spread[1], o.spread[1]),
        _row("ms per 30 s cycle (amortised)", s.ms_per_cycle, o.ms_per_cycle),
        _row("ms for one evaluation of every group", s.ms_all_groups, o.ms_all_groups),
        _row("Prometheus process CPU ms per minute", s.cpu_ms_per_min, o.cpu_ms_per_min),
    ]
    idle = r.idle_cpu_ms_per_min
    if idle:
        label = f"  above a rule-less server's {idle:,.0f}"
        lines.append(_row(label, s.cpu_ms_per_min - idle, o.cpu_ms_per_min - idle))
    lines.append(
        _row(
            "output samples per 30 s cycle (amortised)",
            s.samples_per_cycle,
            o.samples_per_cycle,
            "{:,.0f}",
        )
    )
    if s.read_per_min and o.read_per_min:
        lines.append(
            _row("samples read per minute (query stats)", s.read_per_min, o.read_per_min, "{:,.0f}")
        )
    lines += [
        f"  {'rule groups / rules / evaluations measured':<42}"
        f"{f'{s.groups}/{s.rules}/{s.evals}':>14}{f'{o.groups}/{o.rules}/{o.evals}':>12}",
        f"  {'machine load average at the end':<42}{s.loadavg:>14.2f}{o.loadavg:>12.2f}",
    ]
    cores = os.cpu_count() or 1
    if max(s.loadavg, o.loadavg) > cores:
        lines += [
            f"  WARNING: load average above the {cores} cores: the ms rows (wall time) include",
            "  waiting for a CPU, the more so the more groups evaluate at once (Sloth's: three",
            "  per SLO). The CPU and samples-read rows do not.",
        ]
    return lines


def _alerts(r: Result) -> list[str]:
    """Active alerts of both sides, and whether they agree."""
    keys = sorted(r.alerts["sloth"].keys() | r.alerts["ours"].keys() | r.expected)
    lines = [
        "SLO alerts at the same moment (pending or firing):",
        f"  {'service / slo / severity':<42}{'Sloth':>14}{'ours':>12}{'same':>12}{'by design':>11}",
    ]
    same = 0
    for k in keys:
        a, b = r.alerts["sloth"].get(k, "-"), r.alerts["ours"].get(k, "-")
        agree = (a == "-") == (b == "-")
        same += agree
        expected = "active" if k in r.expected else "-"
        lines.append(
            f"  {' / '.join(k):<42}{a:>14}{b:>12}{'yes' if agree else 'NO':>12}{expected:>11}"
        )
    verdict = "yes" if same == len(keys) else "NO"
    lines.append(
        f"  same alert decisions: {verdict} ({same} of {len(keys)} rows agree; every other"
        " SLO x severity is inactive in both)"
    )
    return lines


def _ratios(r: Result) -> list[str]:
    """How far ours' recorded error ratios are from the exact ones."""
    lines = [
        "Error ratios: ours' recorded value vs rate() over the raw series at the same",
        "timestamp, largest difference in burn-rate units (x error budget; the alert",
        "thresholds are 1, 3, 6, 14.4). Ours reads 5m rates recorded up to an interval",
        "earlier, each covering the 5 min before it, so a ratio still moving (the ongoing",
        "outage of the core services) lags by a few minutes; the 5m window also feels the",
        "error-count noise.",
    ]
    for w in slos.WINDOWS:
        if w in r.ratios:
            n, worst, where = r.ratios[w]
            lines.append(f"  {w:>4}: {n} SLOs, {worst:.3f}x  ({where})")
    return lines


def _groups(r: Result) -> list[str]:
    """Where each side's cost goes."""
    s, o = r.cost["sloth"], r.cost["ours"]
    lines = [
        "Cost by rule group (ms/eval: median of one evaluation, summed over the row's groups;",
        "ms/min: x evaluations per minute; read/min: samples loaded per minute, query stats;",
        "n: fewest evaluations behind a median):",
        *breakdown.render("Sloth", s),
        *breakdown.render("ours", o),
    ]
    if o.read_by_rule:
        lines += ["", "ours' rules loading the most samples per minute:", *breakdown.top_rules(o)]
    for side, c in (("Sloth", s), ("ours", o)):
        if c.missing:
            lines.append(f"  WARNING: {side} groups never evaluated: {', '.join(c.missing)}")
    return lines


def render(r: Result) -> str:
    """Plain-text report."""
    lines = ["", "== rule_cost: Sloth-shaped vs our SLO rules, same data, real Prometheus ==", ""]
    lines += ["Data:"] + [f"  {d}" for d in r.data]
    lines += ["Rules:"] + [f"  {k:<6} {v}" for k, v in r.rules.items()]
    if r.slo_check:
        lines += ["SLOs:", f"  {r.slo_check}"]
    lines += ["", *_cost(r), "", *_alerts(r)]
    if r.ratios:
        lines += ["", *_ratios(r)]
    lines += ["", *_groups(r), "", "Commands:", *(f"  {c}" for c in r.commands), ""]
    return "\n".join(lines)


def slo_check(slo_list: Sequence[slos.SLO], recorded: dict[tuple[str, str], Decimal]) -> str:
    """The SLOs given to Sloth's shapes against the `slo:objective:info` ours records."""
    given = {(s.job, s.kind): s.objective for s in slo_list}
    if not recorded:
        return f"{len(given)} (service, SLO, objective) given to both; ours has no objective info"
    same = sum(recorded.get(k) == v for k, v in given.items())
    verdict = "yes" if same == len(given) == len(recorded) else "NO"
    return (
        f"{len(given)} (service, SLO, objective) given to Sloth's shapes, {len(recorded)} in "
        f"ours' slo:objective:info series; same: {verdict} ({same} agree)"
    )


def to_json(r: Result) -> str:
    """Every figure as JSON (alert keys joined with '/')."""
    doc = asdict(r)
    doc["alerts"] = {side: {"/".join(k): v for k, v in a.items()} for side, a in r.alerts.items()}
    doc["expected"] = sorted("/".join(k) for k in r.expected)
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
