"""TSDB work with promtool and a running server: blocks in, blocks loaded, blocks compacted.

The raw history becomes blocks with `promtool tsdb create-blocks-from openmetrics`; the
recorded series that long windows read (chosen by `rulefiles.backfill_levels`) become blocks
with `promtool tsdb create-blocks-from rules`, evaluated by a running Prometheus over the raw
blocks. Moved into its TSDB dir, they overlap the raw blocks until the server compacts them.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from bench.rule_cost.promserver import Prometheus, parse_metrics, scalar

PROMTOOL = "/usr/bin/promtool"
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def run(cmd: list[str], log: list[str], env: dict[str, str] | None = None) -> str:
    """Run a command (with `env` added to the environment), record it in `log`, return its
    stdout; raise with output on failure."""
    log.append(" ".join([*(f"{k}={v}" for k, v in (env or {}).items()), *cmd]))
    full = {**os.environ, **env} if env else None
    p = subprocess.run(cmd, capture_output=True, text=True, check=False, env=full)
    if p.returncode:
        raise RuntimeError(f"{cmd[0]} failed ({p.returncode}):\n{p.stdout[-3000:]}{p.stderr}")
    return p.stdout


def history_blocks(om: Path, out: Path, block: str, log: list[str]) -> str:
    """`promtool tsdb create-blocks-from openmetrics` into `out`."""
    return run(
        [
            PROMTOOL,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--quiet",
            f"--max-block-duration={block}",
            str(om),
            str(out),
        ],
        log,
    )


def rule_blocks(
    prom: Prometheus,
    rule_file: Path,
    start: float,
    end: float,
    out: Path,
    block: str,
    log: list[str],
) -> str:
    """`promtool tsdb create-blocks-from rules` against a running server into `out`."""
    return run(
        [
            PROMTOOL,
            "tsdb",
            "create-blocks-from",
            "rules",
            f"--url={prom.url}",
            f"--start={int(start)}",
            f"--end={int(end)}",
            "--eval-interval=30s",
            f"--max-block-duration={block}",
            f"--output-dir={out}",
            str(rule_file),
        ],
        log,
    )


def blocks(path: Path) -> list[Path]:
    """Block directories (ULID names with a meta.json) under `path`."""
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if _ULID.match(p.name) and (p / "meta.json").exists())


def adopt(src: Path, data: Path) -> int:
    """Move the blocks of `src` into a TSDB dir (a running server loads them on reload)."""
    moved = blocks(src)
    for b in moved:
        os.rename(b, data / b.name)
    return len(moved)


def overlapping(data: Path) -> bool:
    """True when two blocks of the TSDB dir overlap in time (compaction still to do)."""
    spans = sorted(
        (m["minTime"], m["maxTime"])
        for m in (json.loads((b / "meta.json").read_text()) for b in blocks(data))
    )
    return any(b[0] < a[1] for a, b in itertools.pairwise(spans))


def reloads(prom: Prometheus) -> float:
    """TSDB reloads so far (the next one loads blocks moved in after this)."""
    return scalar(prom.metrics(), "prometheus_tsdb_reloads_total")


def wait_compacted(prom: Prometheus, reloads_before: float, timeout: float = 900) -> float:
    """Wait for a reload after `reloads_before`, then until compaction is done; seconds."""
    t0 = time.monotonic()
    idle, cpu = 0, prom.cpu_seconds()
    while time.monotonic() - t0 < timeout:
        time.sleep(1)
        m = parse_metrics(prom.get("/metrics").decode())
        now_cpu = prom.cpu_seconds()
        busy = now_cpu - cpu > 0.05
        cpu = now_cpu
        reloaded = scalar(m, "prometheus_tsdb_reloads_total") > reloads_before
        idle = idle + 1 if reloaded and not busy and not overlapping(prom.data) else 0
        if idle >= 3:
            return time.monotonic() - t0
    raise TimeoutError(f"{prom.name}: TSDB compaction did not settle in {timeout}s")


def link_copy(src: Path, dst: Path) -> None:
    """Copy the blocks of a TSDB dir as hard links (blocks are immutable; costs no space)."""
    dst.mkdir(parents=True)
    for b in blocks(src):
        shutil.copytree(b, dst / b.name, copy_function=os.link)
