"""Field types of the spec: exact numbers, durations, byte sizes, names, selectors."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from generator.core.numbers import (
    MAX_MAGNITUDE,
    check_number,
    dec,
    format_duration,
    parse_bytes,
    parse_duration,
    parse_redis_bytes,
)

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_TARGET = re.compile(r"^[A-Za-z0-9.\-_\[\]:]+:\d{1,5}$")
# An absolute URL path of unreserved characters: no query (`?token=...` would put a secret
# into prometheus.yml), no fragment, no `..` segments, no spaces or percent-escapes.
_METRICS_PATH = re.compile(r"^(/[A-Za-z0-9._~\-]*)+$")


def _number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a number")
    if isinstance(value, str) and len(value) > 100:
        raise ValueError("must be a number")  # not echoed: Decimal would read 4 MiB of digits
    return check_number(dec(value))


def shown(value: object, limit: int = 60) -> str:
    """`value` quoted for a message, cut to `limit` characters (never a whole 4 MiB string)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...'"


def _duration(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a duration string such as 5m or 1d")
    if value.strip().startswith("-"):
        raise ValueError(f"{shown(value)} is negative; durations must be longer than zero")
    ms = parse_duration(value)
    if ms <= 0:
        raise ValueError("must be longer than zero")
    return format_duration(ms)


def _bytes(value: object) -> int:
    if not isinstance(value, int | str):
        raise ValueError("must be a size such as 512Mi or 1Gi")
    return parse_bytes(value)


def _redis_bytes(value: object) -> int:
    if not isinstance(value, int | str):
        raise ValueError("must be a size such as 512mb, 2gb or 512Mi")
    return parse_redis_bytes(value)


def _pattern(regex: re.Pattern[str], what: str, *, echo: bool = True) -> AfterValidator:
    """Full-match `regex`; `echo=False` for values that may hold a secret (never shown)."""

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"{shown(value) + ' ' if echo else ''}is not a valid {what}")
        return value

    return AfterValidator(check)


def _no_credentials(value: str) -> str:
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*@", value):
        raise ValueError(
            "the URL carries credentials (user:password@), which would be written into the "
            "generated files in the clear; give the URL without them"
        )
    return value


NoCredentials = AfterValidator(_no_credentials)


def _metrics_path(value: str) -> str:
    # the value is not echoed: a path with a query string may be carrying a token
    if "?" in value or "#" in value:
        raise ValueError(
            "must be a path without a query string or fragment (a query may carry a secret, "
            "which would be written into prometheus.yml); give only the path, e.g. /metrics"
        )
    if not _METRICS_PATH.fullmatch(value) or {".", ".."} & set(value.split("/")):
        raise ValueError(
            "is not a valid metrics path: it must start with '/' and hold letters, digits and "
            "._~- only, without '.' or '..' segments, e.g. /actuator/prometheus"
        )
    return value


def within(high: str, why: str, low: str | None = None) -> AfterValidator:
    """A duration field's bounds: at most `high` (and at least `low`), `why` said in the error."""

    def check(value: str) -> str:
        ms = parse_duration(value)
        if ms > parse_duration(high) or (low is not None and ms < parse_duration(low)):
            span = f"between {low} and {high}" if low else f"at most {high}"
            raise ValueError(f"must be {span}: {why} (got {value})")
        return value

    return AfterValidator(check)


# JSON Schemas describe what users write (editors check it), not the parsed Python type.
_LIMIT = int(MAX_MAGNITUDE)
_NUMBER_SCHEMA = WithJsonSchema(
    {"type": "number", "exclusiveMinimum": -_LIMIT, "exclusiveMaximum": _LIMIT}
)
_DURATION_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": r"^([0-9]+(ms|s|m|h|d|w))+$", "examples": ["5m", "1h30m"]}
)
_BYTES_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": 1024**6},
            {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?\s*([KMGT]i?B?|kB|B)?$"},
        ],
        "examples": ["512Mi", "1Gi"],
    }
)
_REDIS_BYTES_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "integer", "minimum": 1},
            {
                "type": "string",
                "pattern": r"^([0-9]+([bB]|[kKmMgG][bB]?)?|[0-9]+(\.[0-9]+)?\s*[KMGT]iB?)$",
            },
        ],
        "examples": ["512mb", "2gb", "512Mi"],
    }
)
Number = Annotated[Decimal, BeforeValidator(_number), _NUMBER_SCHEMA]
Positive = Annotated[
    Decimal,
    BeforeValidator(_number),
    Field(gt=0),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": _LIMIT}),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(_number),
    Field(gt=0, le=100),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 100}),
]
Objective = Annotated[
    Decimal,
    BeforeValidator(_number),
    Field(gt=0, lt=100),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100}),
]
Duration = Annotated[str, BeforeValidator(_duration), _DURATION_SCHEMA]
Bytes = Annotated[int, BeforeValidator(_bytes), Field(gt=0), _BYTES_SCHEMA]
RedisBytes = Annotated[int, BeforeValidator(_redis_bytes), Field(gt=0), _REDIS_BYTES_SCHEMA]
MetricName = Annotated[str, _pattern(_METRIC_NAME, "metric name")]
LabelName = Annotated[str, _pattern(_LABEL_NAME, "label name")]
Name = Annotated[str, _pattern(_NAME, "name (lower case letters, digits and '-')")]
Target = Annotated[str, _pattern(_TARGET, "scrape target (host:port)", echo=False)]
MetricsPath = Annotated[
    str,
    Field(max_length=200),
    AfterValidator(_metrics_path),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 200,
            "pattern": _METRICS_PATH.pattern,
            "examples": ["/metrics", "/actuator/prometheus"],
        }
    ),
]
Scheme = Literal["http", "https"]
LabelValue = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")]
Selector = Annotated[
    dict[LabelName, LabelValue],
    Field(description="Exact-match label selector, e.g. {job: duri-core}."),
]


class Model(BaseModel):
    """Base of every spec model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
