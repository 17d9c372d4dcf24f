"""Resolving incoming people to one profile, consent, timeline, and merging twins."""

import pytest
from django.db.models import Q

from feedback_app.core.errors import Conflict, DomainError
from feedback_app.customers.models import (
    ContactPreference,
    Customer,
    CustomerMerge,
    Identity,
    TimelineEntry,
)
from feedback_app.customers.services import resolve
from feedback_app.customers.services.merge import customer_merge
from feedback_app.customers.services.profile import customer_update, preference_set
from feedback_app.customers.services.resolve import customer_resolve, identity_add
from feedback_app.customers.services.timeline import timeline_record
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


class TestResolve:
    def test_new_person_gets_a_profile_with_all_identities_and_a_timeline_entry(self):
        found = customer_resolve(
            email="Ann@Example.com", phone="020 7946 0958", full_name="Ann Lee"
        )
        assert found.created
        customer = found.customer
        assert customer.full_name == "Ann Lee"
        assert sorted(customer.identities.values_list("normalized", flat=True)) == [
            "+442079460958",
            "ann@example.com",
        ]
        assert customer.timeline.get().kind == "customer.created"

    def test_same_email_in_other_letter_case_is_the_same_person(self):
        first = customer_resolve(email="ann.lee@example.com").customer
        again = customer_resolve(email="ANN.Lee@EXAMPLE.com ")
        assert not again.created
        assert again.customer == first
        assert Customer.objects.count() == 1

    def test_same_phone_in_another_format_is_the_same_person(self):
        first = customer_resolve(phone="+44 20 7946 0958").customer
        again = customer_resolve(phone="(020) 7946-0958")
        assert again.customer == first and not again.created

    def test_new_identity_of_a_known_person_is_added_to_the_profile_when_verified(self):
        first = customer_resolve(email="ann@example.com").customer
        again = customer_resolve(
            email="ann@example.com", phone="07700 900123", external={"shop": "C-9"}, verified=True
        )
        assert again.customer == first
        assert set(first.identities.values_list("kind", flat=True)) == {
            "email",
            "phone",
            "external",
        }

    def test_external_id_outranks_email_when_they_point_at_two_profiles(self):
        by_email = customer_resolve(email="ann@example.com").customer
        by_shop = customer_resolve(external={"shop": "C-9"}).customer
        found = customer_resolve(email="ann@example.com", external={"shop": "C-9"})
        assert found.customer == by_shop
        assert found.possible_duplicates == [by_email]
        # the conflicting identity stays where it was; a person decides about merging
        assert Identity.objects.get(normalized="ann@example.com").customer == by_email
        assert by_shop.timeline.filter(kind="customer.possible_duplicate").exists()

    def test_external_ids_are_per_issuing_system(self):
        shop = customer_resolve(external={"shop": "42"}).customer
        app = customer_resolve(external={"app": "42"}).customer
        assert shop != app

    def test_name_fills_a_blank_profile_but_never_overwrites(self):
        customer = customer_resolve(email="ann@example.com").customer
        customer_resolve(email="ann@example.com", full_name="Ann Lee", verified=True)
        customer_resolve(email="ann@example.com", full_name="Somebody Else", verified=True)
        customer.refresh_from_db()
        assert customer.full_name == "Ann Lee"

    def test_an_unverified_source_never_adds_to_an_existing_profile(self):
        """Knowing someone's phone number must not let a stranger attach their own address to
        that person's profile (and receive what we send them)."""
        victim = customer_resolve(phone="07700 900123").customer
        found = customer_resolve(
            phone="07700 900123", email="mallory@example.com", full_name="Mallory"
        )
        assert found.customer == victim and not found.created
        victim.refresh_from_db()
        assert set(victim.identities.values_list("normalized", flat=True)) == {"+447700900123"}
        assert victim.full_name == ""  # nor renamed
        # What was new sits on a profile of its own, suggested to staff as a possible duplicate.
        [apart] = found.possible_duplicates
        assert set(apart.identities.values_list("normalized", flat=True)) == {"mallory@example.com"}
        for profile, other in ((victim, apart), (apart, victim)):
            entry = profile.timeline.get(kind="customer.possible_duplicate")
            assert entry.data["other_customer"] == other.pk
        # The address is the stranger's own from now on, never the customer's.
        assert customer_resolve(email="mallory@example.com").customer == apart

    def test_no_usable_identity_is_refused_and_creates_nothing(self):
        with pytest.raises(DomainError) as caught:
            customer_resolve(full_name="Nobody")
        assert caught.value.field == "identity"
        assert Customer.objects.count() == 0

    def test_malformed_identity_is_refused_when_strict(self):
        with pytest.raises(DomainError) as caught:
            customer_resolve(email="ann@example.com", phone="not a phone")
        assert caught.value.field == "phone"
        assert Customer.objects.count() == 0

    def test_malformed_identity_is_skipped_and_reported_when_lenient(self):
        found = customer_resolve(email="ann@example.com", phone="not a phone", strict=False)
        assert found.created
        assert found.skipped == ["'not a phone' is not a phone number."]
        assert found.customer.identities.count() == 1

    def test_lenient_with_nothing_usable_still_refuses(self):
        with pytest.raises(DomainError):
            customer_resolve(email="broken", strict=False)

    def test_concurrent_creation_of_the_same_person_recovers(self, monkeypatch):
        """Another request created the person after our look: the unique constraint stops a
        twin, and the second look finds the profile the other request made."""

        existing = customer_resolve(email="ann@example.com").customer
        real_filter = resolve._identity_filter
        stale = []

        def stale_first_look(claims):
            if not stale:
                stale.append(True)
                return Q(pk__in=[])
            return real_filter(claims)

        monkeypatch.setattr(resolve, "_identity_filter", stale_first_look)
        found = customer_resolve(email="ann@example.com")
        assert stale and not found.created
        assert found.customer == existing
        assert Customer.objects.count() == 1


class TestIdentityAdd:
    def test_identity_of_another_profile_is_a_conflict(self):
        ann = customer_resolve(email="ann@example.com").customer
        bob = customer_resolve(email="bob@example.com").customer
        with pytest.raises(Conflict):
            identity_add(customer=bob, kind="email", value="ANN@example.com")
        assert ann.identities.count() == 1 and bob.identities.count() == 1

    def test_adding_an_identity_twice_is_harmless(self):
        ann = customer_resolve(email="ann@example.com").customer
        identity_add(customer=ann, kind="email", value="Ann@Example.com")
        assert ann.identities.count() == 1


class TestPreferences:
    def test_opt_out_is_recorded_on_the_timeline_once(self):
        ann = customer_resolve(email="ann@example.com").customer
        preference_set(
            customer=ann, channel="email", allow_solicitations=False, source="unsubscribe"
        )
        preference_set(
            customer=ann, channel="email", allow_solicitations=False, source="unsubscribe"
        )
        pref = ContactPreference.objects.get(customer=ann, channel="email")
        assert pref.allow_contact and not pref.allow_solicitations
        assert ann.timeline.filter(kind="consent.changed").count() == 1

    def test_unknown_channel_is_refused(self):
        ann = CustomerFactory()
        with pytest.raises(DomainError):
            preference_set(customer=ann, channel="pigeon", allow_contact=False)


class TestUpdate:
    def test_profile_change_is_audited(self, agent):
        ann = CustomerFactory(value_tier="standard")
        customer_update(customer=ann, actor=agent, value_tier="gold")
        ann.refresh_from_db()
        assert ann.value_tier == "gold"
        entry = ann.timeline.get(kind="customer.updated")
        assert entry.actor == agent and "value_tier" in entry.title

    def test_unknown_or_invalid_field_is_refused(self):
        ann = CustomerFactory()
        with pytest.raises(DomainError):
            customer_update(customer=ann, token="x")
        with pytest.raises(Exception):  # noqa: B017 - Django's ValidationError from full_clean
            customer_update(customer=ann, value_tier="diamond")
        ann.refresh_from_db()
        assert ann.value_tier == "standard"


class TestMerge:
    def make_twins(self):
        ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
        twin = customer_resolve(phone="07700 900123").customer
        timeline_record(customer=twin, kind="note", title="Called about order 1001")
        return ann, twin

    def test_everything_moves_to_the_target_and_an_audit_entry_stays(self, manager):
        ann, twin = self.make_twins()
        twin.region = "North"
        twin.value_tier = "gold"
        twin.save()
        preference_set(customer=twin, channel="email", allow_solicitations=False)

        merge = customer_merge(
            source=twin, target=ann, actor=manager, reason="Same person, confirmed by phone"
        )

        twin.refresh_from_db()
        ann.refresh_from_db()
        assert twin.merged_into == ann and twin.merged_at is not None
        assert set(ann.identities.values_list("normalized", flat=True)) == {
            "ann@example.com",
            "+447700900123",
        }
        assert not twin.identities.exists() and not twin.timeline.exists()
        assert ann.timeline.filter(title="Called about order 1001").exists()
        assert ann.region == "North" and ann.value_tier == "gold"
        assert not ContactPreference.objects.get(customer=ann, channel="email").allow_solicitations
        assert merge.actor == manager and merge.source_snapshot["identities"] == [
            "Phone +447700900123"
        ]
        assert merge.moved["customers.Identity"] == 1
        assert ann.timeline.filter(kind="customer.merged", actor=manager).exists()
        # the same person now resolves to the survivor by either identity
        assert customer_resolve(phone="+447700900123").customer == ann

    def test_stricter_consent_wins_when_both_have_a_preference(self):
        ann, twin = self.make_twins()
        preference_set(customer=ann, channel="email", allow_contact=True, allow_solicitations=True)
        preference_set(
            customer=twin, channel="email", allow_contact=False, allow_solicitations=True
        )
        customer_merge(source=twin, target=ann)
        pref = ContactPreference.objects.get(customer=ann, channel="email")
        assert (pref.allow_contact, pref.allow_solicitations) == (False, True)
        assert ContactPreference.objects.filter(customer=twin).count() == 0

    def test_profiles_merged_earlier_follow_to_the_new_survivor(self):
        ann, twin = self.make_twins()
        third = CustomerFactory()
        customer_merge(source=third, target=twin)
        customer_merge(source=twin, target=ann)
        third.refresh_from_db()
        assert third.merged_into == ann

    def test_merge_into_itself_is_refused(self):
        ann = CustomerFactory()
        with pytest.raises(DomainError, match="itself"):
            customer_merge(source=ann, target=ann)
        assert not CustomerMerge.objects.exists()

    def test_merging_an_already_merged_profile_is_refused(self):
        ann, twin = self.make_twins()
        customer_merge(source=twin, target=ann)
        with pytest.raises(Conflict, match="already merged"):
            customer_merge(source=twin, target=ann)
        other = CustomerFactory()
        with pytest.raises(Conflict, match="merge into that profile"):
            customer_merge(source=other, target=twin)
        assert CustomerMerge.objects.count() == 1
        assert TimelineEntry.objects.filter(kind="customer.merged").count() == 1
