"""The schema says what the server does: error answers, nullable fields, parameter types, and
the server reads parameters and bodies the way the schema describes them."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_in_the_shared_body(schema):
    error = {"$ref": "#/components/schemas/Error"}
    assert {"detail", "allowed"} <= schema["components"]["schemas"]["Error"]["properties"].keys()
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        for code in ("401", "403"):
            assert responses[code]["content"]["application/json"]["schema"] == error, (
                method,
                path,
                code,
            )
        if "{" in path:
            assert "404" in responses, (method, path)
        if method in ("post", "put", "patch", "delete"):
            assert {"409", "429"} <= responses.keys(), (method, path)


def test_what_comes_back_null_is_documented_as_nullable(schema):
    components = schema["components"]["schemas"]
    for component, field in [
        ("Ticket", "assignee"),
        ("Ticket", "team"),
        ("TicketEvent", "actor"),
        ("Restitution", "decided_by"),
        ("TimelineEntry", "actor"),
        ("Notice", "sent_at"),
    ]:
        assert components[component]["properties"][field].get("nullable"), (component, field)


def test_inputs_are_described_as_what_they_are(schema):
    report = schema["paths"]["/api/v1/reports/{name}/"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in report}
    assert by_name["start"]["format"] == "date" and by_name["end"]["format"] == "date"
    assert set(by_name["period"]["enum"]) == {"week", "month"} and "enum" in by_name["channel"]
    rule = schema["components"]["schemas"]["TriggerRuleRequest"]["properties"]
    assert "ISO 8601" in rule["delay"]["description"]
    reference = rule["channel"]["allOf"][0]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][reference]["enum"] == ["email"]
    text = schema["components"]["schemas"]["ComplaintCreateRequest"]["properties"]["text"]
    assert text["minLength"] == 1 and text["pattern"] == r"\S"
    assert schema["info"]["version"].startswith("1.")


def test_a_created_or_changed_improvement_has_its_counts(api_client, manager):
    api_client.force_authenticate(manager)
    body = api_client.post("/api/v1/improvements/", {"title": "Photo proof"}).json()
    assert body["link_count"] == 0 and body["notice_count"] == 0
    changed = api_client.patch(f"/api/v1/improvements/{body['id']}/", {"title": "Photo proofs"})
    assert changed.status_code == 200
    assert changed.json()["link_count"] == 0 and changed.json()["notice_count"] == 0


@pytest.mark.parametrize("value", ["banana", "null", "2"])
def test_an_unknown_yes_or_no_is_refused(api_client, manager, value):
    api_client.force_authenticate(manager)
    response = api_client.get("/api/v1/trigger-rules/", {"active": value})
    assert response.status_code == 400 and "active" in response.json()


def test_yes_or_no_filters_read_true_and_false(api_client, manager):
    api_client.force_authenticate(manager)
    for value in ("true", "false", "1", "0", ""):
        assert api_client.get("/api/v1/trigger-rules/", {"active": value}).status_code == 200


def test_an_unknown_id_in_a_filter_matches_nothing(api_client, manager):
    api_client.force_authenticate(manager)
    for path, name in [
        ("/api/v1/complaints/", "customer"),
        ("/api/v1/questions/", "survey"),
        ("/api/v1/tickets/", "team"),
    ]:
        response = api_client.get(path, {name: 987654})
        assert response.status_code == 200 and response.json()["results"] == [], path
        assert api_client.get(path, {name: "x"}).status_code == 400, path


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", 12), ("public_link_enabled", 0), ("public_link_enabled", "yes")],
)
def test_values_of_another_type_are_refused_not_converted(api_client, manager, field, value):
    api_client.force_authenticate(manager)
    response = api_client.post("/api/v1/surveys/", {"name": "Post-delivery", field: value})
    assert response.status_code == 400 and field in response.json()


def test_bodies_are_json_only(api_client, manager):
    api_client.force_authenticate(manager)
    response = api_client.post("/api/v1/surveys/", {"name": "Form"}, format="multipart")
    assert response.status_code == 415


def _json_schema(node, components):
    """An OpenAPI 3.0 schema as plain JSON Schema: references inlined, `nullable` as a type."""
    if isinstance(node, list):
        return [_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    plain = {k: _json_schema(v, components) for k, v in node.items() if k != "nullable"}
    plain.pop("readOnly", None)
    if node.get("nullable"):
        plain = {"anyOf": [plain, {"type": "null"}]}
    return plain


def test_every_write_with_a_body_has_an_example_valid_for_its_schema(schema):
    import jsonschema

    components = schema["components"]["schemas"]
    for path, method, operation in operations(schema):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            continue
        assert "examples" in body, (method, path)
        value = body["examples"]["example"]["value"]
        jsonschema.validate(value, _json_schema(body["schema"], components))
