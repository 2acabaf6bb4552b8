"""The documented web server (gunicorn with config/gunicorn.py) keeps answering while clients upload slowly."""

import socket
import threading
import time
import urllib.request

import pytest

from tests.gunicorn import Gunicorn
from tests.worker import database_url

pytestmark = pytest.mark.django_db

SERVER_ENV = {"SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "0"}


def _trickle(port: int, stop: threading.Event):
    """A client on a slow link: a POST whose 1,000-byte body arrives a byte every half second."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /api/v1/evaluate/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        while not stop.wait(0.5):
            sock.sendall(b" ")


def test_slow_uploads_do_not_hold_up_other_requests():
    with Gunicorn(env={**SERVER_ENV, "DATABASE_URL": database_url()}, workers=2) as server:
        stop = threading.Event()
        clients = [threading.Thread(target=_trickle, args=(server.port, stop), daemon=True) for _ in range(3)]
        for client in clients:
            client.start()
        try:
            time.sleep(1)  # the slow clients have sent their headers and hold their connections
            started = time.monotonic()
            with urllib.request.urlopen(server.url("/api/v1/jurisdictions/"), timeout=10) as response:
                assert response.status == 200
            assert time.monotonic() - started < 3
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=5)
