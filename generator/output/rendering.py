"""Plan -> {relative path: text}, through Jinja templates (StrictUndefined).

Every scalar reaches a template through an escaping filter: `yamlstr` for YAML values,
`selector` for PromQL label matchers, `num` for numbers. A spec string can never change
the structure of an output.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from generator.alertmanager import matcher_text
from generator.core.markdown import md_code, md_comment, md_text, md_url
from generator.core.numbers import fmt
from generator.errors import TemplateError
from generator.output import canonical_json
from generator.output.override_hint import override_hint
from generator.output.sandbox import (
    AMPLIFYING_FILTERS,
    BoundedSandbox,
    OverrideLoader,
    bounded_filter,
    render_bounded,
)
from generator.output.template_cache import bytecode_cache
from generator.plan import Plan

# Plain (unquoted) only for names that no YAML 1.1/1.2 reader turns into another type.
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-/]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
# Single quotes hold any YAML-printable text except line breaks (NEL, LS, PS) and the BOM.
_PLAIN_SAFE = re.compile(
    "^[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*$"
)


def yamlstr(value: object) -> str:
    """A YAML scalar that reads back as exactly `value` (a string)."""
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    if _PLAIN_SAFE.fullmatch(text) and text == text.strip() and text:
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


def _double_quoted(text: str) -> str:
    """A YAML double-quoted scalar; non-printables as YAML escapes (astral chars as \\U,
    since YAML, unlike JSON, has no surrogate pairs)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif _PLAIN_SAFE.fullmatch(ch):
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def yamlblock(text: str, indent: int) -> str:
    """`text` as a YAML literal block (`|`) indented by `indent`, which reads back exactly;
    a quoted scalar when a block cannot hold it (leading space, blank-only lines, controls)."""
    lines = text[:-1].split("\n") if text.endswith("\n") else []
    if (
        not lines
        or text.endswith("\n\n")
        or lines[0][:1] in (" ", "")
        or any(line.strip() == "" and line for line in lines)
        or not all(_PLAIN_SAFE.fullmatch(line) for line in lines)
    ):
        return yamlstr(text)
    pad = " " * indent
    return "|\n" + "\n".join(pad + line if line else "" for line in lines)


# what json.dumps leaves as it is: no quote, backslash or control character
_JSON_PLAIN = re.compile(r'[^"\\\x00-\x1f]*')


def promql_string(value: str) -> str:
    """A PromQL double-quoted string literal holding exactly `value` (JSON's escapes, which
    PromQL reads; most label values need none, and skip the encoder)."""
    if _JSON_PLAIN.fullmatch(value):
        return '"' + value + '"'
    return json.dumps(value, ensure_ascii=False)


def selector(matchers: Iterable[tuple[str, str, str]]) -> str:
    """Label matchers -> `{a="b",c=~"d"}` with escaped values."""
    parts = [f"{name}{op}{promql_string(value)}" for name, op, value in matchers]
    return "{" + ", ".join(parts) + "}" if parts else ""


def num(value: Decimal | int | float) -> str:
    """Print a number exactly."""
    return fmt(value)


def promtool_values(segments: Iterable[Any]) -> str:
    """An input series' samples in promtool's expanding notation, `start+step x count` per
    segment (`start-step` falling, `_x<count + 1>` for a gap), space-separated: written
    here rather than in the template, which does it for tens of thousands of series."""
    parts = []
    for seg in segments:
        if seg.missing:
            parts.append(f"_x{seg.count + 1}")
        else:
            step = f"-{fmt(-seg.step)}" if seg.step < 0 else f"+{fmt(seg.step)}"
            parts.append(f"{fmt(seg.start)}{step}x{seg.count}")
    return " ".join(parts)


def template_dirs(overrides: Path | None = None) -> list[Path]:
    """Template search path: user overrides first, then the built-in templates."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "templates"
    builtin = packaged if packaged.is_dir() else package.parent / "templates"
    return ([overrides] if overrides else []) + [builtin]


def _loader(overrides: Path | None) -> jinja2.BaseLoader:
    """Overrides (regular files only, output/sandbox.py) before the built-in templates."""
    builtin = jinja2.FileSystemLoader(str(template_dirs()[-1]))
    return jinja2.ChoiceLoader([OverrideLoader(overrides), builtin]) if overrides else builtin


_FIELDS: dict[type, frozenset[str]] = {}


def _plan_fields(kind: type) -> frozenset[str]:
    """Data fields of one of obsgen's own plan dataclasses (none for any other type)."""
    found = _FIELDS.get(kind)
    if found is None:
        ours = dataclasses.is_dataclass(kind) and kind.__module__.startswith("generator.")
        names = (f.name for f in dataclasses.fields(kind)) if ours else ()
        found = _FIELDS[kind] = frozenset(n for n in names if not n.startswith("_"))
    return found


class _PlanSandbox(BoundedSandbox):
    """The sandbox, with a direct path for reading a data field of a plan object.

    Templates mostly read fields of the plan's frozen dataclasses; the general sandbox
    check of every such read was half of rendering 100 services. A field of our own
    dataclass is plain data, so reading it is as safe as reading a dict item; anything else
    (methods, other types, underscored names) takes the full sandbox check."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute in _plan_fields(type(obj)):
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)


@functools.lru_cache(maxsize=8)
def environment(overrides: Path | None = None, sandboxed: bool | None = None) -> jinja2.Environment:
    """The Jinja environment: strict, no autoescape (we escape per value kind). Cached, so
    compiled templates are reused across renders.

    With `--templates` overrides it is the bounded sandbox (output/sandbox.py): an override
    is the user's code, and every built-in template it includes runs there with it. The
    built-in templates alone are obsgen's own code and run without the sandbox's check of
    every attribute read, call and operator (40 % of rendering 1,000 services); a test
    renders every fixture through both and finds the same bytes, so a built-in template
    copied into an override directory renders as it did. `sandboxed` forces either."""
    if sandboxed is None:
        sandboxed = overrides is not None
    kind = _PlanSandbox if sandboxed else jinja2.Environment
    env = kind(
        loader=_loader(overrides),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=bytecode_cache(sandboxed),
    )
    env.filters.update(yamlstr=yamlstr, selector=selector, num=num, promql_string=promql_string)
    env.filters["promtool_values"] = promtool_values
    env.filters["yamlblock"] = yamlblock
    env.filters["am_matcher"] = lambda pair: matcher_text(*pair)  # Alertmanager label matcher
    env.filters.update(md_text=md_text, md_code=md_code, md_url=md_url, md_comment=md_comment)
    # `tojson` prints Decimals exactly (plan numbers are Decimals; json.dumps refuses them)
    env.policies["json.dumps_function"] = canonical_json.dumps
    if sandboxed:
        env.filters.update(
            {name: bounded_filter(name, env.filters[name]) for name in AMPLIFYING_FILTERS}
        )
    return env


@dataclass(frozen=True)
class Output:
    """One file to write: its path under out/, template and context."""

    path: str
    template: str
    context: dict[str, Any]


OutputPlanner = Callable[[Plan], list[Output]]


def prometheus_outputs(plan: Plan) -> list[Output]:
    """Rule files and prometheus.yml."""
    outputs = [Output(f.path, "prometheus/rules.yml.j2", {"file": f}) for f in plan.rule_files]
    outputs.append(
        Output(plan.prometheus.path, "prometheus/prometheus.yml.j2", {"config": plan.prometheus})
    )
    return outputs


def rule_test_outputs(plan: Plan) -> list[Output]:
    """The `promtool test rules` files proving every alert (promtest/plan.py)."""
    return [Output(f.path, "prometheus/tests.yml.j2", {"file": f}) for f in plan.tests]


def grafana_outputs(plan: Plan) -> list[Output]:
    """Dashboard JSON files and the Grafana provisioning files."""
    grafana = plan.grafana
    if grafana is None:
        return []
    outputs = [
        Output(d.path, "grafana/dashboards/dashboard.json.j2", {"dashboard": d})
        for d in grafana.dashboards
    ]
    outputs.append(
        Output(
            grafana.datasources_path,
            "grafana/provisioning/datasources.yml.j2",
            {"datasource": grafana.datasource},
        )
    )
    outputs.append(
        Output(
            grafana.providers_path,
            "grafana/provisioning/dashboards.yml.j2",
            {"provider": grafana.provider},
        )
    )
    return outputs


def alertmanager_outputs(plan: Plan) -> list[Output]:
    """alertmanager.yml and its routing table (when the spec has a routing section)."""
    am = plan.alertmanager
    if am is None:
        return []
    config = am.path.rsplit("/", 1)[-1]
    return [
        Output(am.path, "alertmanager/alertmanager.yml.j2", {"am": am}),
        Output(am.table_path, "alertmanager/routing-table.yml.j2", {"am": am, "config": config}),
    ]


def catalogue_outputs(plan: Plan) -> list[Output]:
    """The alert catalogue for reviewers (catalogue/plan.py); its plots are drawn by
    catalogue/plots.py."""
    if plan.catalogue is None:
        return []
    return [Output(plan.catalogue.path, "ALERTS.md.j2", {"catalogue": plan.catalogue})]


# One entry per output kind: a plan function choosing files, templates and contexts.
PLANNERS: list[OutputPlanner] = [
    prometheus_outputs,
    rule_test_outputs,
    grafana_outputs,
    alertmanager_outputs,
    catalogue_outputs,
]


def render(plan: Plan, overrides: Path | None = None) -> dict[str, str]:
    """Render every output of `plan`; keys are paths relative to out/, sorted."""
    env = environment(overrides)
    files: dict[str, str] = {}
    for planner in PLANNERS:
        for output in planner(plan):
            files[output.path] = render_one(env, output, plan)
    return dict(sorted(files.items()))


def render_outputs(
    plan: Plan, outputs: list[Output], overrides: Path | None = None
) -> dict[str, str]:
    """Render the given outputs (the planners of other targets call this)."""
    env = environment(overrides)
    return {output.path: render_one(env, output, plan) for output in outputs}


def _failed_at(exc: BaseException) -> tuple[str | None, int | None]:
    """The file and line of the template frame that failed (Jinja maps frames to template
    lines)."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code.co_filename
        if code.endswith(".j2"):
            filename, line = code, tb.tb_lineno
        tb = tb.tb_next
    return filename, line


def _template_error(env: jinja2.Environment, exc: BaseException, default: str, what: str) -> str:
    """`template file:line: what`, and which overrides a failing built-in template reads."""
    filename, line = _failed_at(exc)
    where = f"{filename or default}:{line}" if line else str(filename or default)
    return f"template {where}: {what}{override_hint(env, filename, template_dirs()[-1])}"


def render_one(env: jinja2.Environment, output: Output, plan: Plan) -> str:
    try:
        template = env.get_template(output.template)
        context = {"source": plan.source, "system": plan.system, **output.context}
        text = render_bounded(template, context)
    except jinja2.TemplateError as exc:
        raise TemplateError(
            _template_error(env, exc, output.template, str(exc.message or exc))
        ) from None
    except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError) as exc:
        # what a user template can still provoke: 1/0, 2.0**5000, int('x'), endless macros
        what = f"{type(exc).__name__}: {exc}"
        raise TemplateError(_template_error(env, exc, output.template, what)) from None
    if not text.strip():
        raise TemplateError(f"template {output.template} rendered an empty {output.path}")
    text = text.replace("\r\n", "\n")
    if output.path.endswith(".json"):
        # templates lay JSON out freely; one canonical form is committed (sorted, indent 2)
        try:
            return canonical_json.canonical(text)
        except canonical_json.JSONFormError as exc:
            raise TemplateError(f"template {output.template}: {output.path}: {exc}") from None
    return text if text.endswith("\n") else text + "\n"
