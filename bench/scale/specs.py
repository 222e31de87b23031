"""Synthetic specs of N services, built from spec/duri.yaml so every section is exercised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
HEALTH_CHECKS = [{"label": "endpoint", "op": "=~", "value": "/health.*"}]


def spec_data(n: int, exclude_health: bool = False) -> dict[str, Any]:
    """spec/duri.yaml with its four services replaced by `n` services across its tiers; with
    `exclude_health`, both SLOs leave health checks out, so they read raw series of their own
    instead of copying the recorded rates (prometheus/slo_sli.py)."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "spec" / "duri.yaml").read_text())
    tiers = sorted(data["tiers"])
    template = next(iter(data["services"].values()))
    services = {}
    for i in range(n):
        name = f"svc-{i:04d}"
        services[name] = {
            **template,
            "tier": tiers[i % len(tiers)],
            "description": f"synthetic service {i}",
            "selector": {"job": name},
            "container": {"name": name.replace("-", "_")},
            "targets": [f"{name}:8080"],
        }
    data["services"] = services
    if exclude_health:
        data["slos"]["availability"]["sli"]["ratio"]["exclude"] = HEALTH_CHECKS
        data["slos"]["latency"]["sli"]["latency"]["exclude"] = HEALTH_CHECKS
    return data


def write_spec(path: Path, n: int, exclude_health: bool = False) -> Path:
    """Write the spec of `n` services to `path`."""
    path.write_text(yaml.safe_dump(spec_data(n, exclude_health), sort_keys=False))
    return path
