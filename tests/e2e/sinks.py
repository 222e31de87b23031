"""Local stand-ins for PagerDuty, Slack and webhooks, and the notices they record.

Alertmanager keeps each receiver's kind: it posts PagerDuty Events v2 JSON, Slack webhook
JSON and its webhook JSON, and sends e-mail over SMTP (smtp_sink.py). One HTTP sink on
127.0.0.1 takes the first three at /<kind>/<receiver>/... Every arrival becomes a
`Notification` (receiver, firing/resolved, the alerts' labels) that keeps the raw request,
so tests can check the secrets Alertmanager read from files too.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Labels = dict[str, str]
# Alertmanager's default "__subject" template: [FIRING:n] <group values> (<other common values>)
_SUBJECT = re.compile(r"^\[(?:FIRING:\d+|RESOLVED)\] (?P<group>[^(]*?)(?: \((?P<rest>[^)]*)\))?$")
_LABEL_LINE = re.compile(r"^ - (?P<name>[A-Za-z_][A-Za-z0-9_]*) = (?P<value>.*)$")
_HTML_LABEL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) = ([^<]*)<br")


@dataclass(frozen=True)
class Notification:
    """One notice as a receiver got it.

    `alerts` holds the full label sets of the alerts in the notice's state (the firing ones
    of a firing notice, the resolved ones of a resolved notice) when the kind carries them
    (webhook, PagerDuty, e-mail). Slack's default message carries only its title, so for
    Slack `alerts` is empty and `group` plus `other_values` (the values of the other labels
    the alerts share) say what it is about.
    """

    receiver: str
    kind: str
    status: str  # firing | resolved
    group: Labels
    other_values: tuple[str, ...]
    alerts: tuple[Labels, ...]
    at: float  # time.monotonic() of arrival
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    def about(self, labels: Mapping[str, str]) -> bool:
        """Whether this notice reports an alert with exactly `labels`."""
        if self.alerts:
            return any(alert == dict(labels) for alert in self.alerts)
        if any(labels.get(k) != v for k, v in self.group.items()):
            return False
        others = [v for k, v in sorted(labels.items()) if k not in self.group]
        return set(self.other_values) <= set(others)


def _subject(subject: str, group_by: Sequence[str]) -> tuple[Labels, tuple[str, ...]]:
    match = _SUBJECT.match(subject.strip())
    if not match:
        raise ValueError(f"not Alertmanager's default subject: {subject!r}")
    values = match["group"].split(" ")
    rest = tuple(match["rest"].split(" ")) if match["rest"] else ()
    return dict(zip(sorted(group_by), values, strict=True)), rest


def _instances(text: str) -> tuple[Labels, ...]:
    """Label sets of PagerDuty's default details ("Labels:\\n - name = value\\n...")."""
    alerts: list[Labels] = []
    current: Labels | None = None
    for line in text.splitlines():
        if line == "Labels:":
            current = {}
            alerts.append(current)
        elif line == "Annotations:" or line.startswith("Source:"):
            current = None
        elif current is not None and (m := _LABEL_LINE.match(line)):
            current[m["name"]] = m["value"]
    return tuple(alerts)


def parse_http(
    kind: str, receiver: str, body: Mapping[str, Any], group_by: Sequence[str], at: float
) -> Notification:
    """A Notification from the JSON Alertmanager posted to a PagerDuty, Slack or webhook sink."""
    if kind == "webhook":
        alerts = tuple(dict(a["labels"]) for a in body["alerts"] if a["status"] == body["status"])
        group = dict(body["groupLabels"])
        return Notification(receiver, kind, body["status"], group, (), alerts, at, body)
    if kind == "pagerduty":
        status = "resolved" if body["event_action"] == "resolve" else "firing"
        payload = body.get("payload") or {}
        details = payload.get("custom_details") or {}
        group, rest = _subject(payload.get("summary", ""), group_by) if payload else ({}, ())
        alerts = _instances(details.get(status, ""))
        return Notification(receiver, kind, status, group, rest, alerts, at, body)
    if kind == "slack":
        (attachment,) = body["attachments"]
        title = attachment["title"]
        status = "resolved" if title.startswith("[RESOLVED]") else "firing"
        group, rest = _subject(title, group_by)
        return Notification(receiver, kind, status, group, rest, (), at, body)
    raise ValueError(f"no sink for receiver kind {kind!r}")


def parse_email(
    receiver: str, message: EmailMessage, group_by: Sequence[str], at: float, raw: Mapping[str, Any]
) -> Notification:
    """A Notification from an e-mail in Alertmanager's default HTML template."""
    subject = str(message["Subject"])
    status = "resolved" if subject.startswith("[RESOLVED]") else "firing"
    group, rest = _subject(subject, group_by)
    part = message.get_body(("html",))
    text = part.get_content() if part is not None else ""
    # firing alerts come first, then a "Resolved" heading and the resolved ones
    before, _, after = text.partition("Resolved</strong>")
    text = before if status == "firing" else after
    alerts = []
    # the template writes each alert as "<strong ...>Labels</strong><br ...>name = value<br ...>"
    for block in text.split(">Labels</strong>")[1:]:
        labels_html = block.split(">Annotations</strong>")[0]
        alerts.append({k: html.unescape(v).strip() for k, v in _HTML_LABEL.findall(labels_html)})
    return Notification(receiver, "email", status, group, rest, tuple(alerts), at, raw)


class Inbox:
    """Every notification received, in arrival order; waits wake on each new one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: list[Notification] = []
        self.errors: list[str] = []  # requests the sinks could not read

    def add(self, item: Notification) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def fail(self, message: str) -> None:
        with self._cond:
            self.errors.append(message)
            self._cond.notify_all()

    def all(self) -> list[Notification]:
        with self._cond:
            return list(self._items)

    def wait(
        self,
        found: Callable[[list[Notification]], Notification | None],
        timeout: float,
        cancel: threading.Event,
    ) -> Notification | None:
        """The first notification `found` picks, waiting up to `timeout` s (or a cancel)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                hit = found(list(self._items))
                left = deadline - time.monotonic()
                if hit is not None or left <= 0 or cancel.is_set():
                    return hit
                self._cond.wait(min(left, 0.5))


class _HttpHandler(BaseHTTPRequestHandler):
    server: HttpSink

    def do_POST(self) -> None:
        at = time.monotonic()
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = self.path.strip("/").split("/")
        try:
            body = json.loads(raw)
            kind, receiver = parts[0], parts[1]
            note = parse_http(kind, receiver, body, self.server.group_by, at)
        except (ValueError, KeyError, IndexError) as exc:
            self.server.inbox.fail(f"POST {self.path}: {exc}: {raw[:300]!r}")
            self.send_response(400)
            self.end_headers()
            return
        # the headers stay with the notice: tests check the secrets read from files
        raw_record = {"path": self.path, "headers": dict(self.headers), "body": body}
        self.server.inbox.add(dataclasses.replace(note, raw=raw_record))
        reply = (
            b'{"status":"success","message":"Event processed"}' if kind == "pagerduty" else b"ok"
        )
        self.send_response(202 if kind == "pagerduty" else 200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Notices are recorded in the inbox, not logged."""


class HttpSink(ThreadingHTTPServer):
    """PagerDuty, Slack and webhook endpoints on 127.0.0.1: POST /<kind>/<receiver>/..."""

    daemon_threads = True

    def __init__(self, inbox: Inbox, group_by: Sequence[str]) -> None:
        super().__init__(("127.0.0.1", 0), _HttpHandler)
        self.inbox = inbox
        self.group_by = tuple(group_by)

    @property
    def port(self) -> int:
        """The ephemeral port it listens on."""
        return int(self.server_address[1])

    def start(self) -> None:
        """Serve in a daemon thread."""
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        ).start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()
