"""The bench's report: the score per category and every surviving mutant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from bench.mutation.mutants import CATEGORIES, Mutant
from bench.mutation.runner import Outcome


def score_table(outcomes: Sequence[Outcome], equivalent: Mapping[Mutant, str]) -> str:
    """Per category and overall: mutants, those equivalent (surviving, and argued so by
    equivalence.py), caught, and the score over the non-equivalent ones."""
    total, caught, same = Counter[str](), Counter[str](), Counter[str]()
    for o in outcomes:
        total[o.mutant.category] += 1
        caught[o.mutant.category] += o.caught
        same[o.mutant.category] += o.mutant in equivalent
    rows = [("category", "mutants", "equivalent", "caught", "score")]
    for category in [*CATEGORIES, "all"]:
        n, e, k = (
            sum(c.values()) if category == "all" else c[category] for c in (total, same, caught)
        )
        if n:
            score = f"{100 * k / (n - e):.1f} %" if n > e else "-"
            rows.append((category, str(n), str(e), str(k), score))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(row: tuple[str, ...]) -> str:
        cells = zip(row, widths, strict=True)
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(cells))

    return "\n".join(line(r) for r in rows)


def survivors(outcomes: Sequence[Outcome], equivalent: Mapping[Mutant, str]) -> str:
    """One line per mutant the tests did not catch, grouped by category; equivalent ones
    grouped by the argument that makes them so."""
    lines = []
    for category in CATEGORIES:
        mine = [
            o
            for o in outcomes
            if not o.caught and o.mutant.category == category and o.mutant not in equivalent
        ]
        if mine:
            lines.append(f"{category} ({len(mine)}):")
            lines += [f"  {o.mutant.file}: {o.mutant.what}" for o in mine]
    by_reason: dict[str, list[Mutant]] = {}
    for mutant, reason in equivalent.items():
        by_reason.setdefault(reason, []).append(mutant)
    for reason, mutants in sorted(by_reason.items()):
        lines.append(f"equivalent ({len(mutants)}): {reason}:")
        lines += [f"  {m.file}: {m.category} {m.what}" for m in mutants]
    return "\n".join(lines) if lines else "none"
