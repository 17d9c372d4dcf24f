"""The API's JSON parser: DRF's, with hostile bodies answered as 400s instead of 500s."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32  # no request of ours nests deeper than a handful of levels


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        _check(data)
        return data


def _walk(data, depth=1):
    """(value, depth) for every value inside `data`, without recursion."""
    stack = [(data, depth)]
    while stack:
        value, level = stack.pop()
        yield value, level
        if isinstance(value, dict):
            stack.extend((k, level) for k in value)
            stack.extend((v, level + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, level + 1) for v in value)


def _check(data) -> None:
    """One pass over the parsed body: refuse nesting past MAX_DEPTH and NUL characters."""
    for value, level in _walk(data):
        if level > MAX_DEPTH:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        if isinstance(value, str) and "\x00" in value:
            raise ParseError("JSON parse error - text may not contain NUL (\\u0000) characters.")
