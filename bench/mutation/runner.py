"""Run the generated promtool tests against mutants of the rule files they prove.

Each worker owns a copy of `prometheus/rules` and of the test files, split one test group
per file, so a mutant is caught by the first group that fails and promtool stops there
(a caught mutant costs a fraction of the suite). The group that caught the last mutant is
tried first next time: mutants of one rule tend to be caught by the same group.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.mutation.mutants import Mutant, apply

TIMEOUT_S = 300


@dataclass(frozen=True)
class Piece:
    """One test group as a test file of its own."""

    path: Path  # relative to a worker's `tests` directory
    rule_files: frozenset[str]  # names of the rule files it loads


@dataclass(frozen=True)
class Outcome:
    """A mutant and whether the tests caught it (and which test group did)."""

    mutant: Mutant
    caught: bool
    by: str


def split_tests(tests: Path, into: Path) -> list[Piece]:
    """Every test group of every test file in `tests`, one per file under `into`."""
    pieces = []
    into.mkdir(parents=True)
    for path in sorted(tests.glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        names = frozenset(Path(str(f)).name for f in doc["rule_files"])
        for k, group in enumerate(doc["tests"]):
            one = {**doc, "tests": [group]}
            piece = into / f"{path.stem}.{k:03d}.yml"
            piece.write_text(yaml.safe_dump(one, sort_keys=False, allow_unicode=True))
            pieces.append(Piece(Path(piece.name), names))
    return pieces


class Worker:
    """A private copy of the rule files and test pieces, and the order to try the pieces."""

    def __init__(self, root: Path, rules: Path, tests: Path, promtool: str) -> None:
        shutil.copytree(rules, root / "rules")
        self.rules = root / "rules"
        self.tests = root / "tests"
        self.pieces = split_tests(tests, self.tests)
        self.promtool = promtool
        self.originals = {p.name: yaml.safe_load(p.read_text()) for p in rules.glob("*.yml")}
        self.texts = {p.name: p.read_text() for p in rules.glob("*.yml")}

    def _passes(self, piece: Piece) -> bool:
        res = subprocess.run(
            [self.promtool, "test", "rules", str(piece.path)],
            cwd=self.tests,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        return res.returncode == 0

    def baseline(self) -> list[str]:
        """The pieces that fail with no mutant at all (there should be none)."""
        return [str(p.path) for p in self.pieces if not self._passes(p)]

    def run(self, mutant: Mutant) -> Outcome:
        """Whether some test group loading the mutated file fails."""
        target = self.rules / mutant.file
        doc: Any = apply(self.originals[mutant.file], mutant)
        target.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10**6))
        try:
            for k, piece in enumerate(self.pieces):
                if mutant.file in piece.rule_files and not self._passes(piece):
                    self.pieces.insert(0, self.pieces.pop(k))
                    return Outcome(mutant, True, str(piece.path))
            return Outcome(mutant, False, "")
        finally:
            target.write_text(self.texts[mutant.file])


def run_all(
    out: Path,
    mutants: Sequence[Mutant],
    workers: int,
    promtool: str,
    progress: Callable[[int, int, float], None],
) -> list[Outcome]:
    """Every mutant against the generated tests of `out`, over `workers` private copies."""
    rules, tests = out / "prometheus" / "rules", out / "prometheus" / "tests"
    with tempfile.TemporaryDirectory(prefix="obsgen-mutation-") as tmp:
        pool = [Worker(Path(tmp) / f"w{i}", rules, tests, promtool) for i in range(workers)]
        broken = pool[0].baseline()
        if broken:
            raise SystemExit(f"the unmutated rules fail their tests: {', '.join(broken)}")
        free = list(pool)
        lock = threading.Lock()
        finished = [0]
        start = time.perf_counter()

        def one(mutant: Mutant) -> Outcome:
            with lock:
                worker = free.pop()
            try:
                outcome = worker.run(mutant)
            finally:
                with lock:
                    free.append(worker)
            with lock:
                finished[0] += 1
                progress(finished[0], len(mutants), time.perf_counter() - start)
            return outcome

        with ThreadPoolExecutor(max_workers=workers) as executor:
            return list(executor.map(one, mutants))
