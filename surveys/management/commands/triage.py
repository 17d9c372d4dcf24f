"""Triage JSON lines from standard input with the live pipeline's engine; nothing is stored.

Each input line: {"id": ..., "text": "...", "score": 6, "scale": "nps", "kind": "complaint"}
(score, scale and kind optional). Each output line:
{"id": ..., "sentiment": ..., "polarity": ..., "severity": 1-4, "topics": [...], "reasons": [...]}
A line that cannot be read gives {"id": <id or line number>, "error": "..."} and the rest go on.
Lines are read and written one at a time, so any number of them fit in constant memory.
"""

import json
import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from surveys.triage.engine import check_score, default_vocabulary, triage


class Command(BaseCommand):
    help = "Triage JSON lines from stdin to stdout (no database writes)."

    def _vocabulary(self):
        # Imported here, not at the top: the command must start fast (it reads no database
        # unless the topic vocabulary is there), and the services pull in the whole ORM layer.
        from surveys.services.triage import vocabulary

        try:
            return vocabulary()
        except DatabaseError:  # no database yet: the built-in topics
            return default_vocabulary()

    def handle(self, *args, **options):
        vocabulary = self._vocabulary()
        out = sys.stdout
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            out.write(json.dumps(self._one(line, number, vocabulary), ensure_ascii=False) + "\n")
            if number % 1000 == 0:
                out.flush()
        out.flush()

    @staticmethod
    def _one(line: str, number: int, vocabulary) -> dict:
        try:
            item = json.loads(line)
        except ValueError as exc:
            return {"id": number, "error": f"line {number} is not JSON: {exc.msg}"}
        if not isinstance(item, dict):
            return {"id": number, "error": f"line {number} is not a JSON object"}
        ident = item.get("id", number)
        text, score, scale, kind = (
            item.get("text", ""),
            item.get("score"),
            item.get("scale"),
            item.get("kind", "response"),
        )
        if text is None:
            text = ""
        if not isinstance(text, str):
            return {"id": ident, "error": "text must be a string"}
        if (score is None) != (scale is None):
            return {"id": ident, "error": "score and scale go together"}
        try:
            check_score(scale, score)
            result = triage(
                text,
                scores=[(scale, int(score))] if scale else [],
                kind=kind,
                vocabulary=vocabulary,
            )
        except ValueError as exc:
            return {"id": ident, "error": str(exc)}
        return {"id": ident, **result.as_dict()}
