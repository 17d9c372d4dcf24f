"""Background work of the surveys app, as django-q2's schedules and queued tasks name it: the
scheduled sweeps, and the item tasks that live beside their service (queued there by function
object) named here too, so tasks already queued under these names still run."""

import logging

from surveys.selectors import intake_backlog
from surveys.services.imports import imports_sweep, run_import
from surveys.services.invitations import invitations_send_due, send_invitation
from surveys.services.mail_intake import poll_mailbox
from surveys.services.received import received_sweep, store_received
from surveys.services.triage import (
    triage_complaint,
    triage_response,
    triage_sweep,
    triage_waiting_complaints,
)

__all__ = [
    "poll_mailbox",
    "run_import",
    "send_due_invitations",
    "send_invitation",
    "store_received",
    "sweep_imports",
    "sweep_received",
    "sweep_untriaged",
    "triage_complaint",
    "triage_response",
    "triage_waiting_complaints",
]


def send_due_invitations() -> dict[str, int]:
    """Scheduled every minute: invitations whose delay has passed, and due reminders."""
    return invitations_send_due()


def sweep_received() -> int:
    """Scheduled every minute: answers a lost task left waiting, and failed ones again."""
    return received_sweep()


logger = logging.getLogger("feedback_app.intake")


def sweep_untriaged() -> int:
    """Scheduled every minute: triage what a lost task left untriaged, and log the intake's
    state in one line (django-q2's own per-task lines are below the default log level)."""
    done = triage_sweep()
    backlog = intake_backlog()
    failing = backlog["failing"] or backlog["complaints_failing"] or backlog["failed_tasks"]
    logger.log(
        logging.WARNING if failing else logging.INFO,
        "intake: %d answers waiting to be stored (%d failing), %d complaints waiting to be filed "
        "(%d failing), %d items untriaged, %d swept now, %d background tasks failed in the last "
        "minute",
        backlog["waiting"],
        backlog["failing"],
        backlog["complaints_waiting"],
        backlog["complaints_failing"],
        backlog["untriaged"],
        done,
        backlog["failed_tasks"],
    )
    return done


def sweep_imports() -> int:
    """Scheduled: mark imports that stopped advancing as failed, with the reason."""
    return imports_sweep()
