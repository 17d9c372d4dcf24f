"""API write limits: one rate for every POST, PATCH or DELETE, counted per API user.

Reads are not limited here; the public web forms have their own limit (PUBLIC_FORM_RATE).
"""

from rest_framework.throttling import ScopedRateThrottle

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class WriteRateThrottle(ScopedRateThrottle):
    scope_attr = "throttle_scope"

    def allow_request(self, request, view):
        if request.method not in WRITE_METHODS:
            return True
        view.throttle_scope = getattr(view, "throttle_scope", None) or "writes"
        return super().allow_request(request, view)
