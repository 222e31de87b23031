"""The printed result: cost table, alert decisions, data shape and the exact commands."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from bench.rule_cost import slos
from bench.rule_cost.measure import Cost
from bench.rule_cost.synth import EXPECTED_ALERTS


@dataclass
class Result:
    """Everything the report prints."""

    data: list[str]
    rules: dict[str, str]  # side -> description of its rule files
    cost: dict[str, Cost]  # "sloth" / "ours"
    alerts: dict[str, dict[tuple[str, str, str], str]]
    ratios: dict[str, tuple[int, float, str]] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)


def _row(label: str, s: float, o: float, fmt: str = "{:,.1f}") -> str:
    ratio = f"{s / o:,.1f}x" if o else "n/a"
    return f"  {label:<42}{fmt.format(s):>14}{fmt.format(o):>12}{ratio:>12}"


def render(r: Result) -> str:
    """Plain-text report."""
    s, o = r.cost["sloth"], r.cost["ours"]
    lines = ["", "== rule_cost: Sloth-shaped vs our SLO rules, same data, real Prometheus ==", ""]
    lines += ["Data:"] + [f"  {d}" for d in r.data]
    lines += ["Rules:"] + [f"  {k:<6} {v}" for k, v in r.rules.items()]
    lines += ["", f"  {'':<42}{'Sloth shapes':>14}{'ours':>12}{'Sloth/ours':>12}"]
    lines += [
        _row("rule evaluation ms per minute of wall time", s.ms_per_min, o.ms_per_min),
        _row("  min over polls", s.spread[0], o.spread[0]),
        _row("  max over polls", s.spread[1], o.spread[1]),
        _row("ms per 30 s cycle (amortised)", s.ms_per_cycle, o.ms_per_cycle),
        _row("ms for one evaluation of every group", s.ms_all_groups, o.ms_all_groups),
        _row("Prometheus process CPU ms per minute", s.cpu_ms_per_min, o.cpu_ms_per_min),
        _row(
            "output samples per 30 s cycle (amortised)",
            s.samples_per_cycle,
            o.samples_per_cycle,
            "{:,.0f}",
        ),
    ]
    if s.read_per_min and o.read_per_min:
        lines.append(
            _row("samples read per minute (query stats)", s.read_per_min, o.read_per_min, "{:,.0f}")
        )
    lines += [
        f"  {'rule groups / rules / evaluations measured':<42}"
        f"{f'{s.groups}/{s.rules}/{s.evals}':>14}{f'{o.groups}/{o.rules}/{o.evals}':>12}",
        f"  {'machine load average at the end':<42}{s.loadavg:>14.2f}{o.loadavg:>12.2f}",
        "",
        "SLO alerts at the same moment (pending or firing):",
    ]
    keys = sorted(r.alerts["sloth"].keys() | r.alerts["ours"].keys() | EXPECTED_ALERTS)
    lines.append(
        f"  {'service / slo / severity':<42}{'Sloth':>14}{'ours':>12}{'same':>12}{'by design':>11}"
    )
    same = 0
    for k in keys:
        a, b = r.alerts["sloth"].get(k, "-"), r.alerts["ours"].get(k, "-")
        agree = (a == "-") == (b == "-")
        same += agree
        expected = "active" if k in EXPECTED_ALERTS else "-"
        lines.append(
            f"  {' / '.join(k):<42}{a:>14}{b:>12}{'yes' if agree else 'NO':>12}{expected:>11}"
        )
    verdict = "yes" if same == len(keys) else "NO"
    lines.append(
        f"  same alert decisions: {verdict} ({same} of {len(keys)} rows agree; every other"
        " SLO x severity is inactive in both)"
    )
    if r.ratios:
        lines += [
            "",
            "Error ratios: ours' recorded value vs rate() over the raw series at the same",
            "timestamp, largest difference in burn-rate units (x error budget; the alert",
            "thresholds are 1, 3, 6, 14.4). Ours reads 5m rates recorded up to an interval",
            "earlier, each covering the 5 min before it, so a ratio still moving (the duri-core",
            "outage) lags by a few minutes; the 5m window also feels the error-count noise.",
        ]
        for w in slos.WINDOWS:
            if w in r.ratios:
                n, worst, where = r.ratios[w]
                lines.append(f"  {w:>4}: {n} SLOs, {worst:.3f}x  ({where})")
    lines += ["", "Most expensive groups (median ms per evaluation, interval, evaluations):"]
    for side, c in (("Sloth", s), ("ours", o)):
        top = sorted(c.by_group.items(), key=lambda kv: -kv[1][1])[:4]
        lines += [
            f"  {side:<6} {name}: {ms:.1f} ms every {iv:g}s (n={n})" for name, (iv, ms, n) in top
        ]
    for side, c in (("Sloth", s), ("ours", o)):
        if c.missing:
            lines.append(f"  WARNING: {side} groups never evaluated: {', '.join(c.missing)}")
    lines += ["", "Commands:"] + [f"  {c}" for c in r.commands] + [""]
    return "\n".join(lines)


def to_json(r: Result) -> str:
    """Every figure as JSON (alert keys joined with '/')."""
    doc = asdict(r)
    doc["alerts"] = {side: {"/".join(k): v for k, v in a.items()} for side, a in r.alerts.items()}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
