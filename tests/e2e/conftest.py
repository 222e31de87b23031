"""One rig for the whole e2e module: every scenario runs at once, each test judges one."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.e2e.scenarios import BASELINE, SCENARIOS, WAIT, Timeline
from tests.e2e.stack import Stack, e2e_stack


@dataclass
class Run:
    """The running rig and its scenario drivers."""

    stack: Stack
    drivers: dict[str, Future[Timeline]]
    started: float  # time.monotonic() when the servers were up

    def result(self, scenario: str) -> Timeline:
        """The timeline of `scenario`, once its driver is done (its failure, raised)."""
        return self.drivers[scenario].result(timeout=10 * WAIT)  # each wait is bounded

    def all(self) -> dict[str, Timeline]:
        """Every scenario's timeline: the run is over."""
        return {name: self.result(name) for name in self.drivers}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Start the rig and every scenario; stop the drivers, then the servers, at the end."""
    with e2e_stack(tmp_path_factory.mktemp("e2e"), BASELINE) as stack:
        pool = ThreadPoolExecutor(max_workers=len(SCENARIOS), thread_name_prefix="scenario")
        started = time.monotonic()
        drivers = {name: pool.submit(driver, stack) for name, driver in SCENARIOS.items()}
        try:
            yield Run(stack, drivers, started)
        finally:
            stack.stopping.set()  # drivers nobody waited for (tests deselected) end now
            pool.shutdown(wait=True)
