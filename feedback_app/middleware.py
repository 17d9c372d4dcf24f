"""The project's own middleware: the access policy at the door of every page, the API and the
admin in English, and a clear "please try again" when the database is busy for a moment."""

import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from feedback_app.core import policy

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


class AccessPolicyMiddleware:
    """Apply `feedback_app.core.policy.PAGES` before any page's view runs.

    A page with no row is refused to everyone. The API (under /api/v1/) has its own table,
    applied by its permission class so that it answers 401/403 in JSON. Pages opened by a
    customer's link let every caller through this door: their view checks the link.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match.route.startswith("api/v1/"):
            return None
        rule = policy.page_rule(match.view_name)
        roles = policy.roles_of(request.user) | policy.LINK_HOLDER
        action = match.kwargs.get("step", "")
        if rule is not None and rule.allows(roles, request.method, action):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if rule is None:
            logger.error("No access rule for %s (%s): refused", match.view_name, request.path)
        raise PermissionDenied(_("Your role does not allow this page or action."))


# What machines and operators read: the API (its messages and field names are a contract that
# integrations match on) and the admin (the operators' back office, whose field names are the
# models' own). They speak English whatever the browser asks; every other page, staff pages
# and sign-in included, speaks the language LocaleMiddleware chose (the language menu's cookie,
# else the browser's Accept-Language).
ENGLISH_ONLY = ("/admin/", "/api/")


class MachinesInEnglishMiddleware:
    """After LocaleMiddleware: the paths of ENGLISH_ONLY speak LANGUAGE_CODE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(ENGLISH_ONLY):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)


class DatabaseBusyMiddleware:
    """When the database is locked or unreachable for a moment, say "please try again" clearly.

    Every write is one transaction, so a request that fails this way has stored nothing half-way;
    the customer (or API client) is told to retry, with a Retry-After header, instead of seeing a
    server error.
    """

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
