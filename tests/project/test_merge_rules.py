"""Every row that points at a customer says how a merge treats it, and the merge follows it:
rows move to the kept profile; rows unique per customer (one notice per improvement, one open
hold per reference) keep one of each pair instead of failing the merge."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from feedback_app.customers.merge_rules import rule_for
from feedback_app.customers.models import ContactHold, Customer
from feedback_app.customers.services.holds import hold_place
from feedback_app.customers.services.merge import customer_merge
from feedback_app.customers.services.resolve import customer_resolve
from recovery.models import ImprovementNotice
from recovery.services.improvements import improvement_save
from surveys.services.complaints import complaint_submit

pytestmark = pytest.mark.django_db

RELATIONS = [(rel.related_model, rel.field.name) for rel in Customer._meta.related_objects]


@pytest.mark.parametrize(
    ("model", "name"), RELATIONS, ids=[f"{m._meta.label}.{n}" for m, n in RELATIONS]
)
def test_every_relation_to_a_customer_says_how_it_merges(model, name):
    where = "feedback_app/customers/merge_rules.py"
    assert rule_for(model, name) is not None, f"{model._meta.label}.{name}: see {where}"


def test_a_relation_without_a_rule_stops_the_merge_and_changes_nothing(monkeypatch):
    ann = customer_resolve(email="ann@example.com").customer
    twin = customer_resolve(phone="07700 900123").customer
    monkeypatch.setattr(ImprovementNotice, "CUSTOMER_MERGE", None)
    with pytest.raises(ImproperlyConfigured, match=r"recovery\.ImprovementNotice\.customer"):
        customer_merge(source=twin, target=ann)
    twin.refresh_from_db()
    assert twin.merged_into is None and twin.identities.count() == 1


def test_everything_of_the_merged_profile_moves(django_capture_on_commit_callbacks):
    """A complaint brings a profile, its identity, the complaint, its ticket, the open contact
    hold, the acknowledgement and timeline entries: all of them move."""
    ann = customer_resolve(email="ann@example.com").customer
    with django_capture_on_commit_callbacks(execute=True):
        complaint_submit(text="My parcel never arrived", channel="web", email="twin@example.com")
    twin = Customer.objects.get(identities__normalized="twin@example.com")
    customer_merge(source=twin, target=ann)
    left = {
        f"{model._meta.label}.{name}": model._base_manager.filter(**{name: twin}).count()
        for model, name in RELATIONS
        if rule_for(model, name).kind == "move"
    }
    assert set(left.values()) == {0}, left
    assert ann.tickets.count() == 1 and ann.complaints.count() == 1 and ann.holds.count() == 1


@pytest.mark.parametrize(
    ("kept_status", "moved_status", "stays"),
    [
        ("waiting", "decided", "decided"),  # the profile that was told keeps its notice
        ("decided", "waiting", "decided"),
        ("decided", "decided", "kept"),  # both told: the kept profile's stays
        ("expired", "waiting", "waiting"),
    ],
)
def test_two_profiles_told_of_one_improvement_keep_one_notice(
    manager, kept_status, moved_status, stays
):
    improvement = improvement_save(actor=manager, title="Photo proof", customer_text="Photos.")
    ann = customer_resolve(email="ann@example.com").customer
    twin = customer_resolve(phone="07700 900123").customer
    kept = ImprovementNotice.objects.create(
        improvement=improvement, customer=ann, kind="shipped", status=kept_status, quote="ann"
    )
    ImprovementNotice.objects.create(
        improvement=improvement, customer=twin, kind="shipped", status=moved_status, quote="twin"
    )
    merge = customer_merge(source=twin, target=ann)
    notice = ImprovementNotice.objects.get(improvement=improvement)
    assert notice.customer == ann
    if stays == "kept":
        assert notice.pk == kept.pk
    else:
        assert notice.status == stays
    assert merge.moved["recovery.ImprovementNotice (one of two kept)"] == 1


def test_open_holds_for_one_reference_keep_one_and_released_ones_move():
    ann = customer_resolve(email="ann@example.com").customer
    twin = customer_resolve(phone="07700 900123").customer
    for customer in (ann, twin):
        hold_place(customer=customer, reference="recovery.ticket:7", reason="Open case")
    released = hold_place(customer=twin, reference="recovery.ticket:3", reason="Old case")
    ContactHold.objects.filter(pk=released.pk).update(released_at="2026-01-01T00:00:00Z")
    customer_merge(source=twin, target=ann)
    assert ann.holds.filter(reference="recovery.ticket:7", released_at__isnull=True).count() == 1
    assert ann.holds.filter(reference="recovery.ticket:3").count() == 1
    assert not ContactHold.objects.filter(customer=twin).exists()
