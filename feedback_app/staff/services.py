"""Writes for staff accounts."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from feedback_app.core.errors import DomainError
from feedback_app.core.roles import ROLES, roles_sync


def staff_user_create(
    *,
    username: str,
    password: str,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    actor=None,
):
    """Create (or reset) a staff login holding exactly one role."""
    if role not in ROLES:
        raise DomainError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.", field="role")
    if not username.strip():
        raise DomainError(_("A username is required."), field="username")
    role_def = ROLES[role]
    User = get_user_model()
    with transaction.atomic():
        if not Group.objects.filter(name=role_def.group).exists():
            roles_sync()
        user, _created = User.objects.get_or_create(username=username.strip())
        user.email = email
        user.first_name = first_name
        user.last_name = last_name
        user.is_staff = role_def.admin_site
        user.is_superuser = role == "admin"
        user.is_active = True
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get(name=role_def.group)])
    return user
