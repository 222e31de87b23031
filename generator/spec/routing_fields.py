"""Field types of the `routing` section: names, durations, file paths, URLs, matcher values.

spec/model.py imports the routing models, so the few primitives it shares with them (the Model
base, names, label names, host:port, durations) are restated here rather than imported.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema

from generator.core.numbers import format_duration, parse_duration
from generator.spec.fields import within

SEVERITIES = ("critical", "warning", "info", "none")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_TARGET = re.compile(r"^[A-Za-z0-9.\-_\[\]:]+:\d{1,5}$")
# A Go template in a receiver field would be expanded by Alertmanager: keep values literal.
NO_TEMPLATE = re.compile(r"^[^{}\x00-\x1f\x7f]*$")
_FILE = re.compile(r"^/[^\s\x00-\x1f\x7f\"'`$\\{}]*[^/\s]$")
_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?(/[A-Za-z0-9._~%!&'()*+,;=:@/\-]*)?$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
_ALERTNAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:]*$")
_MATCH_VALUE = re.compile(r"^[A-Za-z0-9 _.:/@+\-]{1,256}$")


def _file_path(value: str) -> str:
    if "://" in value:
        raise ValueError(
            "takes the path of a file holding the secret, not the secret itself; write the "
            "value into a file Alertmanager can read and put that file's path here"
        )
    if not _FILE.match(value):
        # not echoed: what is not a path here is often the secret itself
        raise ValueError(
            "is not an absolute file path (e.g. /etc/alertmanager/secrets/pagerduty); the "
            "secret goes into that file, never into the spec"
        )
    return value


def _url(value: str) -> str:
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*@", value):
        raise ValueError(
            "the URL carries credentials (user:password@); alertmanager.yml would hold them in "
            "the clear: put the token in http_config.authorization.credentials_file instead"
        )
    if "?" in value or "#" in value:
        raise ValueError(
            "query strings and fragments are not allowed: they usually carry tokens, and "
            "alertmanager.yml would hold them in the clear; use "
            "http_config.authorization.credentials_file"
        )
    if not _URL.match(value):
        raise ValueError("is not an http(s) URL")
    return value


def regex_check(regex: re.Pattern[str], what: str) -> AfterValidator:
    """Match `regex`; the value is not echoed (routing fields sit next to secrets)."""

    def check(value: str) -> str:
        if not regex.match(value):
            if "@" in value and what == "host:port":
                raise ValueError(
                    "must be host:port; credentials go into auth_username and "
                    "auth_password_file, never into the address"
                )
            if " " in value and what == "scheme":
                raise ValueError(
                    "must be one word such as Bearer; the credentials go into the file "
                    "named by credentials_file, never into the spec"
                )
            raise ValueError(f"is not a valid {what}")
        return value

    return AfterValidator(check)


def inline_secret(file_field: str) -> BeforeValidator:
    """A field that exists only to reject an inline secret with a helpful message."""

    def reject(value: object) -> None:
        raise ValueError(
            "secrets must not be written into the spec (it is committed, and copied into "
            "alertmanager.yml); store the value in a file Alertmanager can read and set "
            f"{file_field} to that file's path"
        )

    return BeforeValidator(reject)


def _one_or_more(value: object) -> object:
    return (value,) if isinstance(value, str) else value


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(values)) != len(values):
        raise ValueError("values must be unique")
    return values


def _duration0(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a duration string such as 0s, 30s or 5m")
    return format_duration(parse_duration(value))


class Model(BaseModel):
    """Base of the routing models: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


def _duration(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a duration string such as 30s or 5m")
    ms = parse_duration(value)
    if ms <= 0:
        raise ValueError("must be longer than zero")
    return format_duration(ms)


Name = Annotated[str, regex_check(_NAME, "name (lower case letters, digits and '-')")]
LabelName = Annotated[str, regex_check(_LABEL_NAME, "label name")]
Target = Annotated[str, regex_check(_TARGET, "host:port")]
# Schemas describe what users write (a duration string), as spec/model.py's do.
Duration = Annotated[
    str,
    BeforeValidator(_duration),
    WithJsonSchema({"type": "string", "pattern": r"^([0-9]+(ms|s|m|h|d|w))+$"}),
]
FilePath = Annotated[str, AfterValidator(_file_path)]
Url = Annotated[str, AfterValidator(_url)]
Email = Annotated[str, regex_check(_EMAIL, "e-mail address")]
AlertName = Annotated[str, regex_check(_ALERTNAME, "alert name")]
MatchValue = Annotated[str, regex_check(_MATCH_VALUE, "label value (letters, digits, ' _.:/@+-')")]
DurationOrZero = Annotated[
    str,
    BeforeValidator(_duration0),
    WithJsonSchema({"type": "string", "pattern": r"^(0|([0-9]+(ms|s|m|h|d|w))+)$"}),
]
Severity = Literal["critical", "warning", "info", "none"]
# Bounds Alertmanager imposes in effect: a repeat longer than its notification log's retention
# (--data.retention, 120h by default) is forgotten and re-sent early.
GroupWait = Annotated[DurationOrZero, within("1h", "a first notice waits minutes, not hours")]
GroupInterval = Annotated[Duration, within("1d", "group updates come at least daily")]
RepeatInterval = Annotated[
    Duration, within("5d", "Alertmanager forgets a notification after 120h and repeats it anyway")
]
Secret = SkipJsonSchema[Annotated[None, Field(exclude=True)]]


# One value or a list: the JSON Schema offers both forms, validation stores a tuple.
AlertNames = Annotated[
    tuple[AlertName, ...],
    BeforeValidator(_one_or_more, json_schema_input_type=AlertName | list[AlertName]),
    AfterValidator(_unique),
    Field(min_length=1),
]
Severities = Annotated[
    tuple[Severity, ...],
    BeforeValidator(_one_or_more, json_schema_input_type=Severity | list[Severity]),
    AfterValidator(_unique),
    Field(min_length=1),
]
Names = Annotated[
    tuple[Name, ...],
    BeforeValidator(_one_or_more, json_schema_input_type=Name | list[Name]),
    AfterValidator(_unique),
    Field(min_length=1),
]
MatchValues = Annotated[
    tuple[MatchValue, ...],
    BeforeValidator(_one_or_more, json_schema_input_type=MatchValue | list[MatchValue]),
    AfterValidator(_unique),
    Field(min_length=1),
]
Emails = Annotated[
    tuple[Email, ...],
    BeforeValidator(_one_or_more, json_schema_input_type=Email | list[Email]),
    AfterValidator(_unique),
    Field(min_length=1),
]
