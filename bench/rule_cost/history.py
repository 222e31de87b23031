"""The raw history as TSDB blocks, written and converted piece by piece.

`promtool tsdb create-blocks-from openmetrics` maps its whole input file and reads it once
per block range it covers: the largest of 2h x 3^k not above `--max-block-duration` (BLOCK,
72h), i.e. 54h, aligned to the epoch. The history is therefore written in pieces aligned to
those ranges, each at most MAX_SAMPLES samples (about 2 GB of OpenMetrics), converted into
blocks and deleted before the next one is written, so temporary disk stays at one piece
whatever the number of services. DuRi's 4 services fit a whole block range in one piece
(1,408 series, 9.1 M samples per 54h at 30 s): the very blocks one file gave.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from bench.rule_cost import backfill, synth

BLOCK = "72h"  # promtool's --max-block-duration: few passes, blocks like a compacted TSDB
BLOCK_HOURS = 54  # the block range promtool makes of it
MAX_SAMPLES = 16_000_000


def piece_seconds(series: int, step: float) -> int:
    """The longest divisor of the block range whose piece holds at most MAX_SAMPLES samples."""
    for hours in range(BLOCK_HOURS, 0, -1):
        if BLOCK_HOURS % hours == 0 and series * hours * 3600 / step <= MAX_SAMPLES:
            return hours * 3600
    return 3600


def write_blocks(
    traffic: synth.Traffic, start: float, end: float, data: Path, log: list[str]
) -> tuple[int, int, int]:
    """Blocks of every step in [start, end] into `data`; (samples, OpenMetrics bytes, pieces).

    The pieces' file is `history.om` next to `data`.
    """
    size = piece_seconds(traffic.series_count, traffic.step)
    times = (start + i * traffic.step for i in range(int((end - start) // traffic.step) + 1))
    om = data.parent / "history.om"
    samples = written = pieces = 0
    for _, piece in itertools.groupby(times, key=lambda t: int(t // size)):
        samples += synth.write_openmetrics(str(om), traffic, piece)
        written += om.stat().st_size
        backfill.history_blocks(om, data, BLOCK, log)
        om.unlink()
        pieces += 1
    return samples, written, pieces
