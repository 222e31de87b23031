"""Run on demand: `python -m bench.scale [--sizes 10,100,1000] [--repeat 3]`.

Generates specs of N services (each with its SLOs, threshold and regression alerts,
routes and dashboards), then measures cold `obsgen generate` and `obsgen check` (fresh
processes, as CI runs them): wall time (median of --repeat) and peak RSS. The floor is the
same Python importing only pydantic, jinja2, yaml and click. Compiled templates are cached
between runs as Python caches bytecode (generator/output/template_cache.py); DuRi's very first run,
before anything is cached, is listed on its own. Prints a table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.scale.sizes import HEADER, Sizes, tree_sizes
from bench.scale.specs import write_spec

ROOT = Path(__file__).resolve().parents[2]


def measure(args: list[str], cwd: Path, repeat: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall seconds and max peak RSS (MiB) of `repeat` fresh runs of a command."""
    times, peaks = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        # a fresh child per run, so ru_maxrss of RUSAGE_CHILDREN is not carried over
        code = (
            "import resource, subprocess, sys;"
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
            "sys.exit(r.returncode)"
        )
        res = subprocess.run(
            [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, env=env
        )
        times.append(time.perf_counter() - start)
        if res.returncode != 0:
            raise SystemExit(f"{' '.join(args)} exited {res.returncode}: {res.stderr[-2000:]}")
        peaks.append(int(res.stdout.strip()) / 1024)
    return statistics.median(times), max(peaks)


def environment(cache: Path) -> dict[str, str]:
    """The children's environment: compiled templates cached in `cache` (output/template_cache.py)
    and Python bytecode written as it is by default (a CI job may switch it off)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["OBSGEN_CACHE_DIR"] = str(cache)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    sizes = [int(s) for s in opts.sizes.split(",")]
    obsgen = [sys.executable, "-m", "generator"]
    rows = []
    outputs: list[tuple[str, Sizes]] = []
    with tempfile.TemporaryDirectory(prefix="obsgen-scale-") as tmp:
        work = Path(tmp)
        env = environment(work / "cache")
        floor = measure(
            [sys.executable, "-c", "import pydantic, jinja2, yaml, click"], work, opts.repeat, env
        )
        rows.append(("floor (import pydantic, jinja2, yaml, click)", "", *floor, "", ""))
        # what building the spec's pydantic validators costs before any work is done
        models = measure([sys.executable, "-c", "import generator.spec"], work, opts.repeat, env)
        note = f"{models[0] / floor[0]:.2f}x floor"
        rows.append(("import generator.spec (the spec models alone)", "", *models, note, ""))
        duri_args = [*obsgen, "generate", str(ROOT / "spec/duri.yaml"), "--out"]
        # the very first run: no compiled templates cached yet (output/template_cache.py)
        first = measure([*duri_args, str(work / "duri-first")], work, 1, env)
        rows.append(("spec/duri.yaml (4 services) generate, first run", "", *first, "", ""))
        duri = measure([*duri_args, str(work / "duri")], work, opts.repeat, env)
        outputs.append(("spec/duri.yaml (4 services)", tree_sizes(work / "duri")))
        rows.append(
            (
                "spec/duri.yaml (4 services) generate",
                "",
                *duri,
                f"{duri[0] / floor[0]:.2f}x floor",
                "",
            )
        )
        previous = None
        for n in sizes:
            spec = write_spec(work / f"spec-{n}.yaml", n)
            out = work / f"out-{n}"
            gen = measure(
                [*obsgen, "generate", str(spec), "--out", str(out)], work, opts.repeat, env
            )
            files = sum(1 for p in out.rglob("*") if p.is_file())
            outputs.append((f"{n} services", tree_sizes(out)))
            chk = measure([*obsgen, "check", str(spec), "--out", str(out)], work, opts.repeat, env)
            growth = (
                f"{gen[0] / previous[1]:.1f}x time for {n // previous[0]}x services"
                if previous
                else ""
            )
            rows.append((f"{n} services generate", str(files), *gen, growth, ""))
            rows.append((f"{n} services check", "", *chk, "", ""))
            previous = (n, gen[0])
        # the largest size again, its SLIs reading raw series of their own (health checks
        # excluded): shared all the same (docs/scale.md), with a mapping test of raw series
        n = sizes[-1]
        spec = write_spec(work / f"spec-{n}-excluded.yaml", n, exclude_health=True)
        out = work / f"out-{n}-excluded"
        gen = measure([*obsgen, "generate", str(spec), "--out", str(out)], work, opts.repeat, env)
        files = sum(1 for p in out.rglob("*") if p.is_file())
        outputs.append((f"{n} services, health excluded", tree_sizes(out)))
        rows.append((f"{n} services, health checks excluded, generate", str(files), *gen, "", ""))
    cores = os.cpu_count()
    print(
        f"python {sys.version.split()[0]}, {cores} cores, median of {opts.repeat} cold runs"
        " (fresh processes; compiled templates cached after the first run)"
    )
    print(f"{'case':<48} {'files':>6} {'wall s':>8} {'peak MiB':>9}  note")
    for name, count, wall, peak, note, _ in rows:
        print(f"{name:<48} {count:>6} {wall:>8.3f} {peak:>9.1f}  {note}")
    print()
    print(f"{'output of':<30} {HEADER}")
    for name, figures in outputs:
        print(f"{name:<30} {figures.row()}")


if __name__ == "__main__":
    main()
