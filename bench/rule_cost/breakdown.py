"""Where each side's cost goes: by rule group, and ours' rules that read the most samples.

Sloth's groups are one set per SLO (`sloth-slo-sli-recordings-<service>-<slo>` ...), so they
are summed by kind; every other group is its own row. Per row: the median duration of one
evaluation (summed over the row's groups), that x evaluations per minute, the samples its
rule queries load per minute (query stats), and each as a share of the side's total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.rule_cost.measure import Cost

_SLOTH_GROUP = re.compile(r"^(sloth-slo-(?:sli-recordings|meta-recordings|alerts))-.+$")


@dataclass
class Row:
    """One group, or every Sloth group of one kind."""

    name: str
    groups: int = 0
    intervals: frozenset[float] = frozenset()
    ms_per_eval: float = 0.0
    ms_per_min: float = 0.0
    read_per_min: float = 0.0
    evals: int = 0  # fewest evaluations behind a group's median


def _family(group: str) -> str:
    m = _SLOTH_GROUP.match(group)
    return f"{m.group(1)}-*" if m else group


def rows(c: Cost) -> list[Row]:
    """The side's rows, costliest (ms per minute) first."""
    out: dict[str, Row] = {}
    for group, (interval, ms, n) in c.by_group.items():
        row = out.setdefault(_family(group), Row(_family(group), evals=n))
        row.groups += 1
        row.intervals |= {interval}
        row.ms_per_eval += ms
        row.ms_per_min += ms * 60 / interval
        row.read_per_min += c.read_by_group.get(group, 0.0)
        row.evals = min(row.evals, n)
    return sorted(out.values(), key=lambda r: -r.ms_per_min)


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def render(side: str, c: Cost) -> list[str]:
    """Table lines of one side."""
    lines = [
        f"  {side:<6} {'group (groups)':<46}{'every':>6}{'ms/eval':>9}{'ms/min':>9}"
        f"{'share':>6}{'read/min':>14}{'share':>6}{'n':>4}"
    ]
    for r in rows(c):
        every = "/".join(f"{i:g}s" for i in sorted(r.intervals))
        name = f"{r.name} ({r.groups})" if r.groups > 1 else r.name
        lines.append(
            f"  {'':<6} {name:<46}{every:>6}{r.ms_per_eval:>9.1f}{r.ms_per_min:>9.1f}"
            f"{_share(r.ms_per_min, c.ms_per_min):>6}{r.read_per_min:>14,.0f}"
            f"{_share(r.read_per_min, c.read_per_min):>6}{r.evals:>4}"
        )
    return lines


def top_rules(c: Cost, count: int = 8) -> list[str]:
    """The rules whose queries load the most samples per minute, with their share."""
    top = sorted(c.read_by_rule.items(), key=lambda kv: -kv[1])[:count]
    return [f"  {n:>12,.0f} {_share(n, c.read_per_min):>4}  {rule}" for rule, n in top]
