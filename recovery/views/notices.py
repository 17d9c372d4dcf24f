"""Each person's notices: what needs them (unread first), marking them read, and which kinds
they also want by e-mail."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from recovery import selectors
from recovery.models import Availability, StaffNotice
from recovery.services.notices import notice_emails_set, notices_read


class NoticeEmailsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        choices=StaffNotice.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Also send me an e-mail when"),
    )


class NoticesView(View):
    def get(self, request, form=None):
        availability = Availability.objects.filter(user=request.user).first()
        chosen = (
            availability.email_notices
            if availability and availability.email_chosen
            else StaffNotice.Kind.values
        )
        page = Paginator(selectors.staff_notices(user=request.user), 50).get_page(
            request.GET.get("page")
        )
        context = {
            "page_obj": page,
            "form": form or NoticeEmailsForm(initial={"kinds": chosen}),
        }
        return render(request, "recovery/staff/notices.html", context)

    def post(self, request):
        if request.POST.get("action") == "emails":
            form = NoticeEmailsForm(request.POST)
            if not form.is_valid():
                return self.get(request, form=form)
            notice_emails_set(user=request.user, kinds=form.cleaned_data["kinds"])
            messages.success(request, _("Saved: which notices also come by e-mail."))
        else:
            count = notices_read(user=request.user)
            messages.success(request, _("%(count)d marked as read.") % {"count": count})
        return redirect("recovery:notices")
