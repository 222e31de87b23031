"""Run the generated promtool tests against mutants of the rule files they prove.

Each worker cuts the generated tests into pieces (pieces.py: one group's checks of one
alert, or of one set of values, with only the rules they read), so a mutant runs only the
pieces that read the mutated rule, each against rule files trimmed to what it reads, and is
caught by the first piece that fails. The piece that caught the last mutant is tried first
next time: mutants of one rule tend to be caught by the same piece.
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
from bench.mutation.pieces import Piece, Reads, RuleRef, split, trimmed

TIMEOUT_S = 300


@dataclass(frozen=True)
class Outcome:
    """A mutant and whether the tests caught it (and which piece of a test group did)."""

    mutant: Mutant
    caught: bool
    by: str


def _dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=10**6)


class Worker:
    """A directory per piece of the generated tests, and the order to try the pieces."""

    def __init__(self, root: Path, rules: Path, tests: Path, promtool: str) -> None:
        self.docs = {p.name: yaml.safe_load(p.read_text()) for p in sorted(rules.glob("*.yml"))}
        self.reads = Reads(self.docs)
        self.pieces: list[Piece] = [
            piece
            for path in sorted(tests.glob("*.yml"))
            for piece in split(path.stem, yaml.safe_load(path.read_text()), self.reads)
        ]
        self.reads_of = {p.name: self.reads.closure(p.roots, self.reads.edges) for p in self.pieces}
        self.dirs = {p.name: root / f"p{k:04d}" for k, p in enumerate(self.pieces)}
        self.promtool = promtool

    def _passes(self, piece: Piece, docs: dict[str, Any], keep: frozenset[RuleRef]) -> bool:
        """Whether the piece passes against `docs` cut to the rules in `keep`."""
        where = self.dirs[piece.name]
        shutil.rmtree(where, ignore_errors=True)
        (where / "rules").mkdir(parents=True)
        files = trimmed(docs, keep)
        for name, doc in files.items():
            (where / "rules" / name).write_text(_dump(doc))
        groups = {g["name"] for doc in files.values() for g in doc["groups"]}
        test = {**piece.test, "rule_files": [f"rules/{name}" for name in files]}
        if "group_eval_order" in test:
            test["group_eval_order"] = [g for g in test["group_eval_order"] if g in groups]
        (where / "test.yml").write_text(_dump(test))
        res = subprocess.run(
            [self.promtool, "test", "rules", "test.yml"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        return res.returncode == 0

    def baseline(self) -> list[str]:
        """The pieces that fail with no mutant at all (there should be none)."""
        return [
            p.name for p in self.pieces if not self._passes(p, self.docs, self.reads_of[p.name])
        ]

    def run(self, mutant: Mutant) -> Outcome:
        """Whether some piece reading the mutated rule fails against it."""
        ref = (mutant.file, mutant.group, mutant.rule)
        docs = {**self.docs, mutant.file: apply(self.docs[mutant.file], mutant)}
        rule = docs[mutant.file]["groups"][mutant.group]["rules"][mutant.rule]
        edges = {**self.reads.edges, ref: self.reads.read_by(str(rule["expr"]))}
        for k, piece in enumerate(self.pieces):
            if ref not in self.reads_of[piece.name]:
                continue
            if not self._passes(piece, docs, self.reads.closure(piece.roots, edges)):
                self.pieces.insert(0, self.pieces.pop(k))
                return Outcome(mutant, True, piece.name)
        return Outcome(mutant, False, "")


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
