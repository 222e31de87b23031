"""The spec read whole: its own checks and every domain's checks of it, in one report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator.alertmanager import routing_problems
from generator.prometheus import custom_alert_problems, promql_sli_problems
from generator.spec import Check, Document, Spec, parse_document, read_document

# Domains that check the spec against their own semantics before anything is planned.
DOMAIN_CHECKS: tuple[Check, ...] = (routing_problems, custom_alert_problems, promql_sli_problems)


def parse_spec(doc: Document) -> Spec:
    """Validate a loaded document with every check; raise SpecError listing every problem."""
    return parse_document(doc, DOMAIN_CHECKS)


def read_spec(
    path: Path, display: str | None = None, overlays: Sequence[tuple[Path, str]] = ()
) -> tuple[Spec, Document]:
    """Load a spec file or split-spec directory, overlays applied, and check it whole."""
    return read_document(path, display, overlays, DOMAIN_CHECKS)
