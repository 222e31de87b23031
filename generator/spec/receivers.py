"""Receivers of the `routing` section: PagerDuty, Slack, e-mail and webhook notifiers.

Secrets never enter the spec: receivers name the *files* Alertmanager reads them from
(`routing_key_file`, `api_url_file`, `auth_password_file`, `credentials_file`: fields
Alertmanager 0.25 and later know). The inline forms are declared only to reject them with a
message saying what to write instead.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from generator.spec.routing_fields import (
    NO_TEMPLATE,
    Email,
    Emails,
    FilePath,
    Model,
    Secret,
    Target,
    Url,
    inline_secret,
    regex_check,
)

_CHANNEL = re.compile(r"^[#@]?[a-z0-9][a-z0-9._\-]{0,79}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9\-]{0,31}$")


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
    routing_key: Annotated[Secret, inline_secret("routing_key_file")] = None
    service_key: Annotated[Secret, inline_secret("routing_key_file")] = None


class SlackReceiver(Model):
    """Posts to a Slack channel through an incoming-webhook URL kept in a file."""

    kind: Literal["slack"] = Field(description="Receiver kind.")
    api_url_file: FilePath = Field(
        description="Absolute path of a file holding the Slack incoming-webhook URL."
    )
    channel: Annotated[str, regex_check(_CHANNEL, "Slack channel")] = Field(
        description="Channel to post to, e.g. '#duri-alerts'."
    )
    send_resolved: bool = Field(True, description="Also notify when the alert resolves.")
    api_url: Annotated[Secret, inline_secret("api_url_file")] = None


class EmailReceiver(Model):
    """Sends e-mail through an SMTP relay (tickets, digests)."""

    kind: Literal["email"] = Field(description="Receiver kind.")
    to: Emails = Field(description="Recipient address or addresses.")
    from_: Email = Field(alias="from", description="Sender address.")
    smarthost: Target = Field(description="SMTP relay, host:port.")
    auth_username: Annotated[str, regex_check(NO_TEMPLATE, "user name")] | None = Field(
        None, max_length=200, description="SMTP user; needs auth_password_file."
    )
    auth_password_file: FilePath | None = Field(
        None, description="Absolute path of a file holding the SMTP password."
    )
    require_tls: bool = Field(True, description="Require STARTTLS (false only for local relays).")
    send_resolved: bool = Field(False, description="Also notify when the alert resolves.")
    auth_password: Annotated[Secret, inline_secret("auth_password_file")] = None
    auth_secret: Annotated[Secret, inline_secret("auth_password_file")] = None


class Authorization(Model):
    """The Authorization header of a webhook, its credentials read from a file."""

    type: Annotated[str, regex_check(re.compile(r"^[A-Za-z][A-Za-z0-9\-]{0,31}$"), "scheme")] = (
        Field("Bearer", description="Authorization scheme.")
    )
    credentials_file: FilePath = Field(
        description="Absolute path of a file holding the credentials (e.g. a bearer token)."
    )
    credentials: Annotated[Secret, inline_secret("credentials_file")] = None


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
    max_alerts: Annotated[int, Field(ge=0, le=1_000_000)] = Field(
        0, description="Most alerts per message; 0 sends all."
    )


Receiver = Annotated[
    PagerDutyReceiver | SlackReceiver | EmailReceiver | WebhookReceiver,
    Field(discriminator="kind"),
]
