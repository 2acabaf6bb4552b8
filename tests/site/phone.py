"""What a reader on a phone would notice: console errors, failed requests, a page wider than the screen."""

PHONE = {"width": 390, "height": 844}


def open_on_a_phone(page, path: str) -> dict:
    """Load `path` at 390 px wide and report what went wrong: {errors, failed, overflow} (overflow in px)."""
    errors = []

    def console(message):
        # The browser asks for /favicon.ico on its own; the site's pages never link to it.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(PHONE)
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    return {
        "status": response.status,
        "errors": errors,
        "failed": list(page.failed),
        "overflow": max(0, width - PHONE["width"]),
    }
