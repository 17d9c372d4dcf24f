"""Every hop from one app to another is a named signal, and the table that lists them
(feedback_app.core.signals.HOPS, printed in the README) says exactly who receives each."""

import re
import weakref
from pathlib import Path

from django.db.models import signals as model_signals
from django.dispatch import Signal

from feedback_app.core import signals

ROOT = Path(__file__).resolve().parents[2]


def _receivers(signal) -> list[str]:
    names = []
    for entry in signal.receivers:
        ref = entry[1]
        receiver = ref() if isinstance(ref, weakref.ReferenceType) else ref
        if receiver is not None:
            names.append(f"{receiver.__module__}.{receiver.__qualname__}")
    return names


def test_the_table_names_every_receiver_of_every_signal():
    for name, (_sender, receivers) in signals.HOPS.items():
        assert _receivers(getattr(signals, name)) == receivers, name


def test_every_cross_app_signal_is_in_the_table():
    declared = {name for name, value in vars(signals).items() if isinstance(value, Signal)}
    assert declared == set(signals.HOPS)


def test_no_domain_flow_rides_on_model_signals():
    """Only Django's own machinery listens to model signals; our apps connect none."""
    ours = ("feedback_app", "surveys", "recovery")
    for signal in (
        model_signals.pre_save,
        model_signals.post_save,
        model_signals.pre_delete,
        model_signals.post_delete,
        model_signals.m2m_changed,
    ):
        assert not [r for r in _receivers(signal) if r.startswith(ours)], signal


def test_the_readme_prints_the_table():
    readme = (ROOT / "README.md").read_text()
    for name, (sender, receivers) in signals.HOPS.items():
        row = f"| `{name}` | {sender} | {', '.join(receivers)} |"
        assert row in readme, row


def test_tasks_are_queued_by_their_function_object():
    """A task named by a dotted string is a hop a reader cannot follow (or a rename silently
    breaks): the product code queues the function itself."""
    named = []
    for package in ("feedback_app", "surveys", "recovery"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            for match in re.finditer(r"(?:queue_item_task|async_task)\(\s*[\"']", text):
                named.append(
                    f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
                )
    assert not named, named
