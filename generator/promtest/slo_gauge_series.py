"""The raw 0/1 series of the gauge SLI's own tests (slo_gauge.py): samples held at a value,
label sets a gauge SLI keeps or leaves out, and promtool's notation of them."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from generator.prometheus import INGESTED, SLOPlan, app_stranger
from generator.promtest.feeds import pick
from generator.promtest.model import CaseError, InputSeries
from generator.promtest.slo_stand_in import sparse_segments

_NEGATED = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}

Values = tuple[int | None, ...]


def held(until_s: int, interval_s: int, value: int) -> list[int | None]:
    """`value` at every sample from 0 to `until_s`."""
    return [value] * (until_s // interval_s + 1)


def probe_series(metric: str, chosen: dict[str, str], values: Sequence[int | None]) -> InputSeries:
    """An input series of `metric` with these labels and a value (or none) per sample."""
    samples = [(k, Fraction(v)) for k, v in enumerate(values) if v is not None]
    return InputSeries(metric, tuple(sorted(chosen.items())), sparse_segments(samples))


class ProbeLabels:
    """Label sets of one service's series: targets the SLI keeps, one an `exclude` matcher
    leaves out, and one of no covered service."""

    def __init__(
        self, stored: dict[str, str], slo: SLOPlan, taken: Sequence[str], count: int = 2
    ) -> None:
        assert slo.definition is not None and slo.definition.sli.gauge is not None
        self.base = stored  # the service's series' labels as stored (prometheus.app_labels)
        self.exclude = slo.definition.sli.gauge.exclude
        self.kept = [(m.label, _NEGATED[m.op], m.value) for m in self.exclude]
        self.vary = "instance" if "instance" not in stored else "obsgen_target"
        self.taken = taken  # selector values of covered services
        self.targets: list[dict[str, str]] = []
        for index in range(count):
            self.targets.append(self._target(index))

    def _target(self, index: int) -> dict[str, str]:
        chosen = dict(self.base)
        for label in dict.fromkeys([self.vary, *(m[0] for m in self.kept)]):
            mine = [m for m in self.kept if m[0] == label]
            if label != self.vary:
                chosen[label] = pick(label, mine, True)
                continue
            try:
                chosen[label] = pick(label, [*mine, (label, "=", f"target-{index}")], True)
            except CaseError:
                used = [(label, "!=", t[label]) for t in self.targets]
                chosen[label] = pick(label, [*mine, *used], True)
        return chosen

    def excluded(self, target: int = 0) -> dict[str, str] | None:
        """A series of target `target` that the first `exclude` matcher leaves out (None
        without any)."""
        if not self.exclude:
            return None
        first = self.exclude[0]
        chosen = dict(self.targets[target])
        chosen[first.label] = pick(first.label, [(first.label, first.op, first.value)], True)
        return chosen

    def foreign(self) -> dict[str, str] | None:
        """A series of no covered service (None when the selector is empty): another scrape
        job's, which carries none of the service's ingested labels, for a service its job
        selects; else one with the first label of its selector changed."""
        if not self.base:
            return None
        chosen = dict(self.targets[0])
        if all(k in self.base for k in ("job", *INGESTED)):
            return app_stranger(chosen, "job")
        label, value = sorted(self.base.items())[0]
        other = f"{value}-other"
        while other in self.taken:
            other += "-x"
        chosen[label] = other
        return chosen


def gauge_metric(slo: SLOPlan) -> str:
    """The gauge an SLO of the gauge kind reads."""
    assert slo.definition is not None and slo.definition.sli.gauge is not None
    return slo.definition.sli.gauge.metric
