"""The `routing` section of the spec: receivers, route tree, inhibitions, time intervals.

Secrets never enter the spec: receivers name the *files* Alertmanager reads them from
(`routing_key_file`, `api_url_file`, `auth_password_file`, `credentials_file`: fields
Alertmanager 0.25 and later know). The inline forms are declared only to reject them with a
message saying what to write instead. Cross-field checks (references, reachability, time
coverage) live in `crosscheck_routing.py`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from generator.numbers import format_duration, parse_duration

SEVERITIES = ("critical", "warning", "info", "none")
# spec.py imports this module, so the few primitives shared with it are restated here.
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_TARGET = re.compile(r"^[A-Za-z0-9.\-_\[\]:]+:\d{1,5}$")
# A Go template in a receiver field would be expanded by Alertmanager: keep values literal.
_NO_TEMPLATE = re.compile(r"^[^{}\x00-\x1f\x7f]*$")
_FILE = re.compile(r"^/[^\s\x00-\x1f\x7f\"'`$\\{}]*[^/\s]$")
_URL = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?(/[A-Za-z0-9._~%!&'()*+,;=:@/\-]*)?$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
_CHANNEL = re.compile(r"^[#@]?[a-z0-9][a-z0-9._\-]{0,79}$")
_ALERTNAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:]*$")
_MATCH_VALUE = re.compile(r"^[A-Za-z0-9 _.:/@+\-]{1,256}$")
_LOCATION = re.compile(r"^(UTC|Local|[A-Z][A-Za-z_\-]+(/[A-Za-z0-9_+\-]+){1,2})$")
_WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def _file_path(value: str) -> str:
    if "://" in value:
        raise ValueError(
            "takes the path of a file holding the secret, not the secret itself; write the "
            "value into a file Alertmanager can read and put that file's path here"
        )
    if not _FILE.match(value):
        raise ValueError(
            f"{value!r} is not an absolute file path (e.g. /etc/alertmanager/secrets/pagerduty)"
        )
    return value


def _url(value: str) -> str:
    if re.match(r"^https?://[^/]*@", value):
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
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _regex(regex: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(f"{value!r} is not a valid {what}")
        return value

    return AfterValidator(check)


def _inline_secret(file_field: str) -> BeforeValidator:
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

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _duration(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a duration string such as 30s or 5m")
    ms = parse_duration(value)
    if ms <= 0:
        raise ValueError("must be longer than zero")
    return format_duration(ms)


Name = Annotated[str, _regex(_NAME, "name (lower case letters, digits and '-')")]
LabelName = Annotated[str, _regex(_LABEL_NAME, "label name")]
Target = Annotated[str, _regex(_TARGET, "host:port")]
Duration = Annotated[str, BeforeValidator(_duration)]
FilePath = Annotated[str, AfterValidator(_file_path)]
Url = Annotated[str, AfterValidator(_url)]
Email = Annotated[str, _regex(_EMAIL, "e-mail address")]
AlertName = Annotated[str, _regex(_ALERTNAME, "alert name")]
MatchValue = Annotated[str, _regex(_MATCH_VALUE, "label value (letters, digits, ' _.:/@+-')")]
DurationOrZero = Annotated[str, BeforeValidator(_duration0)]
Severity = Literal["critical", "warning", "info", "none"]
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


class PagerDutyReceiver(Model):
    """Pages through the PagerDuty Events API v2."""

    kind: Literal["pagerduty"] = Field(description="Receiver kind.")
    routing_key_file: FilePath = Field(
        description="Absolute path of a file holding the Events API v2 integration key."
    )
    url: Url | None = Field(
        None, description="Events API endpoint; Alertmanager's default (PagerDuty US) if unset."
    )
    send_resolved: bool = Field(True, description="Also notify when the alert resolves.")
    routing_key: Annotated[Secret, _inline_secret("routing_key_file")] = None
    service_key: Annotated[Secret, _inline_secret("routing_key_file")] = None


class SlackReceiver(Model):
    """Posts to a Slack channel through an incoming-webhook URL kept in a file."""

    kind: Literal["slack"] = Field(description="Receiver kind.")
    api_url_file: FilePath = Field(
        description="Absolute path of a file holding the Slack incoming-webhook URL."
    )
    channel: Annotated[str, _regex(_CHANNEL, "Slack channel")] = Field(
        description="Channel to post to, e.g. '#duri-alerts'."
    )
    send_resolved: bool = Field(True, description="Also notify when the alert resolves.")
    api_url: Annotated[Secret, _inline_secret("api_url_file")] = None


class EmailReceiver(Model):
    """Sends e-mail through an SMTP relay (tickets, digests)."""

    kind: Literal["email"] = Field(description="Receiver kind.")
    to: Emails = Field(description="Recipient address or addresses.")
    from_: Email = Field(alias="from", description="Sender address.")
    smarthost: Target = Field(description="SMTP relay, host:port.")
    auth_username: Annotated[str, _regex(_NO_TEMPLATE, "user name")] | None = Field(
        None, max_length=200, description="SMTP user; needs auth_password_file."
    )
    auth_password_file: FilePath | None = Field(
        None, description="Absolute path of a file holding the SMTP password."
    )
    require_tls: bool = Field(True, description="Require STARTTLS (false only for local relays).")
    send_resolved: bool = Field(False, description="Also notify when the alert resolves.")
    auth_password: Annotated[Secret, _inline_secret("auth_password_file")] = None
    auth_secret: Annotated[Secret, _inline_secret("auth_password_file")] = None


class Authorization(Model):
    """The Authorization header of a webhook, its credentials read from a file."""

    type: Annotated[str, _regex(re.compile(r"^[A-Za-z][A-Za-z0-9\-]{0,31}$"), "scheme")] = Field(
        "Bearer", description="Authorization scheme."
    )
    credentials_file: FilePath = Field(
        description="Absolute path of a file holding the credentials (e.g. a bearer token)."
    )
    credentials: Annotated[Secret, _inline_secret("credentials_file")] = None


class HttpConfig(Model):
    """HTTP client settings of a webhook."""

    authorization: Authorization = Field(description="Authorization header.")


class WebhookReceiver(Model):
    """POSTs Alertmanager's JSON payload to a URL (dead man's switches, bridges)."""

    kind: Literal["webhook"] = Field(description="Receiver kind.")
    url: Url = Field(
        description="Endpoint; no credentials or query string (the URL is written in the clear)."
    )
    http_config: HttpConfig | None = Field(None, description="Authorization for the endpoint.")
    send_resolved: bool = Field(True, description="Also notify when the alert resolves.")
    max_alerts: Annotated[int, Field(ge=0)] = Field(
        0, description="Most alerts per message; 0 sends all."
    )


Receiver = Annotated[
    PagerDutyReceiver | SlackReceiver | EmailReceiver | WebhookReceiver,
    Field(discriminator="kind"),
]


class Match(Model):
    """Which alerts a route or inhibition side selects: every field given must match.

    A list means any of its values. `team` selects the alerts of the services the team owns
    (alerts carry `service`, not `team`).
    """

    alertname: AlertNames | None = Field(None, description="Alert name(s), e.g. Watchdog.")
    severity: Severities | None = Field(
        None, description="Severity or severities: critical, warning, info, none (Watchdog)."
    )
    tier: Names | None = Field(None, description="Tier name(s).")
    service: Names | None = Field(
        None, description="Service name(s): services, 'node', datastores."
    )
    team: Names | None = Field(None, description="Team(s): the alerts of the services they own.")
    slo: Names | None = Field(None, description="SLO name(s) of SLO alerts.")
    labels: dict[LabelName, MatchValues] = Field(
        default_factory=dict, description="Other labels alerts carry: Prometheus external labels."
    )


class Route(Model):
    """A route: alerts it matches go to its receiver (or to a matching child route)."""

    match: Match = Field(default_factory=Match, description="Alerts this route takes.")
    receiver: Name = Field(description="Receiver (a name in routing.receivers).")
    group_by: tuple[LabelName, ...] | None = Field(
        None, description="Labels that group alerts into one notification; inherited if unset."
    )
    group_wait: DurationOrZero | None = Field(
        None, description="Wait before the first notification of a group; inherited if unset."
    )
    group_interval: Duration | None = Field(
        None, description="Wait before notifying about new alerts in a group; inherited."
    )
    repeat_interval: Duration | None = Field(
        None, description="Wait before repeating a notification; inherited if unset."
    )
    continue_: bool = Field(
        False, alias="continue", description="Keep matching later sibling routes after this one."
    )
    active_in: tuple[Name, ...] = Field(
        (), description="Time intervals outside which this route sends nothing."
    )
    muted_in: tuple[Name, ...] = Field((), description="Time intervals when it sends nothing.")
    routes: tuple[Route, ...] = Field((), description="Child routes, tried in order.")


class InhibitRule(Model):
    """While a `source` alert fires, mute `target` alerts with the same `equal` labels."""

    source: Match = Field(description="Alerts that inhibit.")
    target: Match = Field(description="Alerts that are muted; must not overlap `source`.")
    equal: tuple[LabelName, ...] = Field(
        min_length=1,
        description="Labels source and target must share (without them one alert mutes all).",
    )


def _weekday(value: str) -> str:
    for part in value.split(":"):
        if part not in _WEEKDAYS:
            raise ValueError(f"{value!r}: weekdays are {', '.join(_WEEKDAYS)} or a range a:b")
    return value


def _range_of(low: int, high: int, names: tuple[str, ...] = ()) -> AfterValidator:
    def check(value: str) -> str:
        parts = value.split(":")
        if len(parts) > 2:
            raise ValueError(f"{value!r} is not a value or a range a:b")
        for part in parts:
            if part in names:
                continue
            if not re.fullmatch(r"-?\d+", part) or not low <= int(part) <= high or part == "0":
                shown = f"{', '.join(names)} or " if names else ""
                raise ValueError(f"{value!r}: expected {shown}numbers {low}..{high} (not 0)")
        return value

    return AfterValidator(check)


def _clock(value: str) -> str:
    m = re.fullmatch(r"(\d{2}):(\d{2})", value)
    hour, minute = (int(m.group(1)), int(m.group(2))) if m else (-1, -1)
    if not (0 <= hour < 24 and 0 <= minute < 60) and (hour, minute) != (24, 0):
        raise ValueError(f"{value!r} is not a time of day HH:MM (00:00 to 24:00)")
    return value


Clock = Annotated[str, AfterValidator(_clock)]


class TimeRange(Model):
    """A span of the day (start inclusive, end exclusive)."""

    start_time: Clock = Field(description="Start, HH:MM.")
    end_time: Clock = Field(description="End, HH:MM; after start_time.")

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end_time <= self.start_time:
            raise ValueError(f"end_time {self.end_time} must be after start_time {self.start_time}")
        return self


class TimeSpan(Model):
    """One entry of a time interval; every field given must hold (Alertmanager semantics)."""

    weekdays: tuple[Annotated[str, AfterValidator(_weekday)], ...] = Field(
        (), description="Days or ranges: monday, monday:friday."
    )
    times: tuple[TimeRange, ...] = Field((), description="Times of day.")
    days_of_month: tuple[Annotated[str, _range_of(-31, 31)], ...] = Field(
        (), description="Days of the month or ranges (1:7; negative counts from the end)."
    )
    months: tuple[Annotated[str, _range_of(1, 12, _MONTHS)], ...] = Field(
        (), description="Months or ranges: january:march, 1:3."
    )
    years: tuple[Annotated[str, _range_of(1970, 9999)], ...] = Field(
        (), description="Years or ranges: 2025:2026."
    )
    location: Annotated[str, _regex(_LOCATION, "IANA time zone name")] | None = Field(
        None, description="IANA time zone the times are in, e.g. Asia/Seoul; UTC if unset."
    )


class Routing(Model):
    """Alertmanager routing: who hears about which alert, and when."""

    receiver: Name = Field(
        description="Catch-all receiver of the root route: alerts no route takes go here."
    )
    group_by: tuple[LabelName, ...] = Field(
        ("alertname", "service"), description="Default grouping labels."
    )
    group_wait: DurationOrZero = Field("30s", description="Default wait before a first notice.")
    group_interval: Duration = Field("5m", description="Default wait between group updates.")
    repeat_interval: Duration = Field("4h", description="Default wait before repeating.")
    receivers: dict[Name, Receiver] = Field(min_length=1, description="Notification targets.")
    routes: tuple[Route, ...] = Field((), description="Routes, tried in order.")
    inhibit: tuple[InhibitRule, ...] = Field((), description="Inhibition rules.")
    time_intervals: dict[Name, tuple[TimeSpan, ...]] = Field(
        default_factory=dict,
        # checks try every in/out combination of the intervals: 2**12 stays instant
        max_length=12,
        description="Named time intervals (e.g. business hours) for active_in / muted_in.",
    )
