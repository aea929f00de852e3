"""What the OpenAPI schema says beyond what drf-spectacular infers from the views.

- Request bodies accept no property they do not list (`additionalProperties: false`), as the
  strict serializers refuse unknown fields (portal/core/api.py).
- Every operation documents the errors any operation may answer, all in the one shape
  `{"code", "detail", "errors"?}`: bad input, authentication, permission, not found, conflict,
  body too large, unsupported media type, throttled, database unavailable.
"""

ERROR_SCHEMA = {
    "type": "object",
    "description": 'Every error: a stable code ("invalid", "unknown-parameter", "already-claimed"...) and a '
    "readable detail; `errors` gives the messages per field (nested by field name and item index) when the "
    "input was refused field by field.",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["code", "detail"],
}

ERRORS = {
    "400": "The input is not valid (body, query parameter or paging value); nothing was changed.",
    "401": "A token is needed, or the token given is not valid.",
    "403": "The user or token may not do this (a read-only token never writes).",
    "404": "No such object that you may see.",
    "406": "The `Accept` header asks for a format the API does not give (it answers JSON).",
    "409": "The object is not in a state that allows this.",
    "429": "Too many requests: try again later.",
    "503": "The database is briefly unavailable: retry after the `Retry-After` seconds.",
}
BODY_ERRORS = {
    "413": "The request body is too large.",
    "415": "Send the body as application/json.",
}


def _refs(node):
    """Every component name a schema node refers to, at any depth."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _blank_as_any_of(node):
    """drf-spectacular writes a text field that may be blank and has a pattern as
    `oneOf: [{pattern...}, {maxLength: 0}]`; our pattern matches "" too, so "" would match both
    branches and fail `oneOf`. Either branch is fine: `anyOf` says so."""
    if isinstance(node, dict):
        one_of = node.get("oneOf")
        if isinstance(one_of, list) and {"type": "string", "maxLength": 0} in one_of:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _blank_as_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _blank_as_any_of(value)


def strict_api(result, generator, request, public):
    """drf-spectacular post-processing hook: see the module's docstring."""
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    _blank_as_any_of(schemas)
    # The components request bodies use, and the ones those nest: they accept nothing else.
    pending = [name for path in result.get("paths", {}).values() for op in path.values()
               if isinstance(op, dict) for name in _refs(op.get("requestBody", {}))]  # fmt: skip
    bodies = set()
    while pending:
        name = pending.pop()
        if name not in bodies and name in schemas:
            bodies.add(name)
            pending.extend(_refs(schemas[name]))
    for name in bodies:
        if schemas[name].get("type") == "object":
            schemas[name]["additionalProperties"] = False
    components["responses"] = {
        f"Error{status}": {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status, description in {**ERRORS, **BODY_ERRORS}.items()
    }
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            statuses = [*ERRORS, *(BODY_ERRORS if method in ("post", "put", "patch") else ())]
            for status in statuses:
                responses.setdefault(status, {"$ref": f"#/components/responses/Error{status}"})
    return result
