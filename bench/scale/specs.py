"""Synthetic specs of N services, built from spec/duri.yaml so every section is exercised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def spec_data(n: int) -> dict[str, Any]:
    """spec/duri.yaml with its four services replaced by `n` services across its tiers."""
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
    return data


def write_spec(path: Path, n: int) -> Path:
    """Write the spec of `n` services to `path`."""
    path.write_text(yaml.safe_dump(spec_data(n), sort_keys=False))
    return path
