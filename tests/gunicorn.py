"""A real gunicorn in a child process, started with the project's own settings (config/gunicorn.py)."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from tests.worker import ROOT, stop_process_group


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_static_root = None


def collected_static(env: dict) -> str:
    """collectstatic, once per test run, into a temporary STATIC_ROOT: with DEBUG off the pages name their CSS by
    its hashed name from the manifest, as in production (the Dockerfile collects at build time)."""
    global _static_root
    if _static_root is None:
        root = tempfile.mkdtemp(prefix="collected-static-")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env={**os.environ, **env, "STATIC_ROOT": root},
            check=True,
        )
        _static_root = root
    return _static_root


class Gunicorn:
    def __init__(self, *, env: dict, workers: int = 2, healthy: bool = True):
        """healthy=False: start() waits only for /healthz to answer, whatever it says (a server started without its
        database)."""
        self.healthy = healthy
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.process = None
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in stop)

    def start(self) -> "Gunicorn":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi",
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)],
            cwd=ROOT,
            env={**os.environ, "STATIC_ROOT": collected_static(self.env), **self.env},
            stdout=self.log,  # a file: a pipe nobody reads would fill with access lines and stall the server
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited at start:\n{self.output()}")
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=2).close()
                return self
            except urllib.error.HTTPError:
                if not self.healthy:
                    return self
                time.sleep(0.3)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self.stop()
        raise AssertionError("gunicorn did not answer /healthz within 60 s")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        stop_process_group(self.process)
        self.log.close()

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
