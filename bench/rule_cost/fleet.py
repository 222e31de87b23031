"""N synthetic services (`--services N`): bench.scale's spec, obsgen's rules for it, the SLOs
Sloth's shapes get, and the traffic that serves them.

- Spec: `bench.scale.specs.write_spec(path, N)`: services svc-0000.. copied from DuRi's first
  service, each with `selector: {job: <name>}`, tiers brain, control, core, evolution in turn.
- Ours: `python -m generator generate <spec> --out <tmp>`, its `prometheus/rules/slo.yml`.
- Sloth's SLOs: read from that same spec, as obsgen reads it: every SLO of `slos` covers
  every service (the spec scopes none), objective `tier` is the service's tier's
  availability. Only what the traffic serves is accepted: `availability` = 5xx of the
  requests counter, `latency` = duration buckets at 0.5 s, 30d periods, default signals;
  anything else is an error, not a silent mismatch. The rules ours loads are fully shared
  (no per-service rule to read SLOs from), so the run checks these SLOs against the
  `slo:objective:info` series ours records, per service (measure.objectives).
- Traffic: each service like DuRi's service of its tier (request rate, baseline error and
  slow shares; duri.py), with its first ENDPOINTS endpoints (shares renormalised), GET only:
  8 label sets (88 series) per service against DuRi's 32, so 100 services stay affordable.
  Fewer raw series per service favour Sloth's shapes (they read raw series over every
  window; ours reads them over 5m only), so the ratio is not flattered by this.
- Incidents: duri.py's, on the first service of each tier in every block of INCIDENT_EVERY
  services from svc-0000 (at 100 services 5 blocks: 5 pages and 10 tickets expected active
  among 400 service x SLO x severity, the rest inactive).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.rule_cost import backfill, duri, slos
from bench.rule_cost.slos import SLO
from bench.rule_cost.synth import AlertKey, Incident, Model, Service

REPO = Path(__file__).resolve().parents[2]
ENDPOINTS = 2
METHODS = (("GET", 1.0),)
INCIDENT_EVERY = 20
PERIOD = f"{slos.PERIOD_DAYS}d"
# the only SLIs the traffic serves, as the spec writes them (docs/slo.md)
SLIS: dict[str, dict[str, Any]] = {
    "availability": {"ratio": {"errors": [{"label": "status", "op": "=~", "value": "5.."}]}},
    "latency": {"latency": {"threshold": float(slos.LATENCY_LE)}},
}
SLO_KEYS = {"sli", "objective", "period", "min_events"}


def generate(spec: Path, out: Path, log: list[str]) -> Path:
    """obsgen's rules for the spec, generated into `out`; returns its slo.yml."""
    cmd = [sys.executable, "-m", "generator", "generate", str(spec), "--out", str(out)]
    backfill.run(cmd, log, {"PYTHONPATH": str(REPO)})
    return out / "prometheus" / "rules" / "slo.yml"


def _objective(name: str, slo: dict[str, Any], tier: dict[str, Any]) -> Decimal:
    """An SLO's objective (percent) for a service of `tier`; ValueError if not served."""
    if SLIS.get(name) != slo.get("sli") or slo.get("period") != PERIOD or set(slo) - SLO_KEYS:
        raise ValueError(
            f"spec SLO {name!r}: the traffic model serves only {', '.join(SLIS)} "
            f"as spec/duri.yaml defines them ({PERIOD}, every service)"
        )
    value = tier["availability"] if slo["objective"] == "tier" else slo["objective"]
    return Decimal(str(value))


def spec_slos(data: dict[str, Any]) -> tuple[SLO, ...]:
    """Every service's SLOs as the spec defines them, in spec order."""
    if data.get("version") != 2 or "signals" in data:
        raise ValueError("only version 2 specs with the default signals are modelled")
    out = []
    for name, svc in data["services"].items():
        if svc.get("selector") != {"job": name}:
            raise ValueError(f"service {name}: the traffic model names its job after it")
        tier = data["tiers"][svc["tier"]]
        for slo_name, slo in data["slos"].items():
            out.append(SLO(name, slo_name, _objective(slo_name, slo, tier), svc["tier"]))
    return tuple(out)


def _service(name: str, tier: str) -> Service:
    """A service like DuRi's of the same tier, with fewer endpoints."""
    like = next((s for s in duri.SERVICES if s.tier == tier), None)
    if like is None:
        raise ValueError(f"service {name}: no DuRi service of tier {tier!r} to model it on")
    endpoints = like.endpoints[:ENDPOINTS]
    total = sum(share for _, share in endpoints)
    return Service(
        name,
        tier,
        like.rps,
        tuple((e, share / total) for e, share in endpoints),
        like.error_share,
        like.slow_share,
    )


def _incidents(services: tuple[Service, ...]) -> tuple[tuple[Incident, ...], set[AlertKey]]:
    """DuRi's incidents and expected alerts, repeated on every block of INCIDENT_EVERY."""
    incidents: list[Incident] = []
    expected: set[AlertKey] = set()
    for first in range(0, len(services), INCIDENT_EVERY):
        block = services[first : first + INCIDENT_EVERY]
        stand_in = {}  # DuRi job -> the block's first service of its tier
        for d in duri.SERVICES:
            job = next((s.job for s in block if s.tier == d.tier), None)
            if job is not None:
                stand_in[d.job] = job
        incidents += [replace(i, job=stand_in[i.job]) for i in duri.INCIDENTS if i.job in stand_in]
        expected |= {(stand_in[j], o, sev) for j, o, sev in duri.EXPECTED_ALERTS if j in stand_in}
    return tuple(incidents), expected


def model(data: dict[str, Any]) -> Model:
    """The traffic model and SLOs of a spec's services."""
    services = tuple(_service(name, svc["tier"]) for name, svc in data["services"].items())
    incidents, expected = _incidents(services)
    return Model(services, METHODS, incidents, frozenset(expected), spec_slos(data))
