"""Who may use the API: one permission class, set as the default in settings.

It applies `feedback_app.core.policy.API`, the table of every operation by role, keyed by the
viewset's basename and action. An operation with no row is refused to everyone. Customers never
log in, so only staff and integration accounts reach anything.
"""

from rest_framework.permissions import BasePermission

from feedback_app.core import policy


class PolicyPermission(BasePermission):
    message = "Your role does not allow this operation."

    def has_permission(self, request, view):
        roles = policy.roles_of(request.user)
        if request.method == "OPTIONS":
            # DRF's metadata lists only the methods this same check allows for the caller.
            return bool(roles & policy.API_USERS)
        if not _handles(view, request.method):
            return True  # nothing will run: DRF answers 405 Method Not Allowed
        return policy.api_allows(roles, policy.api_key(view, request.method))


def _handles(view, method: str) -> bool:
    if hasattr(view, "action_map"):
        return view.action_map.get(method.lower()) is not None
    return hasattr(view, method.lower())
