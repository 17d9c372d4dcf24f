"""Ticket endpoints: list, read and open tickets; each workflow step is its own POST."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from feedback_app.customers.api.serializers import vouched
from feedback_app.customers.services.resolve import customer_resolve
from recovery import selectors
from recovery.api import serializers as s
from recovery.filters import TicketAPIFilter
from recovery.models import Restitution, Team, TicketEvent
from recovery.services.assignment import ticket_assign, ticket_note
from recovery.services.conversation import ticket_reply
from recovery.services.improvements import (
    improvement_decline,
    improvement_link,
    improvement_save,
    improvement_ship,
    link_preview,
)
from recovery.services.restitution import (
    restitution_decide,
    restitution_withdraw,
    ticket_offer_restitution,
)
from recovery.services.tickets import ticket_create
from recovery.services.workflow import (
    ticket_apologise,
    ticket_close,
    ticket_follow_up_now,
    ticket_reassure,
    ticket_reopen,
    ticket_resolve,
    ticket_skip,
)


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets. A step not allowed from the ticket's state answers 409 with `allowed`."""

    serializer_class = s.TicketSerializer
    filterset_class = TicketAPIFilter
    ordering_fields = ["priority", "opened_at", "apology_due_at", "id"]
    search_fields = []  # TicketFilter's q searches

    def get_queryset(self):
        return selectors.ticket_queue().order_by("-priority", "opened_at", "id")

    def _answer(self, ticket, code=status.HTTP_200_OK):
        return Response(s.TicketSerializer(self.get_queryset().get(pk=ticket.pk)).data, status=code)

    @staticmethod
    def _data(serializer_class, request) -> dict:
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=s.TicketCreateSerializer, responses={201: s.TicketSerializer})
    def create(self, request):
        data = self._data(s.TicketCreateSerializer, request)
        customer = customer_resolve(
            channel="api", actor=request.user, **vouched(request, data.pop("customer"))
        ).customer
        ticket = ticket_create(customer=customer, actor=request.user, **data)
        return self._answer(ticket, status.HTTP_201_CREATED)

    @extend_schema(request=s.MessageStepSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def apologise(self, request, pk=None):
        data = self._data(s.MessageStepSerializer, request)
        return self._answer(ticket_apologise(ticket=self.get_object(), actor=request.user, **data))

    @extend_schema(request=s.ReassureSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def reassure(self, request, pk=None):
        data = self._data(s.ReassureSerializer, request)
        return self._answer(ticket_reassure(ticket=self.get_object(), actor=request.user, **data))

    @extend_schema(
        request=s.RestitutionOfferSerializer,
        responses={200: s.TicketSerializer, 202: s.RestitutionSerializer},
    )
    @action(detail=True, methods=["post"], url_path="offer-restitution")
    def offer_restitution(self, request, pk=None):
        """200 with the ticket when granted; 202 with the restitution when it waits for approval."""
        data = self._data(s.RestitutionOfferSerializer, request)
        restitution = ticket_offer_restitution(ticket=self.get_object(), actor=request.user, **data)
        if restitution.status == Restitution.Status.PENDING:
            return Response(
                s.RestitutionSerializer(restitution).data, status=status.HTTP_202_ACCEPTED
            )
        return self._answer(restitution.ticket)

    @extend_schema(request=s.DecisionSerializer, responses=s.RestitutionSerializer)
    @action(detail=True, methods=["post"], url_path="approve-restitution")
    def approve_restitution(self, request, pk=None):
        ticket = self.get_object()
        data = self._data(s.DecisionSerializer, request)
        if data["restitution"].ticket_id != ticket.pk:
            raise ValidationError({"restitution": ["That restitution belongs to another ticket."]})
        restitution = restitution_decide(
            restitution=data["restitution"],
            actor=request.user,
            approve=data["decision"] == "approve",
            reason=data["reason"],
        )
        return Response(s.RestitutionSerializer(restitution).data)

    @extend_schema(request=s.WithdrawSerializer, responses=s.RestitutionSerializer)
    @action(detail=True, methods=["post"], url_path="withdraw-restitution")
    def withdraw_restitution(self, request, pk=None):
        """Take back a restitution that waits for approval."""
        ticket = self.get_object()
        data = self._data(s.WithdrawSerializer, request)
        if data["restitution"].ticket_id != ticket.pk:
            raise ValidationError({"restitution": ["That restitution belongs to another ticket."]})
        restitution = restitution_withdraw(
            restitution=data["restitution"], actor=request.user, reason=data["reason"]
        )
        return Response(s.RestitutionSerializer(restitution).data)

    @extend_schema(request=s.ResolveSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = self._data(s.ResolveSerializer, request)
        return self._answer(ticket_resolve(ticket=self.get_object(), actor=request.user, **data))

    @extend_schema(request=None, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="send-follow-up")
    def send_follow_up(self, request, pk=None):
        """Send the "did we make it right?" follow-up now instead of at its time."""
        return self._answer(ticket_follow_up_now(ticket=self.get_object(), actor=request.user))

    @extend_schema(request=s.ReasonSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        data = self._data(s.ReasonSerializer, request)
        return self._answer(ticket_reopen(ticket=self.get_object(), actor=request.user, **data))

    @extend_schema(request=s.ReasonSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = self._data(s.ReasonSerializer, request)
        return self._answer(ticket_close(ticket=self.get_object(), actor=request.user, **data))

    @extend_schema(request=s.SkipSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def skip(self, request, pk=None):
        data = self._data(s.SkipSerializer, request)
        return self._answer(ticket_skip(ticket=self.get_object(), actor=request.user, **data))

    @extend_schema(request=s.AssignSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        data = self._data(s.AssignSerializer, request)
        ticket = self.get_object()
        assignee = team = None
        if data.get("assignee"):
            assignee = get_user_model().objects.filter(username=data["assignee"]).first()
            if assignee is None:
                raise ValidationError({"assignee": ["No such user."]})
        if data.get("team"):
            team = Team.objects.filter(name=data["team"]).first()
            if team is None:
                raise ValidationError({"team": ["No such team."]})
        return self._answer(
            ticket_assign(ticket=ticket, actor=request.user, assignee=assignee, team=team)
        )

    @extend_schema(request=s.NoteSerializer, responses={201: s.TicketEventSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        data = self._data(s.NoteSerializer, request)
        event = ticket_note(ticket=self.get_object(), actor=request.user, **data)
        return Response(s.TicketEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReplySerializer, responses={201: s.TicketEventSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """A free message to the customer at any point of the case (sent as a reply, with the
        case link); files are attached on the ticket page."""
        data = self._data(s.ReplySerializer, request)
        event = ticket_reply(ticket=self.get_object(), actor=request.user, **data)
        return Response(s.TicketEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.ConversationEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        """The conversation both ways, oldest first: our messages, the customer's, and notes."""
        entries = selectors.ticket_conversation(ticket=self.get_object())
        return Response(s.ConversationEntrySerializer(entries, many=True).data)


class TicketEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.TicketEventSerializer
    filterset_fields = ["ticket", "kind"]

    def get_queryset(self):
        return TicketEvent.objects.select_related("actor").order_by("created_at", "id")


class RestitutionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.RestitutionSerializer
    filterset_fields = ["ticket", "status", "kind", "currency"]

    def get_queryset(self):
        return Restitution.objects.select_related("requested_by", "decided_by").order_by(
            "-created_at", "-id"
        )


class ImprovementViewSet(viewsets.ModelViewSet):
    """Improvements ("we did"). Shipping and declining are their own POSTs."""

    serializer_class = s.ImprovementSerializer
    filterset_fields = ["status", "topics__name"]
    search_fields = ["title"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.improvement_list()

    def perform_create(self, serializer):
        serializer.instance = improvement_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        current = serializer.instance
        values = {
            "title": current.title,
            "customer_text": current.customer_text,
            "description": current.description,
            "owner": current.owner,
            "topics": list(current.topics.all()),
            "status": current.status,
            "planned_for": current.planned_for,
            **serializer.validated_data,
        }
        saved = improvement_save(actor=self.request.user, improvement=current, **values)
        # Read back with its counts: a partial update skips read-only fields it cannot find.
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def _answer(self, improvement):
        return Response(s.ImprovementSerializer(self.get_queryset().get(pk=improvement.pk)).data)

    @extend_schema(request=s.LinkSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        """Link tickets, responses and complaints by number and/or every item of a topic in the
        last `days` days. With `preview` true, only counts what the topic filter would take."""
        improvement = self.get_object()
        data = TicketViewSet._data(s.LinkSerializer, request)
        if data.pop("preview"):
            if data.get("topic") is None:
                raise ValidationError({"topic": ["A preview needs a topic."]})
            return Response(
                link_preview(topic=data["topic"], days=data["days"], sentiment=data["sentiment"])
            )
        if not (data["tickets"] or data["responses"] or data["complaints"] or data.get("topic")):
            raise ValidationError({"detail": "Give tickets, responses, complaints or a topic."})
        return Response(improvement_link(improvement=improvement, actor=request.user, **data))

    @extend_schema(request=s.ShipSerializer, responses=s.ImprovementSerializer)
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        data = TicketViewSet._data(s.ShipSerializer, request)
        return self._answer(
            improvement_ship(improvement=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(request=s.DeclineSerializer, responses=s.ImprovementSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        data = TicketViewSet._data(s.DeclineSerializer, request)
        return self._answer(
            improvement_decline(improvement=self.get_object(), actor=request.user, **data)
        )

    @extend_schema(responses=s.NoticeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """One row per customer told (or not, with the reason)."""
        improvement = self.get_object()
        notices = improvement.notices.select_related("message").order_by("customer_id")
        page = self.paginate_queryset(notices)
        return self.get_paginated_response(s.NoticeSerializer(page, many=True).data)
