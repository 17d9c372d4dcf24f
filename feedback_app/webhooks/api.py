"""The webhook endpoints through the API (/api/v1/webhooks/), for managers: the same services
as the staff pages (register, change, pause, delete, a new secret, a test event) and each
endpoint's recent deliveries."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from feedback_app.core.api import fields as api_fields
from feedback_app.webhooks.models import SUBSCRIBABLE, Delivery, Webhook
from feedback_app.webhooks.services import (
    webhook_delete,
    webhook_rotate_secret,
    webhook_save,
    webhook_send_test,
)

RECENT_DELIVERIES = 50


class WebhookSerializer(api_fields.ModelSerializer):
    events = serializers.ListField(
        child=api_fields.ChoiceField(choices=SUBSCRIBABLE),
        allow_empty=False,
        min_length=1,
        max_length=len(SUBSCRIBABLE),
        help_text="The events it receives.",
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "name",
            "url",
            "events",
            "format",
            "active",
            "disabled_reason",
            "secret",
            "created_at",
        ]
        read_only_fields = ["id", "disabled_reason", "secret", "created_at"]
        extra_kwargs = {"secret": {"help_text": "Signs every delivery (Standard Webhooks)."}}


class DeliverySerializer(api_fields.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "event_id",
            "status",
            "attempts",
            "payload",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WebhookSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Webhook.objects.order_by("name", "id")

    def perform_create(self, serializer):
        serializer.instance = webhook_save(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        current = serializer.instance
        values = {
            "name": current.name,
            "url": current.url,
            "events": current.events,
            "format": current.format,
            "active": current.active,
            **serializer.validated_data,
        }
        serializer.instance = webhook_save(actor=self.request.user, webhook=current, **values)

    def perform_destroy(self, instance):
        webhook_delete(webhook=instance, actor=self.request.user)

    @extend_schema(request=None, responses=WebhookSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new signing secret; the old one still signs beside it for a day."""
        webhook = webhook_rotate_secret(webhook=self.get_object(), actor=request.user)
        return Response(WebhookSerializer(webhook).data)

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"], url_path="test")
    def send_test(self, request, pk=None):
        """Send a test event to this endpoint alone (paused or not)."""
        delivery = webhook_send_test(webhook=self.get_object(), actor=request.user)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=DeliverySerializer(many=True))
    # A plain list of the latest (no pages, no filters), and the schema says so.
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def deliveries(self, request, pk=None):
        """Its most recent deliveries, newest first."""
        recent = self.get_object().deliveries.order_by("-id")[:RECENT_DELIVERIES]
        return Response(DeliverySerializer(recent, many=True).data)
