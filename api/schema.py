"""The OpenAPI schema: every operation documents the error responses it can give, reads that need no credentials
say so, and parameters carry the limits the API enforces (lengths, bounds, and values that must exist)."""

from django.db import DatabaseError
from drf_spectacular import openapi
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from rest_framework import permissions

ERRORS = {
    "400": "Invalid parameters or body: the message says which and why.",
    "401": "Credentials were given but are wrong, expired or revoked.",
    "403": "Not allowed: writes, review and sources need a staff user with the matching permission.",
    "404": "No such object, or not visible to you.",
    "405": "Method not allowed on this path.",
    "429": "Too many requests: wait for the number of seconds in Retry-After.",
    "503": "A service the request needs (mail, the database) is unavailable: try again later.",
}


class AutoSchema(openapi.AutoSchema):
    def get_auth(self):
        """Reads of views whose permission lets anyone read (views.StaffWrites) need no credentials: `{}` joins
        the security requirements, as drf-spectacular does for AllowAny and IsAuthenticatedOrReadOnly."""
        auths = super().get_auth()
        anyone_reads = any(getattr(p, "anyone_reads", False) for p in self.view.get_permissions())
        if anyone_reads and self.method in permissions.SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


class BoundedFilters(DjangoFilterExtension):
    """A numeric filter's min_value and max_value (a 400 outside them) are its parameter's minimum and maximum, a
    text filter's max_length its maxLength, and a single-valued filter given empty (as the browsable API's form
    sends it) filters nothing."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        bounds = {"minimum": filter_field.extra.get("min_value"), "maximum": filter_field.extra.get("max_value")}
        for parameter in parameters:
            if parameter["schema"].get("type") in ("number", "integer"):
                parameter["schema"].update({key: value for key, value in bounds.items() if value is not None})
            if parameter["schema"].get("type") == "string" and filter_field.extra.get("max_length"):
                parameter["schema"]["maxLength"] = filter_field.extra["max_length"]
            parameter["schema"] = _or_empty(parameter["schema"])
        return parameters


def _or_empty(schema: dict) -> dict:
    """The schema of a query parameter that may also be given empty, meaning not given."""
    if schema.get("type") == "array" or (schema.get("type") == "string" and not ({"enum", "format"} & set(schema))):
        return schema
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], ""]}
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


def _limit_strings(parameter):
    """views.ApiViewMixin refuses NUL bytes and values over MAX_PARAM_LENGTH characters."""
    from api.views import MAX_PARAM_LENGTH  # the views module loads this one's AutoSchema

    schema = parameter.get("schema", {})
    if parameter.get("in") == "query" and schema.get("type") == "string" and "enum" not in schema:
        schema.setdefault("maxLength", MAX_PARAM_LENGTH)
        schema.setdefault("pattern", "^[^\\u0000]*$")


def _existing_values(result):
    """Values that must name a row: their current list, so a client (and schemathesis) knows what is accepted."""
    from api.serializers import MAX_FINDINGS
    from registry.models import AIModel, CapabilityThreshold, Jurisdiction
    from registry.vocabulary import Domain

    try:
        models = sorted(AIModel.objects.values_list("name", flat=True))
        slugs = list(CapabilityThreshold.objects.approved().values_list("slug", flat=True))
        jurisdictions = sorted(Jurisdiction.objects.values_list("code", flat=True))
    except DatabaseError:  # `manage.py check` builds the schema too, where the database may be out of reach
        return
    findings = sorted({*Domain.values, *slugs})
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        properties = schema.get("properties", {})
        if name.startswith("Profile"):
            _only(properties.get("model"), models)
            _only(properties.get("original_model"), models)
            if name.endswith("Request"):  # any other field is a 400 that names it
                schema["additionalProperties"] = False
            if "capability_findings" in properties:  # OpenAPI 3.0 has no propertyNames
                findings_schema = properties["capability_findings"]
                findings_schema["properties"] = {key: {"type": "boolean"} for key in findings}
                findings_schema["additionalProperties"] = False
                findings_schema["maxProperties"] = MAX_FINDINGS
        if name.startswith("Subscription") and "jurisdictions" in properties:
            _only(properties["jurisdictions"].get("items"), jurisdictions)
    evaluate_get = result.get("paths", {}).get("/api/v1/evaluate/", {}).get("get", {})
    # The query string carries flat figures; findings (an object) only travel in a POST's JSON body.
    evaluate_get["parameters"] = [p for p in evaluate_get.get("parameters", []) if p["name"] != "capability_findings"]
    for parameter in evaluate_get["parameters"]:
        if parameter["name"] in ("model", "original_model"):
            _only(parameter["schema"], models)


def _only(schema, values):
    if schema is not None and values:  # an empty enum is not valid OpenAPI
        schema["enum"] = values


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
            for parameter in operation.get("parameters", []):
                _limit_strings(parameter)
                if parameter["in"] == "query" and parameter["name"] in ("page", "page_size"):
                    parameter["schema"] = _or_empty({**parameter["schema"], "minimum": 1})
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    _existing_values(result)
    return result
