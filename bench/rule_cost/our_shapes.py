"""Reference rule set in the shape issue 3 asks obsgen to generate, for the benchmark.

obsgen will write the real one to `out/prometheus/rules/slo.yml`; this one keeps the
benchmark runnable before then and documents the shape being measured:
- raw series are read only over 5m: per SLO `slo:sli_errors:rate5m` and
  `slo:sli_requests:rate5m` (labels `service`, `slo`);
- every longer window is a ratio of sums of those recorded series,
  `sum_over_time(errors[w]) / sum_over_time(requests[w])` (not an average of ratios, not a
  rate over days of raw series);
- groups whose windows move slowly evaluate less often than the global 30 s, while staying
  under the 5m lookback so nothing goes stale: 1m for 2h/6h, 4m for 1d/3d and the period;
- page (1h/5m at 14.4x or 6h/30m at 6x) and ticket (1d/2h at 3x or 3d/6h at 1x) alerts
  with the labels obsgen uses (`severity`, `service`, `slo`, `tier`), no `for`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from bench.rule_cost import slos
from bench.rule_cost.slos import SLO
from bench.rule_cost.sloth_shapes import dump

ERRORS = "slo:sli_errors:rate5m"
REQUESTS = "slo:sli_requests:rate5m"
# Window groups: (name, interval, windows). 5m, 30m and 1h feed the page alert: every cycle.
WINDOW_GROUPS = (
    ("slo-sli-windows-fast", "30s", ("30m", "1h")),
    ("slo-sli-windows-medium", "1m", ("2h", "6h")),
    ("slo-sli-windows-slow", "4m", ("1d", "3d")),
)
SLOW_INTERVAL = "4m"


def _labels(slo: SLO) -> dict[str, str]:
    return {"service": slo.job, "slo": slo.kind}


def _sel(slo: SLO) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in _labels(slo).items())


def ratio(w: str) -> str:
    """Name of the error-ratio recording over window `w`."""
    return f"slo:sli_error:ratio_rate{w}"


def rates_group(slo_list: Sequence[SLO]) -> dict[str, Any]:
    """The only rules that read raw series, and only over 5m."""
    rules = []
    for slo in slo_list:
        rules.append({"record": ERRORS, "expr": slo.errors("5m"), "labels": _labels(slo)})
        rules.append({"record": REQUESTS, "expr": slo.total("5m"), "labels": _labels(slo)})
    return {"name": "slo-sli-rates", "interval": "30s", "rules": rules}


def fast_group(slo_list: Sequence[SLO]) -> dict[str, Any]:
    """5m ratio and current burn rate, every cycle."""
    rules = []
    for slo in slo_list:
        s = _sel(slo)
        rules.append(
            {
                "record": ratio("5m"),
                "expr": f"{ERRORS}{{{s}}} / {REQUESTS}{{{s}}}",
                "labels": _labels(slo),
            }
        )
        rules.append(
            {
                "record": "slo:current_burn_rate:ratio",
                "expr": f"{ratio('5m')}{{{s}}} / {slos.dec(slo.budget)}",
                "labels": _labels(slo),
            }
        )
    return {"name": "slo-sli-current", "interval": "30s", "rules": rules}


def window_group(
    slo_list: Sequence[SLO], name: str, interval: str, windows: tuple[str, ...]
) -> dict[str, Any]:
    """Ratio of sums of the recorded 5m rates over each window."""
    rules = []
    for slo in slo_list:
        s = _sel(slo)
        for w in windows:
            rules.append(
                {
                    "record": ratio(w),
                    "expr": f"sum_over_time({ERRORS}{{{s}}}[{w}])\n"
                    f"/\nsum_over_time({REQUESTS}{{{s}}}[{w}])\n",
                    "labels": _labels(slo),
                }
            )
    return {"name": name, "interval": interval, "rules": rules}


def period_group(slo_list: Sequence[SLO]) -> dict[str, Any]:
    """Period ratio, burn rate and budget remaining, plus the constant metadata."""
    rules: list[dict[str, Any]] = []
    for slo in slo_list:
        s, lab = _sel(slo), _labels(slo)
        period = f"{slos.PERIOD_DAYS}d"
        objective = slos.dec((slo.objective / 100).normalize())
        rules += [
            {
                "record": ratio(period),
                "expr": f"sum_over_time({ERRORS}{{{s}}}[{period}])\n"
                f"/\nsum_over_time({REQUESTS}{{{s}}}[{period}])\n",
                "labels": lab,
            },
            {
                "record": "slo:period_burn_rate:ratio",
                "expr": f"{ratio(period)}{{{s}}} / {slos.dec(slo.budget)}",
                "labels": lab,
            },
            {
                "record": "slo:period_error_budget_remaining:ratio",
                "expr": f"1 - slo:period_burn_rate:ratio{{{s}}}",
                "labels": lab,
            },
            {"record": "slo:objective:ratio", "expr": f"vector({objective})", "labels": lab},
            {
                "record": "slo:error_budget:ratio",
                "expr": f"vector({slos.dec(slo.budget)})",
                "labels": lab,
            },
            {
                "record": "slo:info",
                "expr": "vector(1)",
                "labels": {**lab, "tier": slo.tier, "objective": objective, "period": period},
            },
        ]
    return {"name": "slo-period", "interval": SLOW_INTERVAL, "rules": rules}


def _condition(slo: SLO, alert: slos.BurnAlert) -> str:
    s, t = _sel(slo), slos.dec(slos.threshold(alert, slo))
    return f"({ratio(alert.short)}{{{s}}} > {t}\n and\n {ratio(alert.long)}{{{s}}} > {t})"


def alerts_group(slo_list: Sequence[SLO]) -> dict[str, Any]:
    """Page and ticket alerts per SLO."""
    rules = []
    for slo in slo_list:
        for severity in ("page", "ticket"):
            conds = [a for a in slos.BURN_ALERTS if a.severity == severity]
            name = f"SLOErrorBudgetBurn{'Page' if severity == 'page' else 'Ticket'}"
            rules.append(
                {
                    "alert": name,
                    "expr": "\nor\n".join(_condition(slo, a) for a in conds) + "\n",
                    "labels": {
                        "severity": slos.SEVERITY[severity],
                        **_labels(slo),
                        "tier": slo.tier,
                    },
                    "annotations": {
                        "summary": f"{slo.job} is burning its {slo.kind} error budget too fast.",
                        "description": "Error ratio {{ $value }} over the alert windows.",
                        "runbook_url": "https://runbooks.duri.example/performance#" + name.lower(),
                    },
                }
            )
    return {"name": "slo-alerts", "interval": "30s", "rules": rules}


def rules(slo_list: Sequence[SLO]) -> dict[str, Any]:
    """The whole reference rule file for these SLOs."""
    groups = [rates_group(slo_list), fast_group(slo_list)]
    groups += [window_group(slo_list, *g) for g in WINDOW_GROUPS]
    groups += [period_group(slo_list), alerts_group(slo_list)]
    return {"groups": groups}


def main() -> None:
    """Print (or write with -o) the reference rule file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", help="file to write (default: stdout)")
    args = ap.parse_args()
    text = "# Reference SLO rules (obsgen shape), from bench/rule_cost/our_shapes.py\n"
    text += dump(rules(slos.all_slos()))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
