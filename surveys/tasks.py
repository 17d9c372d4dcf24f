"""Background work of the surveys app: django-q2 runs these; each takes ids and is idempotent."""

from django_q.conf import Conf

from surveys.services.imports import import_run_stored, imports_sweep
from surveys.services.invitations import invitation_send, invitations_send_due
from surveys.services.responses import RECEIVED_LINGER, received_store, received_sweep
from surveys.services.triage import complaint_triage, response_triage, triage_sweep


def send_invitation(invitation_id: int) -> str | None:
    invitation = invitation_send(invitation_id=invitation_id)
    return invitation.status if invitation else None


def send_due_invitations() -> dict[str, int]:
    """Scheduled every minute: invitations whose delay has passed, and due reminders."""
    return invitations_send_due()


def triage_response(response_id: int) -> str | None:
    """Queued after commit for every new response."""
    response = response_triage(response_id=response_id)
    return response.sentiment if response else None


def triage_complaint(complaint_id: int) -> str | None:
    """Queued after commit for every new complaint."""
    complaint = complaint_triage(complaint_id=complaint_id)
    return complaint.sentiment if complaint else None


def store_received() -> int:
    """Queued by the invitation form (at most twice a second per web process): store the
    answers it accepted. Keeps looking for a moment once busy, so a burst is one long task, and
    hands what is left to a fresh task after half the task time limit."""
    if Conf.SYNC:
        return received_store()
    return received_store(linger=RECEIVED_LINGER, budget=(Conf.TIMEOUT or 120) / 2)


def sweep_received() -> int:
    """Scheduled every minute: answers a lost task left waiting, and failed ones again."""
    return received_sweep()


def sweep_untriaged() -> int:
    """Scheduled every minute: triage what a lost task left untriaged."""
    return triage_sweep()


def run_import(job_id: int) -> str:
    """Queued on upload (and by itself for the rest of a long file, after half the task time
    limit, so no import dies at the limit)."""
    budget = None if Conf.SYNC else (Conf.TIMEOUT or 120) / 2
    return import_run_stored(job_id=job_id, budget=budget).status


def sweep_imports() -> int:
    """Scheduled: mark imports that stopped advancing as failed, with the reason."""
    return imports_sweep()
