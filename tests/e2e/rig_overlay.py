"""What aims the e2e fixture at the rig: its overlay, and the checks of what it rendered.

The overlay is the kind a staging environment writes (docs/environments.md): scrape
targets, the Alertmanager address, and every receiver's endpoint and secret files, here
all on 127.0.0.1. Nothing else of the spec changes.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from generator.spec import EmailReceiver, PagerDutyReceiver, SlackReceiver, Spec

LOOPBACK = "127.0.0.1:"


def overlay_for(
    spec: Spec,
    ports: Mapping[str, int],
    sink: int,
    smtp: int,
    am: int,
    prometheus: int,
    secret_dir: Path,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The staging-style overlay aiming the spec at this rig, and each receiver's secret."""
    receivers: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    for name, receiver in sorted((spec.routing.receivers if spec.routing else {}).items()):
        token = tokens[name] = secrets.token_hex(8)
        secret = secret_dir / name
        if isinstance(receiver, PagerDutyReceiver):
            url = f"http://127.0.0.1:{sink}/pagerduty/{name}/v2/enqueue"
            receivers[name] = {"url": url, "routing_key_file": str(secret)}
        elif isinstance(receiver, SlackReceiver):
            token = tokens[name] = f"http://127.0.0.1:{sink}/slack/{name}"  # the URL is the secret
            receivers[name] = {"api_url_file": str(secret)}
        elif isinstance(receiver, EmailReceiver):
            # a staging relay without TLS, as MailHog or a local postfix would be
            receivers[name] = {"smarthost": f"127.0.0.1:{smtp}", "require_tls": False}
            if receiver.auth_username:
                receivers[name]["auth_password_file"] = str(secret)
        else:
            receivers[name] = {"url": f"http://127.0.0.1:{sink}/webhook/{name}"}
            if receiver.http_config:
                auth = {"authorization": {"credentials_file": str(secret)}}
                receivers[name]["http_config"] = auth
        secret.write_text(token)
    overlay = {
        "services": {n: {"targets": [f"127.0.0.1:{ports[n]}"]} for n in sorted(spec.services)},
        "exporters": {n: {"targets": [f"127.0.0.1:{ports[n]}"]} for n in ("cadvisor", "node")},
        "prometheus": {"alertmanagers": [f"127.0.0.1:{am}"]},
        "health": {"prometheus_targets": [f"127.0.0.1:{prometheus}"]},
        "routing": {"receivers": receivers},
    }
    return overlay, tokens


def loopback_problems(out: Path) -> list[str]:
    """Every address in the rendered configs that is not 127.0.0.1 (must be none)."""
    problems = []
    prom = yaml.safe_load((out / "prometheus" / "prometheus.yml").read_text())
    addresses = [
        target
        for section in (prom["scrape_configs"], prom["alerting"]["alertmanagers"])
        for job in section
        for static in job["static_configs"]
        for target in static["targets"]
    ]
    problems += [f"prometheus.yml targets {a}" for a in addresses if not a.startswith(LOOPBACK)]
    am = yaml.safe_load((out / "alertmanager" / "alertmanager.yml").read_text())
    for receiver in am["receivers"]:
        for configs in (v for k, v in receiver.items() if k.endswith("_configs")):
            for config in configs:
                for key, value in config.items():
                    if key == "api_url_file":
                        value = Path(value).read_text()
                    if key in ("url", "api_url_file") and not value.startswith(
                        "http://" + LOOPBACK
                    ):
                        problems.append(f"{receiver['name']}: {key} {value}")
                    if key == "smarthost" and not value.startswith(LOOPBACK):
                        problems.append(f"{receiver['name']}: smarthost {value}")
    if "global" in am:
        problems.append("alertmanager.yml has a global section (default endpoints)")
    return problems


def target_labels(out: Path, ports: Mapping[str, int]) -> dict[str, dict[str, str]]:
    """Per exporter target, the labels Prometheus attaches to what it scrapes there."""
    by_address = {f"127.0.0.1:{port}": name for name, port in ports.items()}
    prom = yaml.safe_load((out / "prometheus" / "prometheus.yml").read_text())
    labels = {}
    for job in prom["scrape_configs"]:
        for static in job["static_configs"]:
            for address in static["targets"]:
                if address not in by_address:
                    continue  # Prometheus and Alertmanager themselves: not the exporter's
                extra = static.get("labels", {})
                labels[by_address[address]] = {"job": job["job_name"], "instance": address, **extra}
    return labels
