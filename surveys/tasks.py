"""Background work of the surveys app: django-q2 runs these; each takes ids and is idempotent."""

from surveys.services.imports import import_run_stored
from surveys.services.invitations import invitation_send, invitations_send_due
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


def sweep_untriaged() -> int:
    """Scheduled every minute: triage what a lost task left untriaged."""
    return triage_sweep()


def run_import(job_id: int) -> str:
    return import_run_stored(job_id=job_id).status
