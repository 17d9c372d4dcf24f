"""Survey endpoints: events in, surveys and questions, trigger rules, invitations, responses."""

from functools import cache
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response as APIResponse

from feedback_app.core.roles import is_person
from feedback_app.customers.api.serializers import vouched
from feedback_app.customers.services.resolve import customer_resolve
from surveys import selectors
from surveys.api.serializers import (
    ComplaintCreateSerializer,
    ComplaintReceiptSerializer,
    ComplaintSerializer,
    EventCreateSerializer,
    EventSerializer,
    InvitationSerializer,
    QuestionSerializer,
    QuestionUpdateSerializer,
    ResponseCreateSerializer,
    ResponseSerializer,
    SurveySerializer,
    TriggerRuleSerializer,
)
from surveys.models import Complaint, Event, Invitation, Question, Survey
from surveys.services import building
from surveys.services.complaints import complaint_submit
from surveys.services.invitations import event_record, trigger_rule_save
from surveys.services.received import complaint_accept
from surveys.services.received_complaints import Receipt, complaint_receipt
from surveys.services.responses import AnswersInvalid, response_submit


def own_items(view, queryset):
    """Staff read every item; an integration account only those it sent itself."""
    if getattr(view, "swagger_fake_view", False) or is_person(view.request.user):
        return queryset
    return queryset.filter(submitted_by=view.request.user)


class EventViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Events that may trigger surveys. POST resolves the customer and schedules invitations."""

    serializer_class = EventSerializer
    filterset_fields = ["event_type", "customer", "channel"]
    ordering_fields = ["occurred_at", "id"]

    def get_queryset(self):
        return own_items(
            self,
            Event.objects.prefetch_related("invitations").order_by("-occurred_at", "-id"),
        )

    @extend_schema(
        request=EventCreateSerializer, responses={201: EventSerializer, 200: EventSerializer}
    )
    def create(self, request):
        data = EventCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = event_record(
            event_type=values["event_type"],
            occurred_at=values["occurred_at"],
            data=values["data"],
            external_id=values.get("event_id", ""),
            channel="api",
            actor=request.user,
            **vouched(request, values["customer"]),
        )
        body = EventSerializer(self.get_queryset().get(pk=result.event.pk)).data
        if result.skipped:
            body["warnings"] = result.skipped
        return APIResponse(
            body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


class SurveyViewSet(viewsets.ModelViewSet):
    serializer_class = SurveySerializer
    filterset_fields = ["status", "purpose"]
    search_fields = ["name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Survey.objects.prefetch_related("questions").order_by("-created_at", "-id")

    def perform_create(self, serializer):
        serializer.instance = building.survey_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = building.survey_update(
            survey=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def _step(self, request, service):
        survey = service(survey=self.get_object(), actor=request.user)
        return APIResponse(SurveySerializer(self.get_queryset().get(pk=survey.pk)).data)

    @extend_schema(request=None, responses=SurveySerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._step(request, building.survey_publish)

    @extend_schema(request=None, responses=SurveySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(request, building.survey_close)

    @extend_schema(request=None, responses=SurveySerializer)
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """A new draft version with the same questions."""
        return self._step(request, building.survey_copy)


class QuestionViewSet(viewsets.ModelViewSet):
    filterset_fields = ["survey", "kind"]

    def get_queryset(self):
        return Question.objects.select_related("survey").order_by("survey_id", "position", "id")

    def get_serializer_class(self):
        return (
            QuestionUpdateSerializer
            if self.action in ("update", "partial_update")
            else QuestionSerializer
        )

    def perform_create(self, serializer):
        serializer.instance = building.question_add(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = building.question_update(
            question=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        building.question_delete(question=instance, actor=self.request.user)


class TriggerRuleViewSet(viewsets.ModelViewSet):
    serializer_class = TriggerRuleSerializer
    filterset_fields = ["event_type", "survey", "active"]

    def get_queryset(self):
        return selectors.trigger_rules()

    def perform_create(self, serializer):
        serializer.instance = trigger_rule_save(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        values = {
            "event_type": serializer.instance.event_type,
            "survey": serializer.instance.survey,
            "delay": serializer.instance.delay,
            "channel": serializer.instance.channel,
            "active": serializer.instance.active,
            "subject": serializer.instance.subject,
            "b_delay": serializer.instance.b_delay,
            "b_subject": serializer.instance.b_subject,
            "send_from": serializer.instance.send_from,
            "send_until": serializer.instance.send_until,
            **serializer.validated_data,
        }
        serializer.instance = trigger_rule_save(
            rule=serializer.instance, actor=self.request.user, **values
        )


class InvitationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = InvitationSerializer
    filterset_fields = ["status", "survey", "customer", "event"]
    ordering_fields = ["scheduled_for", "sent_at", "id"]

    def get_queryset(self):
        return Invitation.objects.order_by("-scheduled_for", "-id")


TRIAGE_FILTERS = ["sentiment", "severity", "topics__name", "channel", "customer"]


class ComplaintViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ComplaintSerializer
    filterset_fields = TRIAGE_FILTERS
    ordering_fields = ["received_at", "severity", "id"]
    search_fields = ["reference", "subject"]

    def get_queryset(self):
        return own_items(
            self,
            Complaint.objects.prefetch_related("topics").order_by("-received_at", "-id"),
        )

    @extend_schema(
        request=ComplaintCreateSerializer,
        parameters=[
            OpenApiParameter(
                "Prefer",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="`respond-async`: accept now, file in the background (202 with a "
                "receipt; the answer does not wait for the customer's profile and timeline).",
            )
        ],
        responses={
            201: ComplaintSerializer,
            200: ComplaintSerializer,
            202: ComplaintReceiptSerializer,
        },
    )
    def create(self, request):
        """File a complaint for a customer (from a shop, app or call centre). Triage runs after
        it is stored; 200 with the first complaint when the idempotency key was seen before.

        With `Prefer: respond-async` the complaint is checked and accepted at once and filed a
        moment later: 202 with a receipt (your idempotency key, or one made for you) and its URL
        in `Location`, which says when it is filed. Sending the same key again is safe either
        way: it is filed once."""
        data = ComplaintCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        complaint = {
            "text": values["text"],
            "subject": values["subject"],
            "reference": values["reference"],
            "channel": values["channel"],
            "received_at": values.get("received_at"),
            "idempotency_key": values.get("idempotency_key"),
            "actor": request.user,
        }
        identities = vouched(request, values["customer"])
        if _prefers_async(request):
            receipt = complaint_accept(**complaint, identities=identities)
            body = _receipt_body(request, Receipt(receipt, "waiting"))
            return APIResponse(
                body,
                status=status.HTTP_202_ACCEPTED,
                headers={"Location": body["url"], "Preference-Applied": "respond-async"},
            )
        intake = complaint_submit(**complaint, **identities)
        # The complaint as stored: nothing is read back (a replay's is the one it found).
        body = ComplaintSerializer(intake.complaint).data
        return APIResponse(
            body, status=status.HTTP_201_CREATED if intake.created else status.HTTP_200_OK
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "key",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description="The receipt a 202 gave.",
            )
        ],
        responses=ComplaintReceiptSerializer,
    )
    @action(detail=False, methods=["get"])
    def receipt(self, request):
        """Where a complaint accepted with `Prefer: respond-async` stands: waiting, failing (tried
        again every minute) or filed, with the complaint. 404 for a key you did not send."""
        found = complaint_receipt(key=request.query_params.get("key", ""), actor=request.user)
        if found is None:
            raise NotFound("No complaint was accepted under that key.")
        return APIResponse(_receipt_body(request, found))


def _prefers_async(request) -> bool:
    """Whether the request's Prefer header (RFC 7240) asks for respond-async."""
    wanted = request.headers.get("Prefer", "")
    return any(part.split(";")[0].strip().lower() == "respond-async" for part in wanted.split(","))


@cache
def _receipt_path() -> str:
    return reverse("complaint-receipt")


def _receipt_body(request, receipt: Receipt) -> dict:
    url = request.build_absolute_uri(f"{_receipt_path()}?{urlencode({'key': receipt.key})}")
    complaint = receipt.complaint
    return {
        "receipt": receipt.key,
        "state": receipt.state,
        "url": url,
        "complaint": ComplaintSerializer(complaint).data if complaint is not None else None,
    }


class ResponseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ResponseSerializer
    filterset_fields = ["survey", *TRIAGE_FILTERS]
    ordering_fields = ["submitted_at", "id"]

    def get_queryset(self):
        return own_items(self, selectors.survey_responses())

    @extend_schema(
        request=ResponseCreateSerializer,
        responses={201: ResponseSerializer, 200: ResponseSerializer},
    )
    def create(self, request):
        """Store a response from a shop, app or call centre. 200 with the first response when the
        idempotency key was seen before."""
        data = ResponseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic():
            customer = None
            if values.get("customer"):
                customer = customer_resolve(
                    channel=values["channel"],
                    actor=request.user,
                    **vouched(request, values["customer"]),
                ).customer
            try:
                submission = response_submit(
                    survey=values["survey"],
                    answers={a["question"]: a["value"] for a in values["answers"]},
                    channel=values["channel"],
                    customer=customer,
                    submitted_at=values.get("submitted_at"),
                    idempotency_key=values.get("idempotency_key"),
                    source_reference=values["source_reference"],
                    actor=request.user,
                )
            except AnswersInvalid as exc:
                raise ValidationError(
                    {"answers": {str(k): [v] for k, v in exc.errors.items()}}
                ) from None
        body = ResponseSerializer(self.get_queryset().get(pk=submission.response.pk)).data
        return APIResponse(
            body, status=status.HTTP_201_CREATED if submission.created else status.HTTP_200_OK
        )
