"""The OpenAPI schema: every operation documents the error responses it can give."""

ERRORS = {
    "400": "Invalid parameters or body: the message says which and why.",
    "401": "Credentials were given but are wrong, expired or revoked.",
    "403": "Not allowed: writes and review need a staff user (review also its permission).",
    "404": "No such object, or not visible to you.",
    "405": "Method not allowed on this path.",
    "429": "Too many requests: wait for the number of seconds in Retry-After.",
    "503": "A service the request needs (mail, the database) is unavailable: try again later.",
}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": True,
        "description": "`detail` for most errors; a field-to-messages mapping for invalid input.",
    }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
