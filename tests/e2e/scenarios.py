"""What each service of the e2e fixture does, step by step, and what it waits to hear.

One service per scenario, so they run side by side on one Prometheus and one Alertmanager:
the slowest sets the pace, not their sum. A driver only moves on when the notice it waits for
has arrived, and records when each step happened; the tests then judge the notices.

Why the numbers: the generated rules read 5m rate windows, and Prometheus starts with five
minutes of baseline history. A latency rise shows once slow requests are 5 % of the window,
so the slow phases carry 3x the baseline traffic to get there in seconds. Recovering would
take until the slow requests leave the window (five minutes); a burst of fast traffic
dilutes them instead, which is how the recoveries show within seconds. A drop in traffic
shows as the window slides, so the throughput service runs just above its floor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.numbers import parse_duration
from tests.e2e.exporter import Traffic
from tests.e2e.sinks import Notification
from tests.e2e.stack import Stack

CORE, CONTROL, BRAIN = "duri-core", "duri-control", "duri-brain"
BASELINE = {
    CORE: Traffic(rate=100),
    CONTROL: Traffic(rate=100),
    BRAIN: Traffic(rate=55),  # 10 % above the 50 req/s warning floor
}
SLOW = Traffic(rate=300, latency=((0.75, 1.0),))  # p95 between 500ms and 1s
SLOWER = Traffic(rate=300, latency=((1.5, 1.0),))  # p95 above 1s
FLOOD = Traffic(rate=20_000)  # fast requests diluting the slow ones (or the errors) in 5m
BURST = Traffic(rate=100, error_share=0.5)
DROPPED = Traffic(rate=0)
RESTORED = Traffic(rate=2_000)
WAIT = 90.0  # seconds any one notice may take; the whole run takes about a minute


@dataclass
class Timeline:
    """When each step of a scenario happened (time.monotonic()) and the notices it waited for."""

    marks: dict[str, float] = field(default_factory=dict)
    notices: dict[str, Notification] = field(default_factory=dict)

    def notice(self, key: str, note: Notification) -> Notification:
        self.notices[key] = note
        self.marks[key] = note.at
        return note


def labels(alertname: str, service: str, severity: str, tier: str, **extra: str) -> dict[str, str]:
    """The label set of one alert, as the rules write it."""
    return {"alertname": alertname, "service": service, "severity": severity, "tier": tier, **extra}


LATENCY_WARNING = labels("LatencyP95High", CORE, "warning", "core")
LATENCY_CRITICAL = labels("LatencyP95High", CORE, "critical", "core")
THROUGHPUT_WARNING = labels("ThroughputLow", BRAIN, "warning", "brain")
FAST_BURN = labels(
    "AvailabilityErrorBudgetBurn",
    CONTROL,
    "critical",
    "control",
    long_window="1h",
    short_window="5m",
    slo="availability",
)


def _chat_repeat(stack: Stack) -> float:
    """Seconds between repeats of a firing warning in chat, as the spec routes warnings."""
    assert stack.spec.routing is not None
    route = next(r for r in stack.spec.routing.routes if r.receiver == "duri-chat")
    return parse_duration(route.repeat_interval or stack.spec.routing.repeat_interval) / 1000


def latency_rise(stack: Stack) -> Timeline:
    """p95 past the warning (chat), then past the critical (pager), held, then recovered."""
    t = Timeline()
    t.marks["slow"] = stack.set(CORE, SLOW)
    t.notice(
        "chat", stack.wait_notice("duri-chat", LATENCY_WARNING, "firing", t.marks["slow"], WAIT)
    )
    t.marks["slower"] = stack.set(CORE, SLOWER)
    page = stack.wait_notice("duri-oncall", LATENCY_CRITICAL, "firing", t.marks["slower"], WAIT)
    t.notice("pager", page)
    t.marks["inhibited"] = _wait_inhibited(stack, WAIT)
    # unmuted, the still-firing warning would be repeated in chat within this hold
    stack.stopping.wait(2 * _chat_repeat(stack) + 2)
    t.marks["flood"] = stack.set(CORE, FLOOD)
    after = t.marks["flood"]
    t.notice(
        "pager resolved",
        stack.wait_notice("duri-oncall", LATENCY_CRITICAL, "resolved", after, WAIT),
    )
    t.notice(
        "chat resolved", stack.wait_notice("duri-chat", LATENCY_WARNING, "resolved", after, WAIT)
    )
    stack.set(CORE, BASELINE[CORE])
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
    t = Timeline()
    t.marks["drop"] = stack.set(BRAIN, DROPPED)
    t.notice(
        "chat", stack.wait_notice("duri-chat", THROUGHPUT_WARNING, "firing", t.marks["drop"], WAIT)
    )
    t.notice(
        "ticket",
        stack.wait_notice("duri-tickets", THROUGHPUT_WARNING, "firing", t.marks["drop"], WAIT),
    )
    t.marks["restored"] = stack.set(BRAIN, RESTORED)
    after = t.marks["restored"]
    t.notice(
        "chat resolved", stack.wait_notice("duri-chat", THROUGHPUT_WARNING, "resolved", after, WAIT)
    )
    stack.set(BRAIN, BASELINE[BRAIN])
    return t


def error_burst(stack: Stack) -> Timeline:
    """Half the requests fail: the 1h/5m burn-rate alert pages; the burst ends, it resolves."""
    t = Timeline()
    t.marks["burst"] = stack.set(CONTROL, BURST)
    t.notice("pager", stack.wait_notice("duri-oncall", FAST_BURN, "firing", t.marks["burst"], WAIT))
    t.marks["flood"] = stack.set(CONTROL, FLOOD)
    after = t.marks["flood"]
    t.notice("pager resolved", stack.wait_notice("duri-oncall", FAST_BURN, "resolved", after, WAIT))
    stack.set(CONTROL, BASELINE[CONTROL])
    return t


def heartbeat(stack: Stack) -> Timeline:
    """The always-firing Watchdog reaches the dead man's switch, again and again."""
    t = Timeline()
    watchdog = labels("Watchdog", "duri-e2e", "none", "core")
    for beat in range(3):
        after = t.marks.get(f"beat {beat - 1}", 0.0) + 0.001
        t.notice(
            f"beat {beat}", stack.wait_notice("deadmans-switch", watchdog, "firing", after, WAIT)
        )
    return t


SCENARIOS: dict[str, Callable[[Stack], Timeline]] = {
    "latency": latency_rise,
    "throughput": throughput_drop,
    "errors": error_burst,
    "watchdog": heartbeat,
}
