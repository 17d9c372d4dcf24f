"""Reads for the webhook pages."""

from django.db.models import Count, Max, Q, QuerySet

from feedback_app.webhooks.models import Delivery, Webhook

RECENT = 50


def webhook_list() -> QuerySet[Webhook]:
    """Endpoints with what waits, what was given up and when the last delivery arrived."""
    return Webhook.objects.annotate(
        waiting=Count("deliveries", filter=Q(deliveries__status__in=["pending", "sending"])),
        failed=Count("deliveries", filter=Q(deliveries__status="failed")),
        last_delivered=Max("deliveries__delivered_at"),
    )


def recent_deliveries(webhook: Webhook) -> list[Delivery]:
    """The endpoint's latest deliveries, newest first, each with its attempts."""
    return list(webhook.deliveries.order_by("-id").prefetch_related("tries")[:RECENT])
