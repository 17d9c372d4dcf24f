"""Lists of phrases as one regular expression each, built as a trie."""

from __future__ import annotations

import re
from collections.abc import Iterable


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern:
    """Any of the phrases as a whole word or words (a space in a phrase takes any run of white
    space), allowing a plural ending, the longest phrase that fits first."""
    root: dict = {}
    for phrase in {p.lower() for p in phrases}:
        node = root
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here
    return re.compile(r"(?<![\w'])(" + _trie(root) + r")(?:s|es)?(?![\w'])")


def _trie(node: dict) -> str:
    """A trie of phrases as a regular expression: phrases that begin alike share the test of
    their beginning, where a plain alternation tries every phrase in turn at every word (4 times
    faster on our phrase lists; benchmarks/README.md). Where a phrase ends and a longer one goes
    on, the longer is tried first (a greedy "?"), as the longest-first alternation did."""
    ways = [
        (r"\s+" if char == " " else re.escape(char)) + _trie(node[char])
        for char in sorted(c for c in node if c)
    ]
    if "" in node:
        return "(?:" + "|".join(ways) + ")?" if ways else ""
    return ways[0] if len(ways) == 1 else "(?:" + "|".join(ways) + ")"
