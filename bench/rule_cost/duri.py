"""DuRi's four services: the default traffic model (what `python -m bench.rule_cost` measures).

4 services x 4 endpoints x 2 methods x 4 statuses = 128 label sets, each service's SLOs from
`slos.all_slos()`. Incidents are placed relative to the *anchor* (the end of the history,
i.e. "now" when the benchmark starts) so that, while Prometheus evaluates, some burn-rate
alerts fire:
- duri-core availability: 2.5 % 5xx (25x the 0.1 % budget) since 75 min before the anchor
  and still ongoing -> page (1h and 5m above 14.4x); 1d and 3d stay well under 3x and 1x.
- duri-control availability: a slow leak at 0.15 % 5xx (1.5x) for the whole history
  -> ticket (3d and 6h above 1x), no page.
- duri-brain latency: 20 % of requests over 0.5 s (4x the 5 % budget) since 30 h before
  the anchor -> ticket (1d and 2h above 3x), no page (6h stays under 6x).
- duri-evolution availability: a 3 h, 12 % 5xx burst 40 h ago, long over -> no alert now,
  but it is visible in every 3d window.
- duri-core latency: a 20 min spike (60 % slow) 12 h ago -> no alert now.
Every other SLO burns well below 1x. fleet.py repeats these services and incidents at N.
"""

from __future__ import annotations

from bench.rule_cost import slos
from bench.rule_cost.synth import Incident, Model, Service

HOUR = 3600
METHODS = (("GET", 0.7), ("POST", 0.3))

SERVICES = (
    Service(
        "duri-core",
        "core",
        120.0,
        (
            ("/api/v1/chat", 0.45),
            ("/api/v1/sessions", 0.25),
            ("/api/v1/memory", 0.2),
            ("/health", 0.1),
        ),
        0.0002,
    ),
    Service(
        "duri-control",
        "control",
        40.0,
        (("/api/v1/config", 0.4), ("/api/v1/jobs", 0.3), ("/api/v1/status", 0.2), ("/health", 0.1)),
        0.0003,
    ),
    Service(
        "duri-brain",
        "brain",
        25.0,
        (
            ("/api/v1/reason", 0.5),
            ("/api/v1/plan", 0.25),
            ("/api/v1/recall", 0.15),
            ("/health", 0.1),
        ),
        0.001,
    ),
    Service(
        "duri-evolution",
        "evolution",
        10.0,
        (
            ("/api/v1/train", 0.4),
            ("/api/v1/evaluate", 0.3),
            ("/api/v1/models", 0.2),
            ("/health", 0.1),
        ),
        0.002,
    ),
)

INCIDENTS = (
    Incident("duri-core", "errors", -75 * 60, None, 0.025),
    Incident("duri-control", "errors", -30 * 24 * HOUR, None, 0.0015),
    Incident("duri-brain", "latency", -30 * HOUR, None, 0.20),
    Incident("duri-evolution", "errors", -40 * HOUR, -37 * HOUR, 0.12),
    Incident("duri-core", "latency", -12 * HOUR, -12 * HOUR + 20 * 60, 0.60),
)

# (service, slo, severity) that the incidents above make active while the benchmark runs
EXPECTED_ALERTS = frozenset(
    {
        ("duri-core", "availability", "critical"),
        ("duri-control", "availability", "warning"),
        ("duri-brain", "latency", "warning"),
    }
)

MODEL = Model(SERVICES, METHODS, INCIDENTS, EXPECTED_ALERTS, tuple(slos.all_slos()))
