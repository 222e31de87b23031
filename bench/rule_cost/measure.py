"""What a running server tells about its rules: evaluation cost, samples, SLO alerts.

Cost comes from the server's own /metrics: per rule group
`prometheus_rule_group_last_duration_seconds`, `..._interval_seconds`,
`..._last_evaluation_samples` and `..._last_evaluation_timestamp_seconds`. Polling records
every distinct evaluation of every group; a group's figure is the median over its
evaluations after the warm-up, and
    evaluation ms per minute = sum over groups of median duration x 60 / interval.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from bench.rule_cost import slos
from bench.rule_cost.promserver import Prometheus

_PREFIX = "prometheus_rule_group_"


@dataclass
class Group:
    """Every observed evaluation of one rule group."""

    name: str
    interval: float
    evals: dict[float, tuple[float, float]] = field(default_factory=dict)  # ts -> (s, samples)

    def kept(self, after: float) -> list[tuple[float, float]]:
        """Evaluations after the warm-up (all of them when none is)."""
        late = [v for ts, v in sorted(self.evals.items()) if ts >= after]
        return late or [v for _, v in sorted(self.evals.items())]


@dataclass
class Cost:
    """Figures of one run."""

    ms_per_min: float
    ms_per_cycle: float  # per 30 s global cycle, amortised over group intervals
    ms_all_groups: float  # one evaluation of every group
    samples_per_cycle: float  # output samples per 30 s cycle, amortised
    groups: int
    rules: int
    evals: int
    spread: tuple[float, float]  # min, max of ms/min over the polls after warm-up
    missing: list[str] = field(default_factory=list)  # groups never evaluated (bad!)
    cpu_ms_per_min: float = 0.0  # whole Prometheus process CPU (rules, scrapes, GC...)
    loadavg: float = 0.0  # 1-minute load average of the machine at the end
    first_eval: dict[str, float] = field(default_factory=dict)  # rule_group -> first seen
    read_per_min: float = 0.0  # samples the rule queries load per minute (query stats)
    read_by_group: dict[str, float] = field(default_factory=dict)  # group -> that, per minute
    read_by_rule: dict[str, float] = field(default_factory=dict)  # "group: rule" -> per minute
    by_group: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    # group name -> (interval s, median ms per evaluation, evaluations)


def snapshot(prom: Prometheus) -> dict[str, dict[str, float]]:
    """rule_group -> {duration, interval, samples, ts, rules} from /metrics."""
    out: dict[str, dict[str, float]] = {}
    m = prom.metrics()
    for key, metric in (
        ("duration", "last_duration_seconds"),
        ("interval", "interval_seconds"),
        ("samples", "last_evaluation_samples"),
        ("ts", "last_evaluation_timestamp_seconds"),
        ("rules", "rules"),
    ):
        for labels, value in m.get(_PREFIX + metric, []):
            out.setdefault(labels["rule_group"], {})[key] = value
    return out


def observe(prom: Prometheus, seconds: float, warmup: float, poll: float = 2.0) -> Cost:
    """Poll `seconds` after `warmup`, longer if a slow group has not evaluated yet."""
    groups: dict[str, Group] = {}
    rules: dict[str, float] = {}
    expected = {f"{g['file']};{g['name']}": g["interval"] for g in prom.api("rules")["groups"]}
    warm_until = time.time() + warmup
    deadline = warm_until + max(seconds, max(expected.values(), default=0) + 2 * poll)
    per_poll: list[float] = []
    cpu0 = load0 = None
    while True:
        now = time.time()
        if now >= warm_until and cpu0 is None:
            cpu0, load0 = prom.cpu_seconds(), now
        done = now >= warm_until + seconds and expected.keys() <= groups.keys()
        if done or now >= deadline:
            break
        snap = snapshot(prom)
        for name, v in snap.items():
            if v.get("ts", 0) > 0:  # evaluated at least once
                g = groups.setdefault(name, Group(name, v["interval"]))
                g.evals[v["ts"]] = (v["duration"], v["samples"])
                rules[name] = v.get("rules", 0)
        if now >= warm_until and all(v.get("ts", 0) > 0 for v in snap.values()):
            per_poll.append(sum(v["duration"] * 60 / v["interval"] * 1000 for v in snap.values()))
        time.sleep(poll)
    assert cpu0 is not None and load0 is not None
    cpu_per_min = (prom.cpu_seconds() - cpu0) * 60 / (time.time() - load0)
    med = {
        n: (
            statistics.median(d for d, _ in g.kept(warm_until)),
            statistics.median(s for _, s in g.kept(warm_until)),
        )
        for n, g in groups.items()
    }
    ms_min = sum(med[n][0] * 60 / g.interval * 1000 for n, g in groups.items())
    return Cost(
        ms_per_min=ms_min,
        ms_per_cycle=ms_min / 2,
        ms_all_groups=sum(d for d, _ in med.values()) * 1000,
        samples_per_cycle=sum(med[n][1] * 30 / g.interval for n, g in groups.items()),
        groups=len(groups),
        rules=int(sum(rules.values())),
        evals=sum(len(g.kept(warm_until)) for g in groups.values()),
        spread=(min(per_poll, default=0.0), max(per_poll, default=0.0)),
        missing=sorted(expected.keys() - groups.keys()),
        first_eval={n: min(g.evals) for n, g in groups.items()},
        by_group={
            n.split(";")[-1]: (g.interval, med[n][0] * 1000, len(g.kept(warm_until)))
            for n, g in groups.items()
        },
        cpu_ms_per_min=cpu_per_min * 1000,
        loadavg=float(Path("/proc/loadavg").read_text().split()[0]),
    )


def cpu_per_min(prom: Prometheus, seconds: float, warmup: float) -> float:
    """CPU ms per minute of the whole process over `seconds` after `warmup`."""
    time.sleep(warmup)
    cpu0, t0 = prom.cpu_seconds(), time.time()
    time.sleep(seconds)
    return (prom.cpu_seconds() - cpu0) * 60 / (time.time() - t0) * 1000


def read_stats(cost: Cost, prom: Prometheus) -> None:
    """Samples every rule's query loads, x evaluations per minute (PromQL query stats): in
    total, by group and by rule (named by its record or alert name and its labels)."""
    for g in prom.api("rules")["groups"]:
        for r in g["rules"]:
            data = prom.api("query", query=r["query"], stats="all")
            n = data["stats"]["samples"]["totalQueryableSamples"] * 60 / g["interval"]
            labels = ", ".join(f"{k}={v}" for k, v in sorted(r.get("labels", {}).items()))
            rule = f"{g['name']}: {r['name']} {{{labels}}}"
            cost.read_per_min += n
            cost.read_by_group[g["name"]] = cost.read_by_group.get(g["name"], 0.0) + n
            cost.read_by_rule[rule] = cost.read_by_rule.get(rule, 0.0) + n


def slo_key(labels: dict[str, str]) -> tuple[str, str, str] | None:
    """(service, slo kind, severity) of an SLO alert, from obsgen or Sloth labels."""
    service = labels.get("service") or labels.get("sloth_service")
    slo = labels.get("slo") or labels.get("sloth_slo")
    if not service or not slo:
        return None
    kind = slo.lower().removeprefix(service.lower()).strip("-_")
    kind = "availability" if "avail" in kind else "latency" if "laten" in kind else kind
    severity = labels.get("severity") or {"page": "critical", "ticket": "warning"}.get(
        labels.get("sloth_severity", ""), "?"
    )
    return service, kind, severity


def settle(prom: Prometheus, first: dict[str, float], timeout: float = 300) -> bool:
    """Wait until each group with alerts has evaluated after every other group's first run.

    `first`: group -> first evaluation seen. Alerts read recordings of other groups; before
    those exist, an alert can miss a window (rules of one group see each other at once).
    """
    alerting = {
        f"{g['file']};{g['name']}"
        for g in prom.api("rules")["groups"]
        if any(r["type"] == "alerting" for r in g["rules"])
    }
    deadline = time.time() + timeout
    while True:
        last = {n: v.get("ts", 0) for n, v in snapshot(prom).items()}
        late = [
            n
            for n in alerting
            if last.get(n, 0) < max((t for m, t in first.items() if m != n), default=0)
        ]
        if not late:
            return True
        if time.time() > deadline:
            return False
        time.sleep(2)


def slo_alerts(prom: Prometheus) -> dict[tuple[str, str, str], str]:
    """Active SLO alerts of a server: key -> "pending" | "firing"."""
    out: dict[tuple[str, str, str], str] = {}
    for a in prom.api("alerts")["alerts"]:
        key = slo_key(a["labels"])
        if key and a["state"] in ("pending", "firing"):
            out[key] = "firing" if "firing" in (a["state"], out.get(key)) else a["state"]
    return out


def objectives(prom: Prometheus) -> dict[tuple[str, str], Decimal]:
    """(service, slo) -> objective (percent) of the `slo:objective:info` series obsgen's
    rules record; empty for rule sets without them (our_shapes.py, Sloth's)."""
    return {
        (r["metric"]["service"], r["metric"]["slo"]): Decimal(r["metric"]["objective"])
        for r in prom.api("query", query="slo:objective:info")["result"]
    }


def exactness(
    ours: Prometheus, truth: Prometheus, slo_list: Sequence[slos.SLO], windows: tuple[str, ...]
) -> dict[str, tuple[int, float, str]]:
    """Per window: ours' recorded error ratio vs the exact one at the same timestamp.

    Exact = rate() over the raw series (the Sloth shape), evaluated by `truth` at the very
    timestamp of ours' sample, so evaluation phases do not count. Returns, per window, the
    number of SLOs, the largest difference in burn-rate units (|delta ratio| / error budget:
    the alert thresholds are 1, 3, 6 and 14.4) and where it is.
    """
    by_key = {(s.job, s.kind): s for s in slo_list}
    out: dict[str, tuple[int, float, str]] = {}
    for w in windows:
        # a range selector returns the samples with their own timestamps (an instant vector
        # would carry the query's time, and Sloth's backfilled 5m ratio still in the lookback)
        query = f'{{__name__=~"slo:sli_errors?:ratio_rate{w}"}}[5m]'
        for r in ours.api("query", query=query)["result"]:
            key = slo_key({**r["metric"], "severity": "-"})
            slo = by_key.get((key[0], key[1])) if key else None
            if slo is None:
                continue
            ts, value = r["values"][-1]
            if float(ts) < ours.started:
                continue  # backfilled, not evaluated by this server (Sloth's 5m ratio)
            exact = truth.api("query", query=f"({slo.errors(w)}) / ({slo.total(w)})", time=str(ts))
            if not exact["result"]:
                continue
            delta = abs(float(value) - float(exact["result"][0]["value"][1])) / float(slo.budget)
            n, worst, where = out.get(w, (0, -1.0, ""))
            if delta > worst:
                worst = delta
                where = (
                    f"{slo.job}/{slo.kind}: ours {float(value):.5g}, exact "
                    f"{float(exact['result'][0]['value'][1]):.5g}"
                )
            out[w] = (n + 1, worst, where)
    return out
