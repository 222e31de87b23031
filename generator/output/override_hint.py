"""What to tell a user whose `--templates` overrides break a built-in template.

A built-in template that imports or includes a template the user overrides calls into the
user's copy: one written for another obsgen version may lack a macro or an argument this
version's templates pass (`macro 'sum_rate' takes no keyword argument 'by'`). The error is
raised at the built-in caller's line, which the user never edited, so the message also
names the overridden templates that caller reads.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import jinja2.meta

from generator.output.sandbox import OverrideLoader


def override_hint(env: jinja2.Environment, failed: str | None, builtin: Path) -> str:
    """`; it reads the overridden ...` when the template file `failed` is a built-in one that
    imports, includes or extends templates the environment's overrides replace; else ""."""
    loader = env.loader
    if not failed or not isinstance(loader, jinja2.ChoiceLoader):
        return ""
    overrides = next((x for x in loader.loaders if isinstance(x, OverrideLoader)), None)
    if overrides is None:
        return ""
    try:
        name = Path(failed).resolve().relative_to(builtin.resolve())
    except ValueError:  # an override failed itself: its own line is the one to read
        return ""
    try:
        source = (builtin / name).read_text(encoding="utf-8")
        read = set(jinja2.meta.find_referenced_templates(env.parse(source)))
    except (OSError, jinja2.TemplateSyntaxError):
        return ""
    overridden = sorted(n for n in read & set(overrides.list_templates()) if n)
    if not overridden:
        return ""
    return (
        f"; it reads the overridden {', '.join(overridden)} from {overrides.root}: an override "
        "written for another obsgen version may lack a macro or argument this version's "
        "templates use (compare it with the built-in template)"
    )
