"""The staff roles, declared once: which permissions each Django group holds.

Customers never log in; every login belongs to one of these roles (or is a superuser). The groups
are brought in line with this table after every `migrate`, so new models' permissions reach the
roles without a hand-written data migration. Patterns are `app_label.codename` with shell
wildcards.
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class Role:
    key: str
    group: str
    description: str
    permissions: tuple[str, ...]
    # Managers and administrators use the Django admin; agents work in the staff pages.
    admin_site: bool


AGENT = Role(
    key="agent",
    group=gettext_noop("Support agent"),
    description="Works the recovery queue and talks to customers.",
    permissions=(
        "customers.view_*",
        "customers.add_customer",
        "customers.change_customer",
        "customers.add_identity",
        "customers.add_contactpreference",
        "customers.change_contactpreference",
        "surveys.view_*",
        "recovery.view_*",
        "recovery.add_ticket",
        "recovery.change_ticket",
        "recovery.add_restitution",
        "recovery.add_improvement",
    ),
    admin_site=False,
)
MANAGER = Role(
    key="manager",
    group=gettext_noop("Manager"),
    description="Approves restitution, runs reports, records improvements.",
    permissions=(
        *AGENT.permissions,
        "customers.*",
        "surveys.*",
        "recovery.*",
        "webhooks.*",
        "django_q.view_*",
    ),
    admin_site=True,
)
ADMIN = Role(
    key="admin",
    group=gettext_noop("Administrator"),
    description="Everything a manager does, plus staff accounts and API tokens.",
    permissions=(*MANAGER.permissions, "auth.*", "authtoken.*", "django_q.*"),
    admin_site=True,
)
INTEGRATION = Role(
    key="integration",
    group="API integration",
    description="A shop, app or call centre system sending events, responses and complaints.",
    permissions=(
        "customers.view_customer",
        "customers.add_customer",
        "surveys.view_survey",
        "surveys.view_question",
        "surveys.add_event",
        "surveys.view_event",
        "surveys.add_response",
        "surveys.view_response",
        "surveys.add_complaint",
        "surveys.view_complaint",
    ),
    admin_site=False,
)
ROLES = {role.key: role for role in (AGENT, MANAGER, ADMIN, INTEGRATION)}


def role_permissions(role: Role, available: list[Permission]) -> list[Permission]:
    return [
        perm
        for perm in available
        if any(
            fnmatchcase(f"{perm.content_type.app_label}.{perm.codename}", p)
            for p in role.permissions
        )
    ]


def roles_sync() -> dict[str, int]:
    """Create the role groups and set each one's permissions exactly to the table above."""
    available = list(Permission.objects.select_related("content_type"))
    counts = {}
    with transaction.atomic():
        for role in ROLES.values():
            group, _ = Group.objects.get_or_create(name=role.group)
            perms = role_permissions(role, available)
            group.permissions.set(perms)
            counts[role.key] = len(perms)
    return counts


def sync_roles_after_migrate(sender, app_config=None, using="default", **kwargs):
    # post_migrate fires once per app with models; permissions of all apps exist by the last one.
    with_models = [config.label for config in apps.get_app_configs() if config.models_module]
    if app_config is not None and with_models and app_config.label != with_models[-1]:
        return
    roles_sync()


def user_roles(user) -> frozenset[str]:
    """Role keys of a user, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_feedback_roles", None)
    if cached is None:
        groups = {role.group: key for key, role in ROLES.items()}
        cached = frozenset(
            groups[name] for name in user.groups.values_list("name", flat=True) if name in groups
        )
        if user.is_superuser:
            cached |= {"admin"}
        user._feedback_roles = cached
    return cached


# The roles of people who work tickets and talk to customers (integration accounts are machines).
PEOPLE = frozenset({"agent", "manager", "admin"})


def people():
    """Active logins a ticket can be assigned to: those holding a people's role."""
    groups = [ROLES[key].group for key in sorted(PEOPLE)]
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=groups) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
    )


def is_person(user) -> bool:
    return bool(user_roles(user) & PEOPLE)


def is_staff_member(user) -> bool:
    return bool(user_roles(user))


def is_manager(user) -> bool:
    return bool(user_roles(user) & {"manager", "admin"})
