"""The experience standards managers promise: writing one, and recording a mystery shopper's
visit against them. The scorecard itself is the "standards" dashboard."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from recovery.forms import MysteryVisitForm, StandardForm
from recovery.models import ExperienceStandard
from recovery.services.standards import mystery_visit_record, standard_save

SCORECARD = ("recovery:dashboard", "standards")


class StandardEditView(View):
    def _standard(self, pk):
        return get_object_or_404(ExperienceStandard, pk=pk) if pk else None

    def get(self, request, pk=None):
        form = StandardForm(instance=self._standard(pk))
        return render(request, "recovery/staff/standard_form.html", {"form": form})

    def post(self, request, pk=None):
        standard = self._standard(pk)
        form = StandardForm(request.POST, instance=standard)
        if not form.is_valid():
            context = {"form": form}
            return render(request, "recovery/staff/standard_form.html", context, status=400)
        standard_save(standard=standard, **form.cleaned_data)
        messages.success(request, _("Standard saved: the scorecard measures it from now on."))
        return redirect(*SCORECARD)


class MysteryVisitView(View):
    def _form(self, request):
        standards = ExperienceStandard.objects.filter(active=True)
        return MysteryVisitForm(request.POST or None, standards=standards)

    def get(self, request):
        return render(request, "recovery/staff/mystery_visit.html", {"form": self._form(request)})

    def post(self, request):
        form = self._form(request)
        if not form.is_valid():
            context = {"form": form}
            return render(request, "recovery/staff/mystery_visit.html", context, status=400)
        scores = form.scores()
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        mystery_visit_record(actor=request.user, scores=scores, **fields)
        messages.success(
            request,
            ngettext(
                "Visit recorded, scored on %(count)d standard.",
                "Visit recorded, scored on %(count)d standards.",
                len(scores),
            )
            % {"count": len(scores)},
        )
        return redirect(*SCORECARD)
