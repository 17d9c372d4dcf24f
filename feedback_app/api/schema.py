"""What the OpenAPI schema says beyond what drf-spectacular reads from the views, added by one
postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]):

- the error answers every operation can give, in one shared body (`Error`), so generated clients
  can handle them: every call can be refused (401 without credentials, 403 when the caller's
  role may not: feedback_app.core.policy); a path with an id can name nothing (404), and so can a
  page number past the end; parameters and bodies can be invalid (400); a write can conflict with
  the record's state (409: a step the workflow does not allow, with `allowed`), be throttled
  (429: feedback_app.core.api.throttling) or arrive in a media type we do not read (415);
- an example body for every write (feedback_app.api.examples);
- links from each create operation to the operations on the record it created;
- that an empty query parameter is no parameter, and that text which may not be blank needs a
  character that is not a space.
"""

from __future__ import annotations

from feedback_app.api.examples import EXAMPLES

ERROR = {
    "type": "object",
    "description": (
        "Every error answer. `detail` says what went wrong in words; a field's own errors come "
        "under its name (a list of messages, or an object of them for nested values); a step "
        "the workflow does not allow lists the steps it does allow in `allowed`."
    ),
    "properties": {
        "detail": {"type": "string", "example": "This ticket cannot be reassured now."},
        "allowed": {
            "type": "array",
            "items": {"type": "string"},
            "example": ["apologise", "close"],
        },
    },
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object"},
            {"type": "string"},
        ]
    },
    "example": {"text": ["This field may not be blank."]},
}

WRITES = {"post", "put", "patch", "delete"}
METHODS = {"get", *WRITES}
WHY = {
    "400": "Invalid parameters or body: the body says which field and why.",
    "401": "No credentials, or they are not valid.",
    "403": "The caller's role may not do this (see the access policy in the README).",
    "404": "Nothing with that id (or no such page), or nothing the caller may see.",
    "409": "The record's state does not allow this now; `allowed` lists what it does allow.",
    "415": "The body is in a media type we do not read (send application/json).",
    "429": "Too many writes: try again after the seconds in the Retry-After header.",
}


def _codes(method: str, operation: dict) -> list[str]:
    codes = ["401", "403"]
    parameters = operation.get("parameters", [])
    if operation.get("requestBody") or any(p.get("in") == "query" for p in parameters):
        codes.append("400")
    # An id in the path, a page number, or a required query parameter naming a record (a
    # complaint's receipt) can name nothing.
    if any(
        p.get("in") == "path"
        or p.get("name") == "page"
        or (p.get("in") == "query" and p.get("required"))
        for p in parameters
    ):
        codes.append("404")
    if method in WRITES:
        codes += ["409", "429"]
    if operation.get("requestBody"):
        codes.append("415")
    return codes


def _text_needs_a_character(schemas: dict) -> None:
    """Text fields that may not be blank are trimmed first (DRF's CharField), so " " is blank
    too: say so with a pattern (at least one character that is not a space)."""
    for name, component in schemas.items():
        if not name.endswith("Request"):
            continue
        for prop in component.get("properties", {}).values():
            if (
                prop.get("type") == "string"
                and prop.get("minLength", 0) >= 1
                and not ({"pattern", "format", "enum"} & prop.keys())
            ):
                prop["pattern"] = r"\S"


def _link_created_records(paths: dict) -> None:
    """OpenAPI links from each create operation (POST on a collection, 201) to every operation
    on the record it created (`{id}` under the same collection): a created ticket's id feeds its
    steps, a created survey's its publishing. Clients and Schemathesis's stateful phase follow
    them."""
    for path, methods in paths.items():
        created = methods.get("post", {}).get("responses", {}).get("201")
        if created is None or "{" in path:
            continue
        links = {}
        for other, other_methods in paths.items():
            if not other.startswith(f"{path}{{id}}/"):
                continue
            for method, operation in other_methods.items():
                if method in METHODS and "operationId" in operation:
                    links[operation["operationId"]] = {
                        "operationId": operation["operationId"],
                        "parameters": {"id": "$response.body#/id"},
                    }
        if links:
            created["links"] = links


def document_errors(result, generator, request, public):
    """Add the shared Error body and each operation's error answers to the schema; say that an
    empty query parameter is the same as leaving it out (allowEmptyValue), which is how django-
    filter and DRF read them; and that text which may not be blank needs a non-space character."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    _text_needs_a_character(schemas)
    _link_created_records(result.get("paths", {}))
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if method not in METHODS:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and (example := EXAMPLES.get(f"{method.upper()} {path}")):
                summary, value = example
                body["examples"] = {"example": {"summary": summary, "value": value}}
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            for code in _codes(method, operation):
                responses.setdefault(
                    code,
                    {
                        "description": WHY[code],
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
    return result
