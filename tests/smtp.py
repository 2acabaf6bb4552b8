"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd in a thread): it keeps every message it accepts, parsed as a
reader's mail program would, and can be told to refuse the next messages with a given reply."""

import email
import email.policy
import logging
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller

# aiosmtpd logs every command at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _Controller(Controller):
    """Listens on a free port (port 0) and learns which one before checking that the server answers."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _Handler:
    def __init__(self, server: "SMTPServer"):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        with self.server.lock:
            if self.server.refusals:
                return self.server.refusals.pop(0)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.server.messages.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class SMTPServer:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refusals: list[str] = []
        self.controller = _Controller(_Handler(self), hostname="127.0.0.1", port=0)

    @property
    def port(self) -> int:
        return self.controller.port

    def refuse_next(self, reply: str = "451 4.3.0 Try again later", *, times: int = 1):
        """Answer the next `times` messages with `reply` instead of accepting them."""
        with self.lock:
            self.refusals.extend([reply] * times)

    def received_by(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for message in self.messages if message["To"] == address]

    def start(self) -> "SMTPServer":
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def __enter__(self) -> "SMTPServer":
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
