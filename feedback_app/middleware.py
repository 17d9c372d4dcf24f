"""When the database is locked or unreachable for a moment, say "please try again" clearly.

Every write is one transaction, so a request that fails this way has stored nothing half-way;
the customer (or API client) is told to retry, with a Retry-After header, instead of seeing a
server error.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database busy or unreachable on %s: %s", request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": "Busy for a moment. Nothing was stored; please try again."},
                status=503,
            )
        else:
            response = render(request, "public/try_again.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
