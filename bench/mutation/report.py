"""The bench's report: the score per category and every surviving mutant."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bench.mutation.mutants import CATEGORIES
from bench.mutation.runner import Outcome


def score_table(outcomes: Sequence[Outcome]) -> str:
    """Caught / total per category and overall, as an aligned text table."""
    total, caught = Counter[str](), Counter[str]()
    for o in outcomes:
        total[o.mutant.category] += 1
        caught[o.mutant.category] += o.caught
    rows = [("category", "caught", "mutants", "score")]
    for category in [*CATEGORIES, "all"]:
        n = sum(total.values()) if category == "all" else total[category]
        k = sum(caught.values()) if category == "all" else caught[category]
        if n:
            rows.append((category, str(k), str(n), f"{100 * k / n:.1f} %"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]

    def line(row: tuple[str, ...]) -> str:
        cells = zip(row, widths, strict=True)
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(cells))

    return "\n".join(line(r) for r in rows)


def survivors(outcomes: Sequence[Outcome]) -> str:
    """One line per mutant the tests did not catch, grouped by category."""
    lines = []
    for category in CATEGORIES:
        mine = [o for o in outcomes if not o.caught and o.mutant.category == category]
        if mine:
            lines.append(f"{category} ({len(mine)}):")
            lines += [f"  {o.mutant.file}: {o.mutant.what}" for o in mine]
    return "\n".join(lines) if lines else "none"
