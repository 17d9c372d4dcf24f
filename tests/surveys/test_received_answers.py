"""The invitation form accepts answers at once and a background task stores them: every check the
customer must hear about happens on the post, each accepted form becomes one response, and
nothing accepted waits for ever (failed rows are kept, counted and tried again)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Invitation, Question, ReceivedAnswers, Response
from surveys.services import received
from surveys.services.building import question_delete, survey_close
from surveys.services.invitations import invitation_create
from surveys.services.received import (
    answers_receive,
    received_store,
    received_store_one,
    received_sweep,
)
from tests.concurrency import at_once
from tests.factories import CustomerWithEmailFactory, delivery_survey

pytestmark = pytest.mark.django_db


def invite(survey=None) -> Invitation:
    return invitation_create(
        survey=survey or delivery_survey(), customer=CustomerWithEmailFactory()
    )


def form(invitation, nps="3", text="The parcel never arrived."):
    nps_q, _, text_q = invitation.survey.questions.order_by("position")
    return {f"q{nps_q.pk}": nps, f"q{text_q.pk}": text}


def answers(invitation, nps=3, text="The parcel never arrived."):
    nps_q, _, text_q = invitation.survey.questions.order_by("position")
    return {nps_q.pk: nps, text_q.pk: text}


def answer_url(invitation):
    return reverse("survey-answer", args=[invitation.token])


@pytest.fixture
def no_worker(no_worker, monkeypatch):
    monkeypatch.setattr(received, "_last_kick", None)  # as in a new process: the first post kicks
    return no_worker


def test_the_form_accepts_at_once_and_the_store_task_makes_the_response(client, no_worker):
    invitation = invite()
    page = client.post(answer_url(invitation), form(invitation))
    assert page.status_code == 200 and "Thank you" in page.content.decode()
    assert Response.objects.count() == 0
    row = ReceivedAnswers.objects.get()
    assert row.invitation == invitation and row.attempts == 0
    assert no_worker.queue_size() == 1  # the store task is queued

    # Until it is stored the link already says so, and a second post changes nothing.
    assert "We already have your answers" in client.get(answer_url(invitation)).content.decode()
    again = client.post(answer_url(invitation), form(invitation, nps="10"))
    assert again.status_code == 200 and "We already have your answers" in again.content.decode()
    assert ReceivedAnswers.objects.count() == 1 and no_worker.queue_size() == 1

    assert received_store() == 1
    response = Response.objects.get()
    assert response.invitation == invitation and response.channel == "web"
    assert response.submitted_at == row.received_at
    assert sorted(a.number for a in response.answers.all() if a.number is not None) == [3]
    invitation.refresh_from_db()
    assert invitation.status == "answered"
    assert invitation.customer.timeline.filter(kind="response.submitted").count() == 1
    assert not ReceivedAnswers.objects.exists()
    assert received_store() == 0 and Response.objects.count() == 1


def test_refusals_are_decided_on_the_post_and_keep_nothing(client, no_worker):
    invitation = invite()
    wrong = client.post(answer_url(invitation), form(invitation, nps="11"))
    assert wrong.status_code == 400 and "valid choice" in wrong.content.decode()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert client.post(answer_url(invitation), form(invitation)).status_code == 410
    closed = invite()
    survey_close(survey=closed.survey)
    assert client.post(answer_url(closed), form(closed)).status_code == 410
    assert not ReceivedAnswers.objects.exists() and no_worker.queue_size() == 0


def test_answers_accepted_before_the_survey_closed_are_stored(no_worker):
    invitation = invite()
    assert answers_receive(invitation=invitation, answers=answers(invitation)) is True
    survey_close(survey=invitation.survey)
    assert received_store() == 1
    assert Response.objects.get().invitation == invitation


def test_a_row_that_fails_is_kept_and_counted_and_the_others_are_stored(no_worker):
    broken, fine = invite(), invite()
    answers_receive(invitation=broken, answers=answers(broken))
    answers_receive(invitation=fine, answers=answers(fine))
    # The question the stored answer names is gone: storing it can only fail.
    question_delete(question=Question.objects.get(survey=broken.survey, kind="nps"))

    assert received_store() == 1
    assert Response.objects.get().invitation == fine
    row = ReceivedAnswers.objects.get()
    assert row.pk == broken.pk and row.attempts == 1
    assert row.last_error.startswith("AnswersInvalid")
    # The store task leaves it alone; the sweep tries it again, up to the limit.
    assert received_store() == 0
    later = timezone.now() + timedelta(minutes=2)
    assert received_sweep(now=later) == 0
    assert ReceivedAnswers.objects.get().attempts == 2
    ReceivedAnswers.objects.update(attempts=received.RECEIVED_MAX_ATTEMPTS)
    assert received_sweep(now=later) == 0
    assert ReceivedAnswers.objects.get().attempts == received.RECEIVED_MAX_ATTEMPTS


def test_the_sweep_stores_what_a_lost_task_left_waiting(no_worker):
    invitation = invite()
    answers_receive(invitation=invitation, answers=answers(invitation))
    no_worker.purge_queue()  # the task is lost with its worker
    assert received_sweep() == 0  # too recent: its task may still be on the way
    assert received_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    assert Response.objects.get().invitation == invitation


def test_while_a_store_task_works_the_sweep_leaves_it_the_first_tries(no_worker, monkeypatch):
    """In a backlog longer than RECEIVED_SWEEP_AFTER every waiting row looks late; the working
    store task takes them in their turn, and the sweep only tries failed rows again."""
    from django.core.cache import cache

    late, failed = invite(), invite()
    for invitation in (late, failed):
        answers_receive(invitation=invitation, answers=answers(invitation))
    ReceivedAnswers.objects.filter(pk=failed.pk).update(attempts=1)
    later = timezone.now() + timedelta(minutes=2)
    cache.set(received.RECEIVED_STORING, True)  # a store task is at work
    assert received_sweep(now=later) == 1
    assert list(ReceivedAnswers.objects.values_list("pk", flat=True)) == [late.pk]
    cache.delete(received.RECEIVED_STORING)  # no task: the row was left by a lost one
    one_by_one = []
    real = received.received_store_one
    monkeypatch.setattr(
        received, "received_store_one", lambda key, **kw: one_by_one.append(key) or real(key, **kw)
    )
    assert received_sweep(now=later) == 1
    assert Response.objects.filter(invitation=late).exists() and one_by_one == []  # a batch


def test_a_broker_that_is_down_does_not_undo_accepted_answers(client, no_worker, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    working = received.queue_item_task
    monkeypatch.setattr(received, "queue_item_task", broker_down)
    invitation = invite()
    page = client.post(answer_url(invitation), form(invitation))
    assert page.status_code == 200 and "Thank you" in page.content.decode()
    assert ReceivedAnswers.objects.filter(pk=invitation.pk).exists()
    monkeypatch.setattr(received, "queue_item_task", working)
    assert received_sweep(now=timezone.now() + timedelta(minutes=2)) == 1
    assert Response.objects.get().invitation == invitation


def test_a_burst_of_answers_queues_one_store_task_per_process(client, no_worker, monkeypatch):
    monkeypatch.setattr(received, "RECEIVED_KICK_EVERY", 3600)
    invitations = [invite() for _ in range(3)]
    for invitation in invitations:
        assert client.post(answer_url(invitation), form(invitation)).status_code == 200
    assert ReceivedAnswers.objects.count() == 3 and no_worker.queue_size() == 1
    assert received_store() == 3 and Response.objects.count() == 3


@pytest.mark.parametrize("clock", [0.001, 59.0, 10_000_000.0])
def test_the_first_answer_a_process_takes_always_queues_the_store_task(
    client, no_worker, monkeypatch, clock
):
    # time.monotonic() may read anything on a freshly started machine: near zero included.
    monkeypatch.setattr(received, "RECEIVED_KICK_EVERY", 3600)
    monkeypatch.setattr(received.time, "monotonic", lambda: clock)
    invitation = invite()
    assert client.post(answer_url(invitation), form(invitation)).status_code == 200
    assert no_worker.queue_size() == 1


@pytest.mark.django_db(transaction=True)  # the batch's triage task is queued at its commit
def test_a_long_backlog_is_handed_to_a_fresh_task_when_the_time_is_up(no_worker):
    for invitation in (invite(), invite(), invite()):
        answers_receive(invitation=invitation, answers=answers(invitation))
    no_worker.purge_queue()
    assert received_store(batch=2, budget=0) == 2
    # The fresh store task, and one task triaging the two stored (their batch's)
    assert ReceivedAnswers.objects.count() == 1 and no_worker.queue_size() == 2
    assert received_store() == 1 and Response.objects.count() == 3


def test_one_store_task_works_at_a_time_and_leaves_nothing_behind(no_worker):
    from django.core.cache import cache

    for invitation in (invite(), invite()):
        answers_receive(invitation=invitation, answers=answers(invitation))
    no_worker.purge_queue()
    cache.set(received.RECEIVED_STORING, True)  # another store task is at work
    assert received.store_received() == 0 and no_worker.queue_size() == 0
    cache.delete(received.RECEIVED_STORING)  # it stopped
    assert received.store_received() == 2 and Response.objects.count() == 2
    assert cache.get(received.RECEIVED_STORING) is None  # given up again


def test_a_store_task_renews_its_claim_as_it_goes(no_worker, monkeypatch):
    """A claim that outlived a killed worker by the task time limit stopped the storing for two
    minutes; it is taken for RECEIVED_CLAIM_FOR seconds and renewed after every batch."""
    from django.core.cache import cache

    for invitation in (invite(), invite()):
        answers_receive(invitation=invitation, answers=answers(invitation))
    taken, renewed = [], []
    add, touch = cache.add, cache.touch
    monkeypatch.setattr(cache, "add", lambda key, *a, **kw: taken.append(kw) or add(key, *a, **kw))
    monkeypatch.setattr(
        cache, "touch", lambda key, timeout: renewed.append((key, timeout)) or touch(key, timeout)
    )
    monkeypatch.setattr(received, "RECEIVED_LINGER", 0)
    assert received.store_received() == 2
    assert taken == [{"timeout": received.RECEIVED_CLAIM_FOR}]
    assert renewed and set(renewed) == {(received.RECEIVED_STORING, received.RECEIVED_CLAIM_FOR)}


def test_a_store_task_that_stops_with_rows_waiting_queues_another(no_worker, monkeypatch):
    invitation = invite()
    answers_receive(invitation=invitation, answers=answers(invitation))
    no_worker.purge_queue()
    # rows accepted while it finished (a task that found it at work returned at once)
    monkeypatch.setattr(received, "received_store", lambda **kwargs: 0)
    assert received.store_received() == 0
    assert no_worker.queue_size() == 1


def test_a_one_click_answer_still_held_does_not_keep_store_tasks_coming(no_worker):
    from surveys.services.received import quick_receive

    invitation = invite()
    nps_q = invitation.survey.questions.get(kind="nps")
    assert quick_receive(invitation=invitation, answers={nps_q.pk: 9})
    no_worker.purge_queue()
    assert received.store_received() == 0
    assert no_worker.queue_size() == 0  # it is not waiting: its hold has not passed


def test_the_admin_can_store_a_row_by_hand(admin_client, no_worker):
    invitation = invite()
    answers_receive(invitation=invitation, answers=answers(invitation))
    ReceivedAnswers.objects.update(attempts=received.RECEIVED_MAX_ATTEMPTS, last_error="Boom")
    page = admin_client.post(
        reverse("admin:surveys_receivedanswers_changelist"),
        {"action": "store_now", "index": 0, "_selected_action": [invitation.pk]},
        follow=True,
    )
    assert "1 of 1 stored." in page.content.decode()
    assert Response.objects.get().invitation == invitation


@pytest.mark.django_db(transaction=True)
def test_two_store_tasks_on_the_same_row_store_it_once(no_worker):
    invitation = invite()
    answers_receive(invitation=invitation, answers=answers(invitation))
    results = at_once(*[lambda: received_store_one(invitation.pk)] * 2)
    assert sorted(results) == [False, True]
    assert Response.objects.filter(invitation=invitation).count() == 1
    assert not ReceivedAnswers.objects.exists()


def test_answers_waiting_to_be_stored_are_in_the_export_and_erased_with_the_rest(no_worker):
    from feedback_app.customers.privacy import ERASED, customer_erase, customer_export

    invitation = invite()
    given = answers(invitation, nps=2, text="Call me on 07700 900123")
    answers_receive(invitation=invitation, answers=given)
    (waiting,) = customer_export(customer=invitation.customer)["records"]["surveys.ReceivedAnswers"]
    assert waiting["answers"] == {str(key): value for key, value in given.items()}

    customer_erase(customer=invitation.customer)
    assert not ReceivedAnswers.objects.exists()
    # as for answers already stored: the score stays, what they wrote goes
    response = Response.objects.get(invitation=invitation)
    assert [(a.number, a.text) for a in response.answers.exclude(number=None, text="")] == [
        (2, ""),
        (None, ERASED),
    ]
    received_store()  # a store task that comes later finds nothing to store
    assert Response.objects.count() == 1


def test_operators_get_one_line_a_minute_and_django_q_only_warnings(caplog, settings):
    import logging

    from surveys.tasks import sweep_untriaged

    assert settings.LOGGING["loggers"]["django-q"]["level"] == "WARNING"
    with caplog.at_level(logging.INFO, logger="feedback_app.intake"):
        sweep_untriaged()
    line = [r for r in caplog.records if r.name == "feedback_app.intake"]
    assert len(line) == 1 and line[0].levelno == logging.INFO
    said = line[0].getMessage()
    assert "0 answers waiting to be stored (0 failing), 0 complaints waiting to be filed" in said
    assert "0 items untriaged" in said
    assert not ReceivedAnswers.objects.exists()


@pytest.mark.django_db(transaction=True)  # the batch's triage task is queued at its commit
def test_a_batch_that_fails_is_stored_one_by_one_and_a_bad_row_fails_alone(no_worker, monkeypatch):
    """When the batch's transaction fails, each row is stored alone: the row that fails is
    counted and left for the sweep, the others are stored, and their triage is one task."""
    invitations = [invite(), invite(), invite()]
    for invitation in invitations:
        answers_receive(invitation=invitation, answers=answers(invitation))
    no_worker.purge_queue()
    real = received.response_submit

    def disk_full(*args):
        raise RuntimeError("disk full")

    def failing_on_the_second(**kwargs):
        if kwargs["invitation"].pk == invitations[1].pk:
            disk_full()
        return real(**kwargs)

    monkeypatch.setattr(received, "rollup_counts_add", disk_full)
    monkeypatch.setattr(received, "response_submit", failing_on_the_second)
    assert received.received_store_batch([i.pk for i in invitations]) == 2
    left = ReceivedAnswers.objects.get()
    assert left.invitation_id == invitations[1].pk and left.attempts == 1
    assert "disk full" in left.last_error
    assert Response.objects.count() == 2 and no_worker.queue_size() == 1


def test_a_batch_stores_what_one_by_one_would_in_statements_that_do_not_grow(no_worker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from feedback_app.customers.models import TimelineEntry
    from surveys.services.rollups import rollups_rebuild
    from tests.surveys.test_rollups import snapshot

    survey = delivery_survey()

    def store(count: int) -> int:
        invitations = [invite(survey) for _ in range(count)]
        for n, invitation in enumerate(invitations):
            answers_receive(invitation=invitation, answers=answers(invitation, nps=n % 11))
        with CaptureQueriesContext(connection) as queries:
            assert received.received_store_batch([i.pk for i in invitations]) == count
        for n, invitation in enumerate(invitations):
            invitation.refresh_from_db()
            assert invitation.status == "answered" and invitation.answered_at
            response = Response.objects.get(invitation=invitation)
            assert response.customer == invitation.customer and response.nps == n % 11
            assert response.channel == "web" and response.value_tier == "standard"
            assert {(a.number, a.text) for a in response.answers.all()} == {
                (n % 11, ""),
                (None, "The parcel never arrived."),
            }
            entry = TimelineEntry.objects.get(customer=invitation.customer)
            assert entry.kind == "response.submitted" and entry.subject_id == response.pk
            assert entry.title == f"Answered \u201c{survey.name}\u201d"
        return len(queries)

    store(1)  # what a process reads once
    small, large = store(3), store(30)
    # Read and built before the transaction (the batch's surveys in a statement of their own,
    # not joined to every row), then inside it: the rows and answers re-checked.
    assert large == small <= 15
    assert not ReceivedAnswers.objects.exists()
    kept = snapshot()
    rollups_rebuild()
    assert snapshot() == kept


def test_rows_the_batch_cannot_take_are_stored_or_refused_one_by_one(no_worker):
    """A row whose invitation was answered another way meanwhile is dropped (the first answer
    stands); one whose answers no longer fit the survey fails alone and waits for the sweep."""
    answered, changed, fine = invite(), invite(), invite()
    for invitation in (answered, changed, fine):
        answers_receive(invitation=invitation, answers=answers(invitation))
    from surveys.services.responses import response_submit

    first = response_submit(
        survey=answered.survey,
        invitation=answered,
        answers=answers(answered, nps=9, text="Fine"),
        channel="email",
    ).response
    nps = changed.survey.questions.get(kind="nps")
    question_delete(question=nps)  # the survey changed under the accepted answers
    assert received.received_store_batch([answered.pk, changed.pk, fine.pk]) == 1
    assert Response.objects.get(invitation=answered) == first and first.nps == 9
    assert Response.objects.filter(invitation=fine).exists()
    row = ReceivedAnswers.objects.get()
    assert row.pk == changed.pk and row.attempts == 1 and "AnswersInvalid" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_a_row_only_the_commit_refuses_does_not_cost_the_batch(no_worker):
    """Foreign keys are checked at commit: a row naming a question deleted around the services
    fails the batch there, and then each row is stored alone, the bad one failing by itself."""
    broken, fine = invite(), invite()
    answers_receive(invitation=broken, answers=answers(broken))
    answers_receive(invitation=fine, answers=answers(fine))
    Question.objects.filter(survey=broken.survey, kind="nps").delete()  # not through a service
    assert received.received_store_batch([broken.pk, fine.pk]) == 1
    assert Response.objects.get().invitation == fine
    row = ReceivedAnswers.objects.get()
    assert row.pk == broken.pk and row.attempts == 1


def test_what_changes_while_a_batch_is_built_is_found_before_it_writes(no_worker, monkeypatch):
    """The batch reads and builds outside its transaction, so meanwhile a row may be answered
    another way, completed by the customer's Send (it was a held one-click answer) or stored by
    another task: the first answer stands, the completed row is stored as completed, nothing
    is stored twice."""
    from surveys.services.received import quick_receive
    from surveys.services.responses import response_submit

    answered, completed, taken, fine = invite(), invite(), invite(), invite()
    for invitation in (answered, taken, fine):
        answers_receive(invitation=invitation, answers=answers(invitation))
    nps_q = completed.survey.questions.get(kind="nps")
    quick_receive(
        invitation=completed,
        answers={nps_q.pk: 2},
        received_at=timezone.now() - received.QUICK_HOLD - timedelta(minutes=1),
    )
    real = received._store_ready

    def and_meanwhile(keys, now=None):
        built = real(keys, now)
        response_submit(
            survey=answered.survey,
            invitation=answered,
            answers=answers(answered, nps=9, text="Fine"),
            channel="email",
        )
        assert answers_receive(invitation=completed, answers=answers(completed, nps=1))
        assert received_store_one(taken.pk)
        return built

    monkeypatch.setattr(received, "_store_ready", and_meanwhile)
    keys = [answered.pk, completed.pk, taken.pk, fine.pk]
    assert received.received_store_batch(keys) == 2  # fine, and completed stored alone
    assert Response.objects.get(invitation=answered).nps == 9
    whole = Response.objects.get(invitation=completed)
    assert whole.nps == 1 and whole.answers.filter(text="The parcel never arrived.").exists()
    assert Response.objects.filter(invitation=taken).count() == 1
    assert Response.objects.filter(invitation=fine).count() == 1
    assert not ReceivedAnswers.objects.exists()
    from surveys.services.rollups import rollups_rebuild
    from tests.surveys.test_rollups import snapshot

    kept = snapshot()  # each stored answer counted once in the day tables, as a rebuild counts
    rollups_rebuild()
    assert snapshot() == kept


def test_a_row_left_for_one_by_one_while_the_batch_was_built_is_counted_once(
    no_worker, monkeypatch
):
    """The batch counts its rows for the day tables before its transaction: a row it leaves to
    be stored alone (completed by the customer meanwhile) is counted by that store, not also
    by the batch."""
    from surveys.services.received import quick_receive
    from surveys.services.rollups import rollups_rebuild
    from tests.surveys.test_rollups import snapshot

    completed, fine = invite(), invite()
    answers_receive(invitation=fine, answers=answers(fine))
    quick_receive(
        invitation=completed,
        answers={completed.survey.questions.get(kind="nps").pk: 2},
        received_at=timezone.now() - received.QUICK_HOLD - timedelta(minutes=1),
    )
    real = received._store_ready

    def and_meanwhile(keys, now=None):
        built = real(keys, now)
        assert answers_receive(invitation=completed, answers=answers(completed, nps=1))
        return built

    monkeypatch.setattr(received, "_store_ready", and_meanwhile)
    assert received.received_store_batch([completed.pk, fine.pk]) == 2
    assert Response.objects.get(invitation=completed).nps == 1
    kept = snapshot()
    rollups_rebuild()
    assert snapshot() == kept
