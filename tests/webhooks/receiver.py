"""A real HTTP receiver on loopback for the webhook tests: records every request and answers
from a script (status codes, a redirect, or a pause longer than the sender's timeout)."""

import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Redirect:
    location: str
    status: int = 302


@dataclass(frozen=True)
class Pause:
    """Answer 200 after `seconds` (longer than the sender's timeout: the sender gives up)."""

    seconds: float


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: deque = deque()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver._arrived:
                    receiver.requests.append(
                        Received("POST", self.path, dict(self.headers.items()), body)
                    )
                    action = receiver.script.popleft() if receiver.script else 200
                    receiver._arrived.notify_all()
                if isinstance(action, Pause):
                    time.sleep(action.seconds)
                    action = 200
                if isinstance(action, Redirect):
                    self.send_response(action.status)
                    self.send_header("Location", action.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                answer = b"ok" if action < 300 else b"receiver says no"
                self.send_response(action)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def answer(self, *actions) -> None:
        """Script the next answers, in order; after them every request gets 200."""
        self.script.extend(actions)

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout)

    def start(self) -> "Receiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
