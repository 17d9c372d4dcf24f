"""How a customer merge treats each kind of row that points at a customer.

Every model with a foreign key to Customer says so in a class attribute `CUSTOMER_MERGE` (one
rule, or a dict of rules by field name when it has several such keys); the merge
(`services/merge.py`) walks Customer's reverse relations and follows each model's rule, and a
test fails for a model that has none. The customer layer names no model of the other apps.

- MOVE: the row now belongs to the kept profile (most rows: identities, messages, tickets...).
- STAYS: the row keeps pointing where it did (the merge's own audit record).
- keep_one(key): the row moves unless the kept profile already has one with the same `key`
  (a unique constraint with the customer); then one of the two stays and the other is deleted:
  the kept profile's, unless the model's `merge_prefer(kept, moved)` chooses the moved one.
- OWN_STEP: the merge has a step of its own for these rows (contact preferences: the stricter
  answer per channel wins).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MergeRule:
    kind: str  # "move", "stays", "keep_one" or "own_step"
    key: tuple[str, ...] = ()
    among: dict = field(default_factory=dict)  # which rows the key is unique among

    def __post_init__(self):
        if self.kind not in ("move", "stays", "keep_one", "own_step"):
            raise ValueError(f"unknown merge rule {self.kind!r}")
        if (self.kind == "keep_one") != bool(self.key):
            raise ValueError("keep_one needs the key the customer is unique with, and only it")


MOVE = MergeRule("move")
STAYS = MergeRule("stays")
OWN_STEP = MergeRule("own_step")


def keep_one(*key: str, among: dict | None = None) -> MergeRule:
    return MergeRule("keep_one", tuple(key), dict(among or {}))


def rule_for(model, field_name: str) -> MergeRule | None:
    """The rule `model` declares for its customer key `field_name`, or None if it declares none."""
    rule = getattr(model, "CUSTOMER_MERGE", None)
    if isinstance(rule, dict):
        rule = rule.get(field_name)
    return rule if isinstance(rule, MergeRule) else None
