"""The end-to-end rig: the e2e fixture spec rendered with a staging-style overlay, then run.

Order matters, and each step is undone on the way out, also when a later one fails:
1. the exporter's targets and the notification sinks start on ephemeral 127.0.0.1 ports;
2. an overlay (docs/environments.md) points the spec's scrape targets, its Alertmanager and
   every receiver's endpoint and secret files at them, and `obsgen generate --overlay`
   renders it: the outputs are used exactly as generated;
3. nothing in them may address anything but 127.0.0.1 (checked before any server starts);
4. five minutes of the exporter's history are backfilled with promtool, so the 5m windows
   start full, and Prometheus and Alertmanager start on their own ports and temp dirs.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.core.numbers import parse_duration
from generator.plan import read_spec
from generator.spec import EmailReceiver, Spec
from tests.conftest import ROOT, require_tool, run_cli
from tests.e2e import servers
from tests.e2e.exporter import Exporter, NodeSignals, ServiceSignals, Source, Traffic
from tests.e2e.rig_overlay import loopback_problems, overlay_for, target_labels
from tests.e2e.sinks import HttpSink, Inbox, Notification
from tests.e2e.smtp_sink import SmtpSink
from tests.e2e.target_process import TargetProcess

SPEC = ROOT / "tests" / "fixtures" / "e2e" / "spec.yaml"
HISTORY_SECONDS = 330  # a little more than the 5m rate window


@dataclass
class Stack:
    """Everything a scenario touches: the exporter's knobs, the inbox, the servers' URLs."""

    spec: Spec
    out: Path
    services: dict[str, ServiceSignals]
    inbox: Inbox
    secrets: dict[str, str]  # receiver -> the secret its file holds
    prometheus: str
    alertmanager: str
    logs: dict[str, Path]
    routing_table: list[dict[str, Any]] = field(default_factory=list)
    targets: Mapping[str, TargetProcess] = field(default_factory=dict)  # in own processes
    routed: list[str] = field(default_factory=list)  # the labels the table's rows differ in
    stopping: threading.Event = field(default_factory=threading.Event)  # teardown has begun

    def set(self, service: str, changes: Mapping[str, Any]) -> float:
        """Change what `service` does (Traffic fields) now; returns time.monotonic() of it."""
        self.services[service].set(time.time(), **changes)
        return time.monotonic()

    def stop_target(self, name: str) -> tuple[int, float]:
        """Kill the process serving target `name` by its PID; returns the PID and when."""
        pid = self.targets[name].stop()
        assert pid is not None, f"target {name} was not running"
        return pid, time.monotonic()

    def start_target(self, name: str) -> tuple[int, float]:
        """Start target `name` again on its port; returns the new PID and when it serves."""
        self.targets[name].start()
        pid = self.targets[name].pid
        assert pid is not None
        return pid, time.monotonic()

    def stands_for(self, row: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
        """Whether a routing-table row stands for an alert with `labels`: alike in every
        routed label, and each other label the row shows the row's value or one it covers.
        An alert may carry labels no row shows, those of the series it fired on (TargetDown:
        job and instance of the target); "" among the values a row covers says some of its
        alerts' rules do not set the label, so theirs may come from the series."""
        shown, covers = row["labels"], row.get("covers") or {}
        if any(shown.get(n, "") != labels.get(n, "") for n in self.routed):
            return False
        for name in {*shown, *covers} - set(self.routed):
            values = covers.get(name, [shown.get(name)])
            if labels.get(name) not in values and "" not in values:
                return False
        return True

    def receivers_for(self, labels: Mapping[str, str]) -> list[str]:
        """The receivers the generated routing table names for an alert with `labels`: those
        of the one row that stands for it."""
        rows = [r for r in self.routing_table if self.stands_for(r, labels)]
        assert len(rows) == 1, f"{dict(labels)} is not one alert of the routing table"
        return list(rows[0]["receivers"])

    def am_alerts(self, **labels: str) -> list[dict[str, Any]]:
        """Alertmanager's view of the alerts with these labels (state, inhibitedBy)."""
        matchers = [f'{name}="{value}"' for name, value in labels.items()]
        filters = "&".join(f"filter={urllib.parse.quote(m)}" for m in matchers)
        alerts: list[dict[str, Any]] = servers.get_json(
            f"{self.alertmanager}/api/v2/alerts?{filters}"
        )
        return alerts

    def wait_for(
        self, what: str, wanted: Callable[[Notification], bool], after: float, timeout: float
    ) -> Notification:
        """The first notice arriving after `after` that is `wanted`; fails saying `what`."""

        def found(items: list[Notification]) -> Notification | None:
            return next((n for n in items if n.at > after and wanted(n)), None)

        hit = self.inbox.wait(found, timeout, self.stopping)
        if hit is None:
            raise AssertionError(f"no {what} within {timeout}s\n{self.diagnosis()}")
        return hit

    def diagnosis(self) -> str:
        """What the servers and sinks saw, for a failure message."""
        lines = ["notices so far:"]
        lines += [
            f"  {n.at:.1f} {n.receiver} {n.status} {n.group} {n.other_values}"
            for n in self.inbox.all()
        ]
        lines += [f"sink errors: {self.inbox.errors}"]
        with contextlib.suppress(OSError, ValueError, KeyError):
            firing = servers.query(self.prometheus, "ALERTS")
            lines += ["Prometheus ALERTS:"] + [f"  {a['metric']}" for a in firing]
        with contextlib.suppress(OSError, ValueError):
            lines += ["Alertmanager alerts:"] + [
                f"  {a['labels']} {a['status']}" for a in self.am_alerts()
            ]
        for name, log in self.logs.items():
            lines += [f"{name} log:", servers.log_tail(log, 10)]
        return "\n".join(lines)


def _wait_scraping(prometheus: str, targets: int, groups: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = servers.get_json(f"{prometheus}/api/v1/targets")["data"]["activeTargets"]
        loaded = servers.get_json(f"{prometheus}/api/v1/rules")["data"]["groups"]
        if len(loaded) == groups and sum(t["health"] == "up" for t in active) == targets:
            return
        time.sleep(0.2)
    raise RuntimeError(f"Prometheus did not scrape {targets} targets and load {groups} groups")


def _exporter(
    spec: Spec,
    baseline: Mapping[str, Traffic],
    since: float,
    processes: Mapping[str, TargetProcess],
) -> Exporter:
    """One target per service, cAdvisor with every service's container, and a node; the
    targets in `processes` are served by processes of their own (a scenario stops one)."""
    buckets = tuple(float(b) for b in spec.metrics[spec.signals.duration].buckets or ())
    services = {
        name: ServiceSignals(svc.container, buckets, baseline[name], since)
        for name, svc in spec.services.items()
    }
    sources: dict[str, Source] = {name: signals.app for name, signals in services.items()}
    sources["cadvisor"] = lambda at: [
        sample for signals in services.values() for sample in signals.container_series(at)
    ]
    sources["node"] = NodeSignals(since).samples
    return Exporter(sources, time.time, services, processes)


def _render(root: Path, overlay: Mapping[str, Any]) -> Path:
    """`obsgen generate` of the fixture spec with the rig's overlay, as a user runs it."""
    path, out = root / "e2e-overlay.yaml", root / "out"
    path.write_text(yaml.safe_dump(dict(overlay), sort_keys=True))
    res = run_cli("generate", str(SPEC), "--overlay", str(path), "--out", str(out))
    assert res.returncode == 0, res.stderr
    problems = loopback_problems(out)
    assert not problems, f"the rendered configs address more than 127.0.0.1: {problems}"
    return out


def _backfill(spec: Spec, exporter: Exporter, out: Path, since: float, data: Path) -> None:
    """Write the exporter's history since `since` into a TSDB block in `data`."""
    step = parse_duration(spec.prometheus.scrape_interval) / 1000
    history = data.parent / "history.om"
    labels = target_labels(out, exporter.ports)
    history.write_text(exporter.history(labels, since, time.time(), step))
    subprocess.run(
        [
            require_tool("promtool"),
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            str(history),
            str(data),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextlib.contextmanager
def e2e_stack(root: Path, baseline: Mapping[str, Traffic]) -> Iterator[Stack]:
    """Start the rig in `root` (a temp dir) with each service doing its `baseline`."""
    prometheus_bin = require_tool("prometheus")
    alertmanager_bin = require_tool("prometheus-alertmanager")
    spec, _ = read_spec(SPEC, "tests/fixtures/e2e/spec.yaml")
    assert spec.routing is not None
    since = time.time() - HISTORY_SECONDS
    targets = {"node": TargetProcess(since, root / "node-exporter.log")}
    exporter, inbox = _exporter(spec, baseline, since, targets), Inbox()
    mailboxes = {
        address: name
        for name, receiver in spec.routing.receivers.items()
        if isinstance(receiver, EmailReceiver)
        for address in receiver.to
    }
    http_sink = HttpSink(inbox, spec.routing.group_by)
    smtp_sink = SmtpSink(inbox, spec.routing.group_by, mailboxes)
    with contextlib.ExitStack() as cleanup:
        for part in (exporter, http_sink, smtp_sink):
            part.start()
            cleanup.callback(part.stop)
        prom_port, am_port = servers.free_port(), servers.free_port()
        (root / "secrets").mkdir()
        overlay, tokens = overlay_for(
            spec,
            exporter.ports,
            http_sink.port,
            smtp_sink.port,
            am_port,
            prom_port,
            root / "secrets",
        )
        out = _render(root, overlay)
        _backfill(spec, exporter, out, since, root / "prometheus-data")
        logs = {"alertmanager": root / "alertmanager.log", "prometheus": root / "prometheus.log"}
        logs |= {name: target.log for name, target in targets.items()}
        alertmanager, prometheus = f"http://127.0.0.1:{am_port}", f"http://127.0.0.1:{prom_port}"
        am_config = out / "alertmanager" / "alertmanager.yml"
        cleanup.enter_context(
            servers.running(
                "alertmanager",
                servers.alertmanager_argv(alertmanager_bin, am_config, root / "am-data", am_port),
                f"{alertmanager}/-/ready",
                logs["alertmanager"],
            )
        )
        prom_config = out / "prometheus" / "prometheus.yml"
        cleanup.enter_context(
            servers.running(
                "prometheus",
                servers.prometheus_argv(
                    prometheus_bin, prom_config, root / "prometheus-data", prom_port
                ),
                f"{prometheus}/-/ready",
                logs["prometheus"],
            )
        )
        rule_groups = sum(
            len(yaml.safe_load(p.read_text())["groups"])
            for p in (out / "prometheus" / "rules").glob("*.yml")
        )
        # the exporter's targets, and Prometheus and Alertmanager themselves (health.yml)
        _wait_scraping(prometheus, len(exporter.ports) + 2, rule_groups)
        table = yaml.safe_load((out / "alertmanager" / "routing-table.yml").read_text())
        yield Stack(
            spec,
            out,
            exporter.services,
            inbox,
            tokens,
            prometheus,
            alertmanager,
            logs,
            table["alerts"],
            targets,
            routed=table["routed"],
        )
