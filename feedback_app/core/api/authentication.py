"""API token authentication that remembers a token's login and roles for a few seconds.

Every API call used to read the token with its user, then the user's groups: two statements
before any work. Here the first call reads them as DRF does and keeps what the policy needs (the
user's fields and roles) in the shared cache for `API_AUTH_CACHE_SECONDS` (default 5); calls in
that window read nothing. The admin forgets it at once when it changes who a token stands for:
deleting the token, saving or deleting the login (deactivating it, changing its groups), deleting
a group (`feedback_app.staff.admin`; our apps connect no model signals). A change made anywhere
else (a shell, an SQL update) takes effect within the window.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.authentication import TokenAuthentication

from feedback_app.core.roles import user_roles

USER_FIELDS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
)


def _cache_key(token_key: str) -> str:
    return "api-token:" + hashlib.sha256(token_key.encode()).hexdigest()


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        seconds = settings.API_AUTH_CACHE_SECONDS
        kept = cache.get(_cache_key(key)) if seconds else None
        if kept is not None and kept["until"] > time.time():
            return _user_from(kept), None
        user, token = super().authenticate_credentials(key)  # 401 for unknown or inactive
        if seconds:
            kept = {name: getattr(user, name) for name in USER_FIELDS}
            kept.update(roles=sorted(user_roles(user)), until=time.time() + seconds)
            cache.set(_cache_key(key), kept, seconds)
        return user, token


def _user_from(kept: dict):
    """The login as kept: a user object with its roles, as if read (no statement)."""
    user = get_user_model()(**{name: kept[name] for name in USER_FIELDS})
    user._state.adding = False
    user._state.db = "default"
    user._feedback_roles = frozenset(kept["roles"])
    return user


def token_cache_forget(*, user_id: int | None = None, key: str | None = None) -> None:
    """Forget what was kept for a token (or for the tokens of a login)."""
    from rest_framework.authtoken.models import Token

    if key:
        keys = [key]
    else:
        keys = list(Token.objects.filter(user_id=user_id).values_list("key", flat=True))
    cache.delete_many([_cache_key(k) for k in keys])
