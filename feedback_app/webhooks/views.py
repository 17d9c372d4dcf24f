"""Managers' pages for webhooks: the endpoints, each one's settings, secret and delivery log,
a test event and replays."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from feedback_app.core.errors import DomainError
from feedback_app.core.forms import form_error
from feedback_app.core.numbers import whole_number
from feedback_app.webhooks.forms import WebhookForm
from feedback_app.webhooks.models import Delivery, Webhook
from feedback_app.webhooks.selectors import recent_deliveries, webhook_list
from feedback_app.webhooks.services import (
    delivery_replay,
    webhook_delete,
    webhook_rotate_secret,
    webhook_save,
    webhook_send_test,
)

FORM = "webhooks/staff/webhook.html"


class WebhookListView(View):
    def get(self, request):
        return render(request, "webhooks/staff/list.html", {"webhooks": webhook_list()})


def _save(request, webhook: Webhook | None):
    form = WebhookForm.for_webhook(webhook, request.POST)
    if form.is_valid():
        try:
            return webhook_save(actor=request.user, webhook=webhook, **form.cleaned_data), form
        except DomainError as exc:
            form_error(form, exc)
    return None, form


class WebhookCreateView(View):
    def get(self, request):
        return render(request, FORM, {"form": WebhookForm.for_webhook(None)})

    def post(self, request):
        webhook, form = _save(request, None)
        if webhook is None:
            return render(request, FORM, {"form": form}, status=400)
        messages.success(request, _("Endpoint added. Send it a test event to check the receiver."))
        return redirect(webhook)


class WebhookEditView(View):
    """One endpoint: its settings, secret and deliveries. Posts say what to do in `do`."""

    def get(self, request, pk, form=None, status=200):
        webhook = get_object_or_404(Webhook, pk=pk)
        context = {
            "webhook": webhook,
            "form": form or WebhookForm.for_webhook(webhook),
            "deliveries": recent_deliveries(webhook),
        }
        return render(request, FORM, context, status=status)

    def post(self, request, pk):
        webhook = get_object_or_404(Webhook, pk=pk)
        action = request.POST.get("do", "save")
        try:
            if action == "save":
                saved, form = _save(request, webhook)
                if saved is None:
                    return self.get(request, pk, form=form, status=400)
                messages.success(request, _("Endpoint saved."))
            elif action == "rotate":
                webhook_rotate_secret(webhook=webhook, actor=request.user)
                messages.success(
                    request, _("New secret made; the old one also signs for the next 24 hours.")
                )
            elif action == "test":
                webhook_send_test(webhook=webhook, actor=request.user)
                messages.success(request, _("Test event sent; its answer is in the log below."))
            elif action == "replay":
                delivery = get_object_or_404(
                    Delivery, pk=whole_number(request.POST.get("delivery")), webhook=webhook
                )
                delivery_replay(delivery=delivery, actor=request.user)
                messages.success(request, _("Sent again, as a new delivery of the same event."))
            elif action == "delete":
                webhook_delete(webhook=webhook, actor=request.user)
                messages.success(
                    request, _("Endpoint “%(name)s” deleted.") % {"name": webhook.name}
                )
                return redirect("webhooks:list")
            else:
                messages.error(request, _("Nothing to do: unknown action."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(webhook)
