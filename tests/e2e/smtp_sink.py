"""A local SMTP relay for the e2e test: accepts every message and records it as a notice.

Alertmanager's e-mail notifier connects to the receiver's `smarthost`, says EHLO, logs in
with AUTH PLAIN when the server offers it (Go's net/smtp sends credentials in the clear
only to 127.0.0.1/localhost), then MAIL FROM, RCPT TO and DATA. This server speaks just
that much, on 127.0.0.1 with an ephemeral port, in its own event-loop thread.
"""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import re
import threading
import time
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import Any

from tests.e2e.sinks import Inbox, parse_email


def _address(arg: str) -> str:
    """The address of `FROM:<a@b> BODY=8BITMIME` or `TO:<a@b>`."""
    match = re.search(r"<([^>]*)>", arg)
    return match[1] if match else arg.partition(":")[2].strip()


class SmtpSink:
    """An SMTP relay on 127.0.0.1 that accepts every message (AUTH PLAIN, no TLS).

    `mailboxes` maps recipient addresses to receiver names; the credentials each session
    authenticated with are kept with its messages.
    """

    def __init__(self, inbox: Inbox, group_by: Sequence[str], mailboxes: Mapping[str, str]):
        self.inbox = inbox
        self.group_by = tuple(group_by)
        self.mailboxes = dict(mailboxes)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        """Listen on an ephemeral 127.0.0.1 port, served by a private event loop thread."""
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._session, "127.0.0.1", 0), self._loop
        )
        self._server = started.result(timeout=10)
        self.port = int(self._server.sockets[0].getsockname()[1])

    def stop(self) -> None:
        """Close the listener and stop the loop thread."""
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state: dict[str, Any] = {"auth": None, "from": None, "to": []}

        async def reply(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        try:
            await reply("220 127.0.0.1 obsgen-e2e ESMTP")
            while line := (await reader.readline()).decode("utf-8", "replace").rstrip("\r\n"):
                verb, _, arg = line.partition(" ")
                verb = verb.upper()
                if verb == "EHLO":
                    await reply("250-127.0.0.1\r\n250-AUTH PLAIN\r\n250 8BITMIME")
                elif verb == "HELO":
                    await reply("250 127.0.0.1")
                elif verb == "AUTH":
                    mech, _, initial = arg.partition(" ")
                    if not initial:
                        await reply("334 ")
                        initial = (await reader.readline()).decode().strip()
                    _, user, password = base64.b64decode(initial).decode().split("\x00")
                    state["auth"] = (mech.upper(), user, password)
                    await reply("235 2.7.0 Authentication successful")
                elif verb == "MAIL":
                    state["from"] = _address(arg)
                    state["to"] = []
                    await reply("250 OK")
                elif verb == "RCPT":
                    state["to"].append(_address(arg))
                    await reply("250 OK")
                elif verb == "DATA":
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    self._deliver(state, await self._read_data(reader))
                    await reply("250 OK: queued")
                elif verb in ("RSET", "NOOP"):
                    await reply("250 OK")
                elif verb == "QUIT":
                    await reply("221 Bye")
                    break
                else:
                    await reply("502 Command not implemented")
        finally:
            writer.close()

    @staticmethod
    async def _read_data(reader: asyncio.StreamReader) -> bytes:
        lines = []
        while (line := await reader.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
        return b"".join(lines)

    def _deliver(self, state: Mapping[str, Any], data: bytes) -> None:
        at = time.monotonic()
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        raw = {"auth": state["auth"], "from": state["from"], "to": list(state["to"])}
        for rcpt in state["to"]:
            receiver = self.mailboxes.get(rcpt, f"<unknown recipient {rcpt}>")
            try:
                note = parse_email(
                    receiver, message, self.group_by, at, {**raw, "message": message}
                )
            except ValueError as exc:
                self.inbox.fail(f"e-mail to {rcpt}: {exc}")
                continue
            self.inbox.add(note)
