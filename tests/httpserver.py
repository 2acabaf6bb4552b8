"""A local HTTP server for tests: each path serves a fixed or computed response, and every request is recorded."""

import itertools
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRICKLE_LINES = 50
# handler(request_headers) -> (status, headers, body); a header whose value is None is not sent.
Handler = Callable[[Message], tuple[int, dict[str, str | None], bytes | str]]


@dataclass(frozen=True)
class Route:
    status: int = 200
    headers: dict[str, str | None] | None = None
    body: bytes | str = b""
    delay: float = 0.0
    handler: Handler | None = None
    trickle: float = 0.0


class FixtureServer:
    """Serves routes on 127.0.0.1 from a daemon thread; unrouted paths answer 404.

    A route's Content-Length is filled in unless its headers set one; `{"Content-Length": None}` sends the body
    without it, ended by closing the connection. A route with `trickle` sends its status line, then one made-up
    header line every `trickle` seconds, never ending the headers, until the client hangs up (or TRICKLE_LINES
    lines later, so a client that never gives up fails its test instead of hanging it). A route matches the full
    request path, or the path before "?".
    `tls=(certfile, keyfile)` serves https instead of http.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tls: tuple[str, str] | None = None):
        self.scheme = "https" if tls else "http"
        self.requests: list[tuple[str, Message]] = []
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _RequestHandler)
        self._server.daemon_threads = True
        self._server.fixture = self
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        headers: dict[str, str | None] | None = None,
        body: bytes | str = b"",
        delay: float = 0.0,
        handler: Handler | None = None,
        trickle: float = 0.0,
    ) -> None:
        self._routes[path] = Route(
            status=status, headers=headers, body=body, delay=delay, handler=handler, trickle=trickle
        )

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for target, _ in self.requests if path in (target, target.split("?")[0]))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FixtureServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _respond_to(self, target: str, request_headers: Message) -> tuple[Route, tuple[int, dict, bytes | str]]:
        with self._lock:
            self.requests.append((target, request_headers))
        route = self._routes.get(target) or self._routes.get(target.split("?")[0])
        if route is None:
            return Route(), (404, {"Content-Type": "text/plain"}, b"not found")
        if route.handler is not None:
            return route, route.handler(request_headers)
        return route, (route.status, route.headers or {}, route.body)


class _RequestHandler(BaseHTTPRequestHandler):
    server_version = "FixtureServer/1"

    def do_GET(self):
        self._answer(send_body=True)

    def do_HEAD(self):
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        route, (status, headers, body) = self.server.fixture._respond_to(self.path, self.headers)
        time.sleep(route.delay)
        if route.trickle:
            self._trickle(status, route.trickle)
            return
        body = body.encode() if isinstance(body, str) else body
        headers = dict(headers)
        if not any(name.lower() == "content-length" for name in headers):
            headers["Content-Length"] = str(len(body))
        try:
            self.send_response(status)
            for name, value in headers.items():
                if value is not None:
                    self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)
        except ConnectionError:
            pass  # the client gave up first, as a timeout or size-cap test means it to

    def _trickle(self, status: int, interval: float) -> None:
        lines = itertools.chain(
            [f"HTTP/1.1 {status} OK\r\n"], (f"X-Still-Coming-{n}: yes\r\n" for n in range(TRICKLE_LINES))
        )
        try:
            for line in lines:
                self.wfile.write(line.encode("ascii"))
                self.wfile.flush()
                time.sleep(interval)
        except (ConnectionError, OSError):
            pass  # the client gave up, as the deadline test means it to

    def log_message(self, format, *args):
        pass
