"""Every email the project sends is built here, from templates/emails/<name>-subject.txt, -body.txt and -body.html:
text and HTML always travel together, and links are absolute (SITE_URL)."""

import hashlib
import re
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines

_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def site_url(path: str = "/") -> str:
    return settings.SITE_URL + path


def mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def sender_address() -> str:
    """The bare address of DEFAULT_FROM_EMAIL, e.g. for a mailto: link."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or f"tracker@{mail_domain()}"


def message_id(key: str) -> str:
    """The same Message-ID for the same key, so a message sent again is recognisably the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{mail_domain()}>"


def _render(name: str, context: dict, *, html: bool) -> str:
    # The engine's own Template takes a Context, whose autoescape is off for the text parts: a plain-text email
    # shows "&" and quotes as they are.
    template = engines["django"].engine.get_template(f"emails/{name}")
    return template.render(Context(context, autoescape=html))


def render_text(name: str, context: dict) -> str:
    text = _render(name, context, html=False)
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("\n", text)).strip() + "\n"


def render_part(name: str, context: dict) -> tuple[str, str]:
    """emails/<name>.txt and emails/<name>.html, for a part shared by many messages: render it once, pass it on
    in each message's context (the HTML is marked safe)."""
    context = {"site_url": settings.SITE_URL, **context}
    return render_text(f"{name}.txt", context), _render(f"{name}.html", context, html=True)


def make_message(
    name: str,
    to: str,
    context: dict,
    *,
    headers: dict[str, str] | None = None,
    message_id_key: str | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    """Render emails/<name>-subject.txt, -body.txt and -body.html into one multipart/alternative message to `to`.

    message_id_key makes the Message-ID deterministic (a hash of the key at the SITE_URL's domain); without it the
    Message-ID is random.
    """
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(_render(f"{name}-subject.txt", context, html=False).split())
    headers = dict(headers or {})
    if message_id_key:
        headers["Message-ID"] = message_id(message_id_key)
    message = EmailMultiAlternatives(
        subject,
        render_text(f"{name}-body.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(_render(f"{name}-body.html", context, html=True), "text/html")
    return message
