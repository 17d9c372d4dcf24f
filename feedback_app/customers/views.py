"""Customer pages: the staff list, the profile with its timeline, merge; the customer's own
preferences page reached by token link."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import ListView

from feedback_app.core.errors import DomainError
from feedback_app.core.forms import form_error
from feedback_app.core.numbers import whole_number
from feedback_app.customers import selectors
from feedback_app.customers.filters import CustomerFilter
from feedback_app.customers.forms import (
    CustomerProfileForm,
    IdentityForm,
    MergeForm,
    PreferencesForm,
)
from feedback_app.customers.languages import language_of, speak_to
from feedback_app.customers.models import (
    Attachment,
    Channel,
    ContactChannel,
    ContactPreference,
    Customer,
    IncomingMessage,
)
from feedback_app.customers.privacy import customer_erase, customer_export
from feedback_app.customers.services.merge import customer_merge
from feedback_app.customers.services.profile import customer_update, preference_set
from feedback_app.customers.services.reachability import identity_usable_again
from feedback_app.customers.services.resolve import identity_add
from feedback_app.customers.services.texts import text_incoming, text_receipt
from feedback_app.customers.sms import signature_valid

TIMELINE_PAGE_SIZE = 50


class CustomerListView(ListView):
    template_name = "customers/staff/list.html"
    paginate_by = 25
    context_object_name = "customers"

    def get_queryset(self):
        self.filterset = CustomerFilter(self.request.GET, queryset=selectors.customer_list())
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


def _customer_or_404(pk: int) -> Customer:
    try:
        return selectors.customer_get(pk=pk)
    except Customer.DoesNotExist:
        raise Http404("No such customer.") from None


class CustomerDetailView(View):
    """Profile, identities, consent and the whole timeline; small forms post back here."""

    template_name = "customers/staff/detail.html"

    def get(self, request, pk, **forms):
        customer = _customer_or_404(pk)
        preferences = selectors.customer_preferences(customer=customer)
        timeline = Paginator(selectors.customer_timeline(customer=customer), TIMELINE_PAGE_SIZE)
        context = {
            "customer": customer,
            "identities": customer.identities.all(),
            "preferences": preferences,
            "timeline": timeline.get_page(request.GET.get("page")),
            "profile_form": forms.get("profile_form") or CustomerProfileForm(instance=customer),
            "identity_form": forms.get("identity_form") or IdentityForm(),
            "preferences_form": forms.get("preferences_form")
            or PreferencesForm(preferences=preferences),
            "merges": customer.merges_received.select_related("source", "actor"),
        }
        return render(request, self.template_name, context)

    def post(self, request, pk):
        customer = _customer_or_404(pk)
        if customer.is_merged:
            messages.error(
                request, _("This profile was merged; change the surviving profile instead.")
            )
            return redirect(customer.merged_into)
        if "add_identity" in request.POST:
            form = IdentityForm(request.POST)
            if form.is_valid():
                try:
                    identity_add(customer=customer, actor=request.user, **form.cleaned_data)
                except DomainError as exc:
                    form.add_error("value", exc.message)
                else:
                    messages.success(request, _("Identity added."))
                    return redirect(customer)
            return self.get(request, pk, identity_form=form)
        if "identity_usable" in request.POST:  # staff confirmed the address with the customer
            number = whole_number(request.POST.get("identity_usable"))
            identity = customer.identities.filter(pk=number).first() if number else None
            if identity is not None and identity.undeliverable_at is not None:
                identity_usable_again(identity, actor=request.user)
                messages.success(
                    request,
                    _("Messages go to %(address)s again.") % {"address": identity.normalized},
                )
            return redirect(customer)
        if "save_preferences" in request.POST:
            form = PreferencesForm(
                request.POST, preferences=selectors.customer_preferences(customer=customer)
            )
            if form.is_valid():
                for channel, (contact, solicitations) in form.choices().items():
                    preference_set(
                        customer=customer,
                        channel=channel,
                        allow_contact=contact,
                        allow_solicitations=solicitations,
                        source=ContactPreference.Source.STAFF,
                        actor=request.user,
                    )
                messages.success(request, _("Contact preferences saved."))
                return redirect(customer)
            return self.get(request, pk, preferences_form=form)
        form = CustomerProfileForm(request.POST, instance=Customer.objects.get(pk=customer.pk))
        if form.is_valid():
            try:
                customer_update(
                    customer=customer,
                    actor=request.user,
                    **{name: form.cleaned_data[name] for name in form.Meta.fields},
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Profile saved."))
                return redirect(customer)
        return self.get(request, pk, profile_form=form)


class CustomerMergeView(View):
    """Fold another profile into this one, after a preview of both."""

    template_name = "customers/staff/merge.html"

    def get(self, request, pk):
        target = _customer_or_404(pk)
        return render(request, self.template_name, {"target": target, "form": MergeForm()})

    def post(self, request, pk):
        target = _customer_or_404(pk)
        form = MergeForm(request.POST)
        context = {"target": target, "form": form}
        if form.is_valid():
            matches = list(selectors.customer_list(search=form.cleaned_data["other"])[:2])
            if len(matches) != 1:
                form.add_error(
                    "other",
                    "No profile matches that."
                    if not matches
                    else "More than one profile matches; use its number.",
                )
            elif not form.cleaned_data["confirm"]:
                context["source"] = matches[0]
                context["confirm_form"] = MergeForm(initial={**form.cleaned_data, "confirm": True})
            else:
                try:
                    customer_merge(
                        source=matches[0],
                        target=target,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except DomainError as exc:
                    form.add_error("other", exc.message)
                else:
                    messages.success(
                        request,
                        _("%(customer)s (#%(number)d) was merged into this profile.")
                        % {"customer": matches[0], "number": matches[0].pk},
                    )
                    return redirect(target)
        return render(request, self.template_name, context)


def _link_customer(request, token):
    """The customer whose own link this is (None if it is not one), the page then speaking
    their language."""
    customer = selectors.customer_get_by_token(token=token)
    if customer is not None:
        speak_to(request, customer)
    return customer


class PreferencesView(View):
    """The customer's own consent page, reached by the token link in every message we send.

    Opening the page changes nothing (mail scanners follow links); only the form's POST does.
    """

    template_name = "customers/public/preferences.html"

    def get(self, request, token):
        customer = _link_customer(request, token)
        if customer is None:
            return render(request, "customers/public/link_invalid.html", status=404)
        form = PreferencesForm(
            preferences=selectors.customer_preferences(customer=customer),
            language=language_of(customer),
        )
        return render(request, self.template_name, {"customer": customer, "form": form})

    def post(self, request, token):
        customer = _link_customer(request, token)
        if customer is None:
            return render(request, "customers/public/link_invalid.html", status=404)
        form = PreferencesForm(
            request.POST,
            preferences=selectors.customer_preferences(customer=customer),
            language=language_of(customer),
        )
        if not form.is_valid():
            return render(
                request, self.template_name, {"customer": customer, "form": form}, status=400
            )
        for channel, (contact, solicitations) in form.choices().items():
            preference_set(
                customer=customer,
                channel=channel,
                allow_contact=contact,
                allow_solicitations=solicitations,
                source=ContactPreference.Source.CUSTOMER,
            )
        wanted = form.cleaned_data.get("language") or language_of(customer)
        if wanted != language_of(customer):
            customer_update(customer=customer, language=wanted, channel=Channel.WEB)
            speak_to(request, customer)  # the page that says it is saved speaks it already
        return render(request, "customers/public/preferences_saved.html", {"customer": customer})


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """Stop surveys and notices by e-mail. GET asks (scanners follow links); POST does it.

    CSRF-exempt because mail programs send the RFC 8058 one-click POST without a form; the
    unguessable token in the address is the authority, and the only effect is to send less.
    """

    def get(self, request, token):
        customer = _link_customer(request, token)
        if customer is None:
            return render(request, "customers/public/link_invalid.html", status=404)
        return render(request, "customers/public/unsubscribe.html", {"customer": customer})

    def post(self, request, token):
        customer = _link_customer(request, token)
        if customer is None:
            return render(request, "customers/public/link_invalid.html", status=404)
        preference_set(
            customer=customer,
            channel=ContactChannel.EMAIL,
            allow_solicitations=False,
            source=ContactPreference.Source.UNSUBSCRIBE,
        )
        return render(request, "customers/public/unsubscribed.html", {"customer": customer})


class CustomerExportView(View):
    """Everything we hold on this customer, as a JSON file (a subject access request)."""

    def get(self, request, pk):
        customer = _customer_or_404(pk)
        document = customer_export(customer=customer)
        response = JsonResponse(document, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
        return response


class CustomerEraseView(View):
    """Erase a customer's personal data, after a confirmation with a reason."""

    def get(self, request, pk):
        return render(request, "customers/staff/erase.html", {"customer": _customer_or_404(pk)})

    def post(self, request, pk):
        customer = _customer_or_404(pk)
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            messages.error(request, _("Say why (for example: the customer asked)."))
            return redirect("customers:erase", pk=pk)
        try:
            customer_erase(customer=customer, actor=request.user, reason=reason)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(customer)
        messages.success(request, _("Personal data erased."))
        return redirect(customer)


class AttachmentView(View):
    """A customer's file, for staff only (the access policy admits no one else): images open
    in the browser, anything else downloads; never sniffed as something else."""

    def get(self, request, pk):
        attachment = Attachment.objects.filter(pk=pk).first()
        if attachment is None or not attachment.file:
            raise Http404
        try:
            stored = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            stored,
            content_type=attachment.content_type,
            as_attachment=not attachment.content_type.startswith("image/"),
            filename=attachment.name,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


@method_decorator(csrf_exempt, name="dispatch")
class TextGatewayView(View):
    """The text gateway's calls to us: delivery receipts (`sms-status`) and texts customers send
    (`sms-incoming`). Signed with SMS_AUTH_TOKEN over the public address (SITE_URL) it called;
    without a token nothing is listened to here. Answers with an empty TwiML reply: whatever
    the customer is told back goes through the outbox, never in this answer."""

    kind = "status"

    def post(self, request):
        if not settings.SMS_AUTH_TOKEN:
            raise Http404("No text gateway is configured.")
        params = {name: request.POST.get(name, "") for name in request.POST}
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature_valid(settings.SITE_URL + request.path, params, signature):
            return HttpResponse("The signature does not match.", status=401)
        if self.kind == "status":
            text_receipt(
                provider_id=params.get("MessageSid", ""),
                status=params.get("MessageStatus", ""),
                error_code=params.get("ErrorCode", ""),
            )
        else:
            text_incoming(
                sender=params.get("From", ""),
                body=params.get("Body", "")[: IncomingMessage.MAX_BODY],
                provider_id=params.get("MessageSid", ""),
            )
        return HttpResponse("<Response/>", content_type="text/xml")
