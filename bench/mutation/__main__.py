"""Run on demand (not part of `make test`): `python -m bench.mutation [--out out]
[--workers 2] [--only REGEX] [--every N]`.

Mutates every rule of `OUT/prometheus/rules/*.yml` one change at a time: alert thresholds
(x1.01, x0.99, x1.1, x0.9, also regression ratios, error floors, traffic and min-events
guards), `for` (halved, doubled, 0s -> 1m), comparison operators (reversed), label matchers
(each dropped), severity (swapped), recording constants (the same four scales) and window
lengths (range windows, offsets and the seconds of a guard's window: halved, doubled). Runs
the generated tests `OUT/prometheus/tests/*.yml` against each mutant in a temporary
directory and prints the score per category and the survivors.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import yaml

from bench.mutation.equivalence import why_equivalent
from bench.mutation.mutants import rule_mutants
from bench.mutation.report import score_table, survivors
from bench.mutation.runner import run_all


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the bench, print the report."""
    parser = argparse.ArgumentParser(prog="python -m bench.mutation")
    parser.add_argument("--out", type=Path, default=Path("out"), help="a rendered output tree")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="", help="mutants whose file or text match REGEX")
    parser.add_argument("--every", type=int, default=1, help="every Nth mutant (a sample)")
    args = parser.parse_args(argv)
    promtool = shutil.which("promtool")
    if promtool is None:
        print("promtool is not installed", file=sys.stderr)
        return 2
    rules = args.out / "prometheus" / "rules"
    mutants = [
        m
        for path in sorted(rules.glob("*.yml"))
        for m in rule_mutants(path.name, yaml.safe_load(path.read_text()))
        if re.search(args.only, f"{m.file}: {m.category} {m.what}")
    ][:: args.every]

    def progress(done: int, total: int, elapsed: float) -> None:
        if done % 25 == 0 or done == total:
            print(f"  {done}/{total} mutants, {elapsed:.0f} s", file=sys.stderr, flush=True)

    print(f"{len(mutants)} mutants of {rules}", file=sys.stderr)
    outcomes = run_all(args.out, mutants, args.workers, promtool, progress)
    docs = {path.name: yaml.safe_load(path.read_text()) for path in rules.glob("*.yml")}
    equivalent = {
        o.mutant: reason
        for o in outcomes
        if not o.caught and (reason := why_equivalent(o.mutant, docs))
    }
    print(score_table(outcomes, equivalent))
    print()
    print("survivors:")
    print(survivors(outcomes, equivalent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
