"""Live tail of the synthetic history: a /metrics endpoint on 127.0.0.1 for both servers.

Prometheus evaluates rules only at "now", and the backfilled history ends when the benchmark
starts; without new samples the 5m windows would empty out minutes later. This endpoint
keeps advancing the same `Traffic` object, exposing each step with its own timestamp, so the
series continue seamlessly (same labels once the scrape config drops `instance`).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.rule_cost.synth import Traffic, exposition


class Exporter:
    """Serves the current state of a Traffic model at http://127.0.0.1:<port>/metrics."""

    def __init__(self, traffic: Traffic) -> None:
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    body = exposition(traffic, time.time()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def target(self) -> str:
        """host:port to scrape."""
        return f"127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Exporter:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self.thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
