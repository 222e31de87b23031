"""Rules in the shape Sloth generates (`sloth generate`, prometheus/v1 spec), written here.

Per SLO, three groups, as in slok/sloth `examples/_gen/getting-started.yml`:
- `sloth-slo-sli-recordings-<id>`: `slo:sli_error:ratio_rate<w>` for 5m, 30m, 1h, 2h, 6h,
  1d and 3d, each a ratio of `rate()` over RAW series over that window; and
  `slo:sli_error:ratio_rate30d` = sum_over_time / count_over_time of the 5m ratio.
- `sloth-slo-meta-recordings-<id>`: objective, error budget, period in days, current and
  period burn rate, budget remaining, `sloth_slo_info`.
- `sloth-slo-alerts-<id>`: one page alert (1h/5m at 14.4x or 6h/30m at 6x) and one ticket
  alert (1d/2h at 3x or 3d/6h at 1x), no `for`.
No group sets `interval`, so all evaluate at the global 30 s. Thresholds are printed the
way Sloth does, `(factor * budget)`, but with exact numbers.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import yaml

from bench.rule_cost import slos
from bench.rule_cost.slos import SLO


def _ids(slo: SLO) -> dict[str, str]:
    return {"sloth_id": f"{slo.job}-{slo.kind}", "sloth_service": slo.job, "sloth_slo": slo.kind}


def _sel(slo: SLO) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in _ids(slo).items())


def _common(slo: SLO) -> dict[str, str]:
    """SLO labels: Sloth's ids plus the spec's own labels (owner, tier)."""
    return {"owner": "duri", **_ids(slo), "tier": slo.tier}


def sli_group(slo: SLO) -> dict[str, Any]:
    """SLI recordings: one raw-series ratio per window, plus the 30d average of the 5m one."""
    rules: list[dict[str, Any]] = [
        {
            "record": f"slo:sli_error:ratio_rate{w}",
            "expr": f"({slo.errors(w)})\n/\n({slo.total(w)})\n",
            "labels": dict(sorted({**_common(slo), "sloth_window": w}.items())),
        }
        for w in slos.WINDOWS
    ]
    sel = _sel(slo)
    rules.append(
        {
            "record": "slo:sli_error:ratio_rate30d",
            "expr": (
                f"sum_over_time(slo:sli_error:ratio_rate5m{{{sel}}}[30d])\n"
                f"/ ignoring (sloth_window)\n"
                f"count_over_time(slo:sli_error:ratio_rate5m{{{sel}}}[30d])\n"
            ),
            "labels": {"sloth_window": "30d"},
        }
    )
    return {"name": f"sloth-slo-sli-recordings-{slo.job}-{slo.kind}", "rules": rules}


def meta_group(slo: SLO) -> dict[str, Any]:
    """Metadata recordings: objective, budget, period, burn rates, budget remaining, info."""
    sel, lab = _sel(slo), _common(slo)
    on = "on(sloth_id, sloth_slo, sloth_service) group_left"
    objective = slos.dec((slo.objective / 100).normalize())
    return {
        "name": f"sloth-slo-meta-recordings-{slo.job}-{slo.kind}",
        "rules": [
            {"record": "slo:objective:ratio", "expr": f"vector({objective})", "labels": lab},
            {"record": "slo:error_budget:ratio", "expr": f"vector(1-{objective})", "labels": lab},
            {
                "record": "slo:time_period:days",
                "expr": f"vector({slos.PERIOD_DAYS})",
                "labels": lab,
            },
            {
                "record": "slo:current_burn_rate:ratio",
                "expr": f"slo:sli_error:ratio_rate5m{{{sel}}}\n/ {on}\n"
                f"slo:error_budget:ratio{{{sel}}}\n",
                "labels": lab,
            },
            {
                "record": "slo:period_burn_rate:ratio",
                "expr": f"slo:sli_error:ratio_rate30d{{{sel}}}\n/ {on}\n"
                f"slo:error_budget:ratio{{{sel}}}\n",
                "labels": lab,
            },
            {
                "record": "slo:period_error_budget_remaining:ratio",
                "expr": f"1 - slo:period_burn_rate:ratio{{{sel}}}",
                "labels": lab,
            },
            {
                "record": "sloth_slo_info",
                "expr": "vector(1)",
                "labels": {
                    **lab,
                    "sloth_mode": "cli-gen-prom",
                    "sloth_spec": "prometheus/v1",
                    "sloth_version": "bench",
                },
            },
        ],
    }


def _condition(slo: SLO, alert: slos.BurnAlert) -> str:
    sel = _sel(slo)
    t = f"({slos.dec(alert.factor())} * {slos.dec(slo.budget)})"
    return (
        f"    (slo:sli_error:ratio_rate{alert.short}{{{sel}}} > {t})\n"
        f"    and ignoring (sloth_window)\n"
        f"    (slo:sli_error:ratio_rate{alert.long}{{{sel}}} > {t})\n"
    )


def alert_group(slo: SLO) -> dict[str, Any]:
    """Page and ticket alerts, each the OR of two multiwindow conditions."""
    name = "".join(p.capitalize() for p in f"{slo.job}-{slo.kind}".split("-")) + "SLO"
    rules = []
    for severity in ("page", "ticket"):
        conds = [a for a in slos.BURN_ALERTS if a.severity == severity]
        expr = "\nor ignoring (sloth_window)\n".join(f"(\n{_condition(slo, a)})" for a in conds)
        rules.append(
            {
                "alert": name,
                "expr": expr + "\n",
                "labels": {
                    "category": slo.kind,
                    "severity": slos.SEVERITY[severity],
                    "sloth_severity": severity,
                },
                "annotations": {
                    "summary": f"{slo.job} {slo.kind} SLO error budget burn rate is too fast.",
                    "title": f"({severity}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}}"
                    " SLO error budget burn rate is too fast.",
                },
            }
        )
    return {"name": f"sloth-slo-alerts-{slo.job}-{slo.kind}", "rules": rules}


def rules(slo_list: Sequence[SLO]) -> dict[str, Any]:
    """The whole rule file for these SLOs (DuRi's eight: `slos.all_slos()`)."""
    groups = []
    for slo in slo_list:
        groups += [sli_group(slo), meta_group(slo), alert_group(slo)]
    return {"groups": groups}


def _literal(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Multi-line PromQL as a YAML block scalar, like Sloth's output."""
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    )


def dump(doc: dict[str, Any]) -> str:
    """YAML text of a rule file, multi-line expressions as block scalars."""

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(str, _literal)
    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, width=1000)


def main() -> None:
    """Print (or write with -o) the Sloth-shaped rule file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", help="file to write (default: stdout)")
    args = ap.parse_args()
    text = "# Sloth-shaped SLO rules, generated by bench/rule_cost/sloth_shapes.py\n" + dump(
        rules(slos.all_slos())
    )
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
