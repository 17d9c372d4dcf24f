"""API write limits: one rate for every POST, PUT, PATCH or DELETE, counted per API user.

Reads are not limited here; the public web forms have their own limit (PUBLIC_FORM_RATE). Both
count with django-ratelimit: one counter per user and fixed window in the shared cache, so a
write costs one cache add or increment whatever the rate. (DRF's own throttles keep the moment
of every request in the window and rewrite that whole list on each one: at a rate of thousands a
minute, most of an API write's time.) A window ends at a moment of its own for each user, so the
windows of many clients do not all reopen at once.
"""

from django_ratelimit import UNSAFE
from django_ratelimit.core import get_usage
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

WRITE_METHODS = frozenset(UNSAFE)


class WriteRateThrottle(BaseThrottle):
    """At most the `writes` rate of DEFAULT_THROTTLE_RATES (API_WRITE_RATE, for example
    "600/min") per user; over it, 429 with Retry-After: the seconds until the window ends."""

    THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    scope = "writes"

    def __init__(self):
        self.seconds_left: int | None = None

    def allow_request(self, request, view) -> bool:
        rate = self.THROTTLE_RATES.get(self.scope)
        if request.method not in WRITE_METHODS or not rate:
            return True
        usage = get_usage(
            request,
            group=f"api:{self.scope}",
            key=self.who,
            rate=rate,
            method=UNSAFE,
            increment=True,
        )
        if usage is None:  # RATELIMIT_ENABLE off
            return True
        self.seconds_left = usage["time_left"]
        return not usage["should_limit"]

    def who(self, group: str, request) -> str:
        user = request.user
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{self.get_ident(request)}"

    def wait(self) -> int | None:
        return self.seconds_left
