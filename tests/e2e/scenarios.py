"""What each service of the e2e fixture does, step by step, and what it waits to hear.

The scenarios run side by side on one Prometheus and one Alertmanager, each on its own
service or its own signal of a service (throughput and memory share duri-brain): the slowest
sets the pace, not their sum. A driver only moves on when the notice it waits for
has arrived, and records when each step happened; the tests then judge the notices.

Why the numbers: the generated rules read 5m rate windows, and Prometheus starts with five
minutes of baseline history. A latency rise shows once slow requests are 5 % of the window,
so the slow phases carry 3x the baseline traffic to get there in seconds. Recovering would
take until the slow requests leave the window (five minutes); a burst of fast traffic
dilutes them instead, which is how the recoveries show within seconds. A drop in traffic
shows as the window slides, so the throughput service runs just above its floor. The SLO
windows (1h, 6h, ...) average recorded 5m rates that exist only since Prometheus started,
so a burst fills them within seconds: the page comes in about 25 s here, not after the
minutes a long-running Prometheus takes (ALERTS.md gives, and promtool tests prove, those).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from generator.core.numbers import parse_duration
from tests.e2e import servers
from tests.e2e.exporter import GIB, MIB, Traffic
from tests.e2e.sinks import Notification
from tests.e2e.stack import Stack

CORE, CONTROL, BRAIN = "duri-core", "duri-control", "duri-brain"
BASELINE = {
    CORE: Traffic(rate=100),
    CONTROL: Traffic(rate=100),
    BRAIN: Traffic(rate=55),  # 10 % above the 50 req/s warning floor
}
# Each step changes some fields of what a service does (Traffic); the others stay.
SLOW = {"rate": 300, "latency": ((0.75, 1.0),)}  # p95 between 500ms and 1s
SLOWER = {"rate": 300, "latency": ((1.5, 1.0),)}  # p95 above 1s
# fast, successful requests diluting the slow ones (or the errors) in the 5m windows
FLOOD = {"rate": 100_000, "latency": ((0.05, 1.0),), "error_share": 0.0}
BURST = {"error_share": 0.5}
DROPPED = {"rate": 0}
RESTORED = {"rate": 2_000}
SWOLLEN = {"memory": 0.9 * GIB}  # 90 % of the 1Gi limit: past 85 % (warning), under 95 %
SHRUNK = {"memory": 400 * MIB}
# 70 %: past duri-core's own critical (60 %, a service override), under the global warning (85 %)
OVER_OWN_LIMIT = {"memory": 0.7 * GIB}
NEAR_BACKLOG = {"queue": 900}  # the custom alert's silent variation: under its 1000
BACKLOG = {"queue": 1500}
DRAINED = {"queue": 0}
WAIT = 90.0  # seconds any one notice may take; the whole run takes about a minute
QUIET_HOLD = 10.0  # seconds a signal short of its threshold is held to show it stays silent


class Timeline:
    """One scenario's steps: when each happened (time.monotonic()) and the notices it heard."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.marks: dict[str, float] = {"start": time.monotonic()}
        self.notices: dict[str, Notification] = {}
        self.pids: dict[str, int] = {}  # processes a step stopped or started
        self.seen: dict[str, list[Mapping[str, Any]]] = {}  # Prometheus queries a step made

    def change(self, mark: str, service: str, changes: Mapping[str, Any]) -> None:
        """Change what `service` does, and mark when."""
        self.marks[mark] = self.stack.set(service, changes)

    def hear(
        self, mark: str, receiver: str, about: Mapping[str, str], status: str, since: str
    ) -> None:
        """Wait until `receiver` gets a `status` notice about `about` after the `since` mark."""
        self._record(
            mark,
            f"{status} notice about {dict(about)} at {receiver}",
            lambda n: n.receiver == receiver and n.status == status and n.about(about),
            since,
        )

    def hear_resolved(self, mark: str, opened: str, since: str) -> None:
        """Wait until the group the `opened` notice came in is resolved, at the same receiver.

        Alertmanager resolves per group: an alert that resolves while another of its group
        still fires is reported in a firing update, and the group's last word is "resolved"
        (for PagerDuty, the resolve event of the incident the group opened).
        """
        first = self.notices[opened]
        self._record(
            mark,
            f"resolved notice of the group {first.group} at {first.receiver}",
            lambda n: (n.receiver, n.status, n.group) == (first.receiver, "resolved", first.group),
            since,
        )

    def _record(
        self, mark: str, what: str, wanted: Callable[[Notification], bool], since: str
    ) -> None:
        note = self.stack.wait_for(what, wanted, self.marks[since], WAIT)
        self.notices[mark], self.marks[mark] = note, note.at


def labels(alertname: str, service: str, severity: str, tier: str, **extra: str) -> dict[str, str]:
    """The label set of one alert, as the rules write it."""
    return {"alertname": alertname, "service": service, "severity": severity, "tier": tier, **extra}


LATENCY_WARNING = labels("LatencyP95High", CORE, "warning", "core")
LATENCY_CRITICAL = labels("LatencyP95High", CORE, "critical", "core")
THROUGHPUT_WARNING = labels("ThroughputLow", BRAIN, "warning", "brain")
MEMORY_WARNING = labels("ContainerMemoryHigh", BRAIN, "warning", "brain")
FAST_BURN = labels(
    "AvailabilityErrorBudgetBurn",
    CONTROL,
    "critical",
    "control",
    long_window="1h",
    short_window="5m",
    slo="availability",
)
SIX_HOUR_BURN = {**FAST_BURN, "long_window": "6h", "short_window": "30m"}
CORE_MEMORY_PAGE = labels("ContainerMemoryHigh", CORE, "critical", "core")
QUEUE_PAGE = labels("QueueBacklog", CORE, "critical", "core", queue="inbound")
# the node exporter's tier is core: health.severity pages for it (critical)
NODE_DOWN = labels("TargetDown", "node", "critical", "core")


def target_down(stack: Stack, target: str) -> dict[str, str]:
    """TargetDown's labels for `target`: the rule's, and the job and instance of its `up`."""
    address = f"127.0.0.1:{stack.targets[target].port}"
    return {**NODE_DOWN, "job": target, "instance": address}


def chat_repeat(stack: Stack) -> float:
    """Seconds between repeats of a firing warning in chat, as the spec routes warnings."""
    assert stack.spec.routing is not None
    route = next(r for r in stack.spec.routing.routes if r.receiver == "duri-chat")
    return parse_duration(route.repeat_interval or stack.spec.routing.repeat_interval) / 1000


def latency_rise(stack: Stack) -> Timeline:
    """p95 past the warning (chat, repeated), then past the critical (pager), held, recovered."""
    t = Timeline(stack)
    t.change("slow", CORE, SLOW)
    t.hear("chat", "duri-chat", LATENCY_WARNING, "firing", since="slow")
    t.hear("chat repeat", "duri-chat", LATENCY_WARNING, "firing", since="chat")
    t.change("slower", CORE, SLOWER)
    t.hear("pager", "duri-oncall", LATENCY_CRITICAL, "firing", since="slower")
    t.marks["inhibited"] = _wait_inhibited(stack, WAIT)
    # unmuted, the still-firing warning would be repeated in chat within this hold
    stack.stopping.wait(2 * chat_repeat(stack) + 2)
    t.change("flood", CORE, FLOOD)
    t.hear_resolved("pager resolved", opened="pager", since="flood")
    t.hear_resolved("chat resolved", opened="chat", since="flood")
    return t


def _wait_inhibited(stack: Stack, timeout: float) -> float:
    """Until Alertmanager reports the warning suppressed by the critical; returns when."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alerts = stack.am_alerts(alertname="LatencyP95High", service=CORE)
        by_severity = {a["labels"]["severity"]: a for a in alerts}
        warning, critical = by_severity.get("warning"), by_severity.get("critical")
        if (
            warning
            and critical
            and warning["status"]["state"] == "suppressed"
            and warning["status"]["inhibitedBy"] == [critical["fingerprint"]]
        ):
            return time.monotonic()
        time.sleep(0.2)
    raise AssertionError("the latency warning was never inhibited\n" + stack.diagnosis())


def throughput_drop(stack: Stack) -> Timeline:
    """Traffic stops: below the floor, chat and a ticket; restored, chat hears it is over."""
    t = Timeline(stack)
    t.change("drop", BRAIN, DROPPED)
    t.hear("chat", "duri-chat", THROUGHPUT_WARNING, "firing", since="drop")
    t.hear("ticket", "duri-tickets", THROUGHPUT_WARNING, "firing", since="drop")
    t.change("restored", BRAIN, RESTORED)
    t.hear_resolved("chat resolved", opened="chat", since="restored")
    return t


def error_burst(stack: Stack) -> Timeline:
    """Half the requests fail: the 1h/5m and the 6h/30m burn-rate alerts page; then it ends.

    The 6h ratio is recorded by a group evaluated once a minute, so its page may come up to a
    minute after the fast one. The burst lasts until it has: ended earlier, the 6h page could
    still fire on a stale 6h ratio after the incident was resolved, and open a second one.
    """
    t = Timeline(stack)
    t.change("burst", CONTROL, BURST)
    t.hear("pager", "duri-oncall", FAST_BURN, "firing", since="burst")
    t.hear("pager 6h", "duri-oncall", SIX_HOUR_BURN, "firing", since="burst")
    t.change("flood", CONTROL, FLOOD)
    t.hear_resolved("pager resolved", opened="pager", since="flood")
    return t


def replica(stack: Stack, service: str) -> dict[str, str]:
    """The replica labels container alerts carry for `service`'s one container: the cAdvisor
    target it is scraped from (`instance`) and its container `name`."""
    config = yaml.safe_load((stack.out / "prometheus" / "prometheus.yml").read_text())
    cadvisor = next(j for j in config["scrape_configs"] if j["job_name"] == "cadvisor")
    instance = cadvisor["static_configs"][0]["targets"][0]
    return {"instance": instance, "name": stack.spec.services[service].container["name"]}


def memory_growth(stack: Stack) -> Timeline:
    """cAdvisor reports the brain's container at 90 % of its memory limit, then at 40 %; the
    warning names the replica (its cAdvisor instance and container name)."""
    t = Timeline(stack)
    t.change("swollen", BRAIN, SWOLLEN)
    warning = MEMORY_WARNING | replica(stack, BRAIN)
    t.hear("chat", "duri-chat", warning, "firing", since="swollen")
    t.change("shrunk", BRAIN, SHRUNK)
    t.hear_resolved("chat resolved", opened="chat", since="shrunk")
    return t


MEMORY, MEMORY_RATIO = "ContainerMemoryHigh", "service:container_memory_utilisation:ratio"


def _query(stack: Stack, expr: str) -> list[Mapping[str, Any]]:
    return servers.query(stack.prometheus, expr)


def memory_override(stack: Stack) -> Timeline:
    """duri-core's memory at 70 % pages through its own critical (60 %), where the global
    thresholds would not even warn; duri-control, whose tier turned memory alerts off, is at
    90 % meanwhile (past the global warning, which the brain's reaches chat with) and stays
    silent. Prometheus' view of the control's memory is kept to show the signal was there."""
    t = Timeline(stack)
    t.change("control swollen", CONTROL, SWOLLEN)
    t.change("swollen", CORE, OVER_OWN_LIMIT)
    page = CORE_MEMORY_PAGE | replica(stack, CORE)
    t.hear("pager", "duri-oncall", page, "firing", since="swollen")
    # as long again as the core's page took, and then some: a control rule, were there one,
    # would have been told by now
    stack.stopping.wait(t.notices["pager"].at - t.marks["control swollen"] + 2)
    t.marks["held"] = time.monotonic()
    t.seen = {
        "control memory": _query(stack, f'{MEMORY_RATIO}{{service="{CONTROL}"}}'),
        "control alerts": _query(stack, f'ALERTS{{alertname="{MEMORY}", service="{CONTROL}"}}'),
    }
    t.change("shrunk", CORE, SHRUNK)
    t.change("control shrunk", CONTROL, SHRUNK)
    t.hear_resolved("pager resolved", opened="pager", since="shrunk")
    return t


def queue_backlog(stack: Stack) -> Timeline:
    """The custom alert QueueBacklog: duri-core's queue held at its example's silent value
    (900) stays quiet; past 1000 it pages with the queue's label; drained, it resolves."""
    t = Timeline(stack)
    t.change("near", CORE, NEAR_BACKLOG)
    # long enough for a firing rule to be told: a few evaluations, the `for`, group_wait
    stack.stopping.wait(QUIET_HOLD)
    t.marks["held"] = time.monotonic()
    t.seen = {
        "queue": _query(stack, f'duri_queue_depth{{job="{CORE}"}}'),
        "alerts": _query(stack, f'ALERTS{{alertname="QueueBacklog", service="{CORE}"}}'),
    }
    t.change("backlog", CORE, BACKLOG)
    t.hear("pager", "duri-oncall", QUEUE_PAGE, "firing", since="backlog")
    t.change("drained", CORE, DRAINED)
    t.hear_resolved("pager resolved", opened="pager", since="drained")
    return t


def heartbeat(stack: Stack) -> Timeline:
    """The always-firing Watchdog reaches the dead man's switch, again and again."""
    t = Timeline(stack)
    watchdog = labels("Watchdog", "duri-e2e", "none", "core")
    for beat, since in enumerate(("start", "beat 0", "beat 1")):
        t.hear(f"beat {beat}", "deadmans-switch", watchdog, "firing", since=since)
    return t


def exporter_down(stack: Stack) -> Timeline:
    """The node exporter's process is killed by PID: TargetDown pages; started again on its
    port, the page is resolved."""
    t = Timeline(stack)
    down = target_down(stack, "node")
    t.pids["stopped"], t.marks["stopped"] = stack.stop_target("node")
    t.hear("pager", "duri-oncall", down, "firing", since="stopped")
    t.pids["started"], t.marks["started"] = stack.start_target("node")
    t.hear_resolved("pager resolved", opened="pager", since="started")
    return t


SCENARIOS: dict[str, Callable[[Stack], Timeline]] = {
    "latency": latency_rise,
    "throughput": throughput_drop,
    "errors": error_burst,
    "memory": memory_growth,
    "watchdog": heartbeat,
    "exporter": exporter_down,
    "override": memory_override,
    "custom": queue_backlog,
}
