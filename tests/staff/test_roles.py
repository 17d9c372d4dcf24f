"""The role table is applied to groups, and decides what each login may do."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from feedback_app.core.errors import DomainError
from feedback_app.core.roles import ROLES, is_manager, is_staff_member, roles_sync
from feedback_app.staff.services import staff_user_create
from tests.factories import PASSWORD, staff_user

pytestmark = pytest.mark.django_db


def test_migrate_created_every_role_group():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.group for r in ROLES.values()}


def test_roles_sync_is_idempotent_and_restores_removed_permissions():
    group = Group.objects.get(name="Support agent")
    before = set(group.permissions.values_list("codename", flat=True))
    group.permissions.clear()
    roles_sync()
    roles_sync()
    assert set(group.permissions.values_list("codename", flat=True)) == before


@pytest.mark.parametrize(
    "role,perm,expected",
    [
        ("agent", "customers.view_customer", True),
        ("agent", "customers.merge_customer", False),
        ("agent", "auth.add_user", False),
        ("manager", "customers.merge_customer", True),
        ("manager", "auth.add_user", False),
        ("admin", "auth.add_user", True),
    ],
)
def test_permissions_by_role(role, perm, expected):
    user = staff_user(role)
    assert user.has_perm(perm) is expected


def test_role_helpers():
    agent, manager = staff_user("agent"), staff_user("manager")
    assert is_staff_member(agent) and not is_manager(agent)
    assert is_manager(manager)


def test_unknown_role_is_refused():
    with pytest.raises(DomainError):
        staff_user_create(username="x", password="pw", role="owner")


def test_create_staff_command(capsys):
    call_command("create_staff", "casey", role="manager", password=PASSWORD)
    assert "Manager" in capsys.readouterr().out


def test_staff_land_on_their_home_page_after_login(client, agent):
    response = client.post(
        reverse("login"), {"username": agent.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("staff:home")
    assert "Support agent" in response.content.decode()


def test_home_page_has_bounded_queries(agent_client, django_assert_max_num_queries):
    from tests.factories import TimelineEntryFactory

    TimelineEntryFactory.create_batch(30)
    # 13: the page's own 8, the agent's desk (their tickets, counts, answers, responses) and
    # the saved views' counts in the navigation
    with django_assert_max_num_queries(13):
        response = agent_client.get(reverse("staff:home"))
    assert response.status_code == 200
    assert len(response.context["recent"]) == 15


def test_manager_sees_the_admin_link_agent_does_not(client, agent, manager):
    client.login(username=agent.username, password=PASSWORD)
    assert reverse("admin:index") not in client.get(reverse("staff:home")).content.decode()
    client.login(username=manager.username, password=PASSWORD)
    assert reverse("admin:index") in client.get(reverse("staff:home")).content.decode()


def test_admin_pages_of_every_model_open_for_an_administrator(client):
    from django.contrib import admin

    user = staff_user("admin")
    client.login(username=user.username, password=PASSWORD)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_every_model_of_ours_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    ours = [
        c
        for c in apps.get_app_configs()
        if c.name.startswith(("feedback_app", "surveys", "recovery"))
    ]
    missing = [m._meta.label for c in ours for m in c.get_models() if m not in admin.site._registry]
    assert missing == []
