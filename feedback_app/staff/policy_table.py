"""The access policy laid against what the project actually serves.

`pages()` walks the URL conf, `operations()` the OpenAPI schema; each pairs what it finds with
its row in `feedback_app.core.policy` (None where there is none). The tests use both to make a
page or operation without a rule fail CI, and `markdown()` prints the README's role table
(`manage.py access_policy`).
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator

from feedback_app.core import policy


@dataclass(frozen=True)
class ServedPage:
    route: str
    view_name: str
    rule: policy.Page | None


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    key: str
    allowed: frozenset[str] | None


def _walk(patterns, prefix="", namespaces=()):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield route, pattern, namespaces


def pages() -> list[ServedPage]:
    """Every route outside the API, once, with the view name the resolver gives it."""
    found, seen = [], set()
    for route, pattern, namespaces in _walk(get_resolver().url_patterns):
        if route.startswith("api/v1/") or route in seen:
            continue
        seen.add(route)
        name = pattern.name or pattern.lookup_str
        view_name = ":".join((*namespaces, name))
        found.append(ServedPage(route, view_name, policy.page_rule(view_name)))
    return found


def api_routes() -> list[str]:
    return [
        route
        for route, _pattern, _ns in _walk(get_resolver().url_patterns)
        if route.startswith("api/v1/")
    ]


def operations() -> list[Operation]:
    """Every operation of the OpenAPI schema with its policy key."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, methods in schema["paths"].items():
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
        view_class = match.func.cls
        actions = getattr(match.func, "actions", None) or {}
        for method in methods:
            view = view_class(**match.func.initkwargs)
            if actions:
                view.action = actions.get(method)
            key = policy.api_key(view, method.upper())
            found.append(Operation(method.upper(), path, key, policy.API.get(key)))
    return found


def _cells(allowed: frozenset[str]) -> str:
    return " | ".join("yes" if role in allowed else "·" for role in policy.ROLE_ORDER)


def markdown() -> str:
    """The README's role table: every page and operation, every role."""
    header = " | ".join(policy.ROLE_TITLES[role] for role in policy.ROLE_ORDER)
    rule_line = "|".join(["---"] * (len(policy.ROLE_ORDER) + 2))
    lines = [
        "Pages (open = GET, post = POST; `·` = refused: sign in, 403, or the link's own page):",
        "",
        f"| page | | {header} |",
        f"|{rule_line}|",
    ]
    for page in pages():
        if page.view_name.startswith("admin:") and page.view_name != "admin:index":
            continue
        rule = page.rule or policy.Page(policy.NOBODY)
        label = "`/admin/…` (the Django admin)" if page.view_name == "admin:index" else ""
        label = label or f"`/{page.route}`"
        note = f" ({rule.note})" if rule.note else ""
        lines.append(f"| {label}{note} | open | {_cells(rule.read)} |")
        if rule.write:
            lines.append(f"| | post | {_cells(rule.write)} |")
        for action, allowed in rule.actions.items():
            lines.append(f"| | post step `{action}` | {_cells(allowed)} |")
    lines += ["", "API operations:", "", f"| operation | {header} |", f"|{rule_line[4:]}|"]
    for op in sorted(operations(), key=lambda op: (op.path, op.method)):
        lines.append(f"| `{op.method} {op.path}` | {_cells(op.allowed or policy.NOBODY)} |")
    return "\n".join(lines) + "\n"
