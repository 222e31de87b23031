"""What a generated tree holds: bytes written (all, rule files, rule tests) and rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

RULES = Path("prometheus") / "rules"
TESTS = Path("prometheus") / "tests"
MB = 1_000_000


@dataclass(frozen=True)
class Sizes:
    """Output of one generate: bytes and Prometheus rules."""

    total: int
    rules: int
    tests: int
    recording: int  # recording rules
    alerting: int  # alerting rules

    def row(self) -> str:
        """The figures as the bench prints them."""
        return (
            f"{self.total / MB:>9.2f} {self.rules / MB:>8.2f} {self.tests / MB:>8.2f} "
            f"{self.recording:>9} {self.alerting:>8} {self.recording + self.alerting:>7}"
        )


HEADER = (
    f"{'output MB':>9} {'rules MB':>8} {'tests MB':>8} {'recording':>9} {'alerting':>8} "
    f"{'rules':>7}"
)


def _bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def tree_sizes(out: Path) -> Sizes:
    """Bytes under `out`, under its rule files and rule tests, and the rules it writes."""
    recording = alerting = 0
    for path in sorted((out / RULES).glob("*.yml")):
        doc = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        for group in doc.get("groups") or []:
            for rule in group.get("rules") or []:
                if "record" in rule:
                    recording += 1
                else:
                    alerting += 1
    return Sizes(_bytes(out), _bytes(out / RULES), _bytes(out / TESTS), recording, alerting)
