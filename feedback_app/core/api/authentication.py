"""API token authentication that remembers a token's login and roles for a few seconds.

Every API call used to read the token with its user, then the user's groups: two statements
before any work. Here the first call reads them as DRF does and keeps what the policy needs (the
user's fields and roles) in the shared cache for `API_AUTH_CACHE_SECONDS` (default 5); calls in
that window read nothing. Anything that changes who a token stands for forgets it at once:
deleting or replacing the token, saving the user (deactivating it), changing the user's groups
(`token_cache_signals`, connected when the apps are ready). A change that bypasses the signals
(an SQL update) takes effect within the window.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
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


def _token_changed(sender, instance, **kwargs):
    token_cache_forget(key=instance.key)


def _user_changed(sender, instance, **kwargs):
    token_cache_forget(user_id=instance.pk)


def _groups_changed(sender, instance, action, pk_set, reverse, **kwargs):
    if not reverse:  # one login's groups changed
        if action.startswith("post_"):
            token_cache_forget(user_id=instance.pk)
        return
    # A group's logins changed: those named, or (emptying the group) all it held before.
    if action == "pre_clear":
        pk_set = set(instance.user_set.values_list("pk", flat=True))
    elif not action.startswith("post_"):
        return
    for user_id in pk_set or ():
        token_cache_forget(user_id=user_id)


def token_cache_signals() -> None:
    """Connect the receivers that forget a kept token when who it stands for changes."""
    from rest_framework.authtoken.models import Token

    user = get_user_model()
    for signal in (post_save, post_delete):
        signal.connect(_token_changed, sender=Token, dispatch_uid=f"token-cache-{signal}")
        signal.connect(_user_changed, sender=user, dispatch_uid=f"token-cache-user-{signal}")
    m2m_changed.connect(
        _groups_changed, sender=user.groups.through, dispatch_uid="token-cache-groups"
    )
