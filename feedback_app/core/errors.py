"""Errors the domain raises on purpose.

Services raise a DomainError subclass when a request makes sense technically but not in the
domain (merging a customer into itself, a step the workflow does not allow). Views turn them into
form errors or messages, the API into 400/409 answers, through one handler each.
"""


class DomainError(Exception):
    """A request the domain refuses; the message is written for the person who asked."""

    http_status = 400

    def __init__(self, message: str, *, field: str | None = None, **details):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class Conflict(DomainError):
    """The request contradicts the current state (already merged, already answered...)."""

    http_status = 409


class NotAllowed(DomainError):
    """The actor's role does not allow this (approving above a limit, skipping a step)."""

    http_status = 403
