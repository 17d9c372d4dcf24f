"""One place where domain errors become API answers."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from feedback_app.core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        details = dict(exc.details)
        errors = details.pop("errors", None)
        if exc.field:
            body[exc.field] = {str(k): [v] for k, v in errors.items()} if errors else [exc.message]
        body.update(details)
        return Response(body, status=exc.http_status or status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
