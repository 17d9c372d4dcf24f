"""The settings managers keep: canned messages and approval limits."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from feedback_app.core.numbers import whole_number
from feedback_app.core.translations import missing_languages
from recovery.forms import ApprovalLimitForm, CannedMessageForm
from recovery.models import ApprovalLimit, CannedMessage


class SettingsView(View):
    """Canned messages and approval limits, kept by managers."""

    def get(self, request, canned_form=None, limit_form=None):
        context = {
            "canned": [
                (message, missing_languages(message, message.TRANSLATED, settings.LANGUAGE_CODE))
                for message in CannedMessage.objects.select_related("topic")
            ],
            "limits": ApprovalLimit.objects.all(),
            "customer_period_days": settings.RESTITUTION_CUSTOMER_PERIOD_DAYS,
            "canned_form": canned_form or CannedMessageForm(),
            "limit_form": limit_form or ApprovalLimitForm(),
        }
        return render(request, "recovery/staff/settings.html", context)

    def post(self, request):
        if "save_limit" in request.POST:
            instance = ApprovalLimit.objects.filter(
                currency=request.POST.get("currency", "").strip().upper()
            ).first()
            form = ApprovalLimitForm(request.POST, instance=instance)
            if form.is_valid():
                form.save()
                messages.success(request, _("Approval limit saved."))
                return redirect("recovery:settings")
            return self.get(request, limit_form=form)
        instance = CannedMessage.objects.filter(pk=whole_number(request.POST.get("pk"))).first()
        form = CannedMessageForm(request.POST, instance=instance)
        if form.is_valid():
            form.save()
            messages.success(request, _("Canned message saved."))
            return redirect("recovery:settings")
        return self.get(request, canned_form=form)


class CannedMessageEditView(View):
    """One canned message, its text in each language side by side; a language left empty is
    drafted in English for its customers, and the settings list says which are missing."""

    template_name = "recovery/staff/canned_form.html"

    def get(self, request, pk, form=None):
        message = get_object_or_404(CannedMessage, pk=pk)
        form = form or CannedMessageForm(instance=message)
        return render(request, self.template_name, {"message": message, "form": form})

    def post(self, request, pk):
        message = get_object_or_404(CannedMessage, pk=pk)
        form = CannedMessageForm(request.POST, instance=message)
        if form.is_valid():
            form.save()
            messages.success(request, _("Canned message saved."))
            return redirect("recovery:settings")
        return self.get(request, pk, form=form)
