"""Everything before the measured servers start: the history, the recorded series long
windows read, and a compacted TSDB they all copy.

The raw history becomes blocks piece by piece (history.py). A preparation Prometheus serves
them to `promtool tsdb create-blocks-from rules` for the recorded series that some rule
reads over a window longer than 5m (level by level, rulefiles.backfill_levels); the rule
blocks are moved in and that server compacts them with the raw ones, then stops.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bench.rule_cost import backfill, history, rulefiles, synth
from bench.rule_cost.history import BLOCK
from bench.rule_cost.promserver import Prometheus

T0 = time.monotonic()


def say(msg: str) -> None:
    """Progress line on stderr."""
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def write_config(path: Path, rules: list[Path], target: str | None) -> Path:
    """prometheus.yml: 30 s evaluation, the rule files, the live tail scrape if any."""
    cfg: dict[str, Any] = {
        "global": {"scrape_interval": "15s", "evaluation_interval": "30s"},
        "rule_files": [str(p) for p in rules],
    }
    if target:
        cfg["scrape_configs"] = [
            {
                "job_name": "synthetic",
                "honor_labels": True,  # keep the exposed job="duri-..."
                "static_configs": [{"targets": [target]}],
                # the history has no instance label: drop it so the live tail continues its series
                "metric_relabel_configs": [{"action": "labeldrop", "regex": "instance"}],
            }
        ]
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def start_prep(work: Path, servers: list[Prometheus], cmds: list[str]) -> Prometheus:
    """A Prometheus over the prep TSDB: no rules, no scrapes, nothing appended."""
    prep = Prometheus(
        "prep", write_config(work / "prep.yml", [], None), work / "prep-data", work / "prep.log"
    )
    servers.append(prep)
    cmds.append(shlex.join(prep.args))
    return prep.start()


def prepare(
    args: argparse.Namespace,
    work: Path,
    model: synth.Model,
    sets: dict[str, tuple[list[Path], str]],
    servers: list[Prometheus],
    cmds: list[str],
) -> tuple[synth.Traffic, list[str]]:
    """History, raw blocks, rule blocks, compaction; returns the traffic and data lines.

    The history ends `--lead` seconds in the future: nothing appends to the prep server, and
    the measured servers start only once the clock has passed the end of the history
    (appends before the newest block's end would be out of bounds), so that ours' recorded
    5m series continue where their backfill stops instead of leaving a gap.
    """
    anchor = (time.time() + args.lead) // args.step * args.step
    start = anchor - args.days * 86400
    traffic = synth.Traffic(model, anchor, args.step, args.seed)
    data = work / "prep-data"
    say(
        f"{args.days} days of history, {traffic.series_count:,} series: OpenMetrics pieces "
        f"of at most {history.MAX_SAMPLES:,} samples, each through promtool create-blocks-from "
        "openmetrics"
    )
    samples, size, pieces = history.write_blocks(traffic, start, anchor, data, cmds)
    say(f"{samples:,} samples ({size / 1e9:.2f} GB of OpenMetrics in {pieces} pieces)")

    levels: list[list[rulefiles.Group]] = []
    names = []
    for side, (files, _) in sets.items():
        side_levels = rulefiles.backfill_levels(rulefiles.load(files))
        for i, groups in enumerate(side_levels):
            for g in groups:
                g["name"] = f"{side}-{g['name']}"
            levels += [[] for _ in range(i + 1 - len(levels))]
            levels[i] += groups
        names.append(
            f"{side}: "
            + (" then ".join(", ".join(rulefiles.records(gs)) for gs in side_levels) or "none")
        )
    prep = start_prep(work, servers, cmds)
    say(f"prep Prometheus pid {prep.pid} on {prep.url}")
    reloads = 0.0
    for i, groups in enumerate(levels):
        if i:  # a restart loads the previous level's blocks at once (a reload waits 1 min)
            prep.stop()
            prep = start_prep(work, servers, cmds)
        say(f"backfilling level {i}: {', '.join(rulefiles.records(groups))}")
        (work / "backfill").mkdir(exist_ok=True)
        rule_file = rulefiles.write(work / "backfill" / f"level-{i}.yml", groups)
        out = work / f"rule-blocks-{i}"
        backfill.rule_blocks(prep, rule_file, start, anchor, out, BLOCK, cmds)
        reloads = backfill.reloads(prep)
        say(f"moved {backfill.adopt(out, data)} blocks of recorded series in")
    say("waiting for the TSDB to reload and compact")
    waited = backfill.wait_compacted(prep, reloads)
    prep.stop()
    say(f"compacted in {waited:.0f}s into {len(backfill.blocks(data))} blocks; prep stopped")
    return traffic, [
        f"{model.describe()} x (http_requests_total + 8 http_request_duration_seconds "
        f"buckets + _count + _sum) = {traffic.series_count:,} raw series",
        f"{args.days} days at {args.step}s = {samples:,} samples ({size / 1e9:.2f} GB "
        f"OpenMetrics in {pieces} pieces), then scraped live (every 15 s) from the same model",
        f"backfilled recorded series: {'; '.join(names)}",
    ]
