"""Staff pages of the surveys app: the survey list and builder, invitations, responses, trigger
rules and imports. Each view parses with a form, calls one service or selector, and renders."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from feedback_app.core.errors import DomainError
from feedback_app.core.forms import form_error
from feedback_app.core.numbers import whole_number
from surveys import selectors
from surveys.forms import (
    AnswerForm,
    FeedbackFilterForm,
    ImportForm,
    QuestionForm,
    SurveyForm,
    TriggerRuleForm,
)
from surveys.funnel import survey_funnel
from surveys.languages import missing_survey_languages
from surveys.logic import describe, ending_text
from surveys.models import Complaint, ImportJob, Invitation, Question, Response, Survey, TriggerRule
from surveys.services import building
from surveys.services.imports import import_create, import_resume, response_template_header
from surveys.services.invitations import trigger_rule_save


class SurveyListView(ListView):
    template_name = "surveys/staff/list.html"
    context_object_name = "surveys"
    paginate_by = 50

    def get_queryset(self):
        return selectors.survey_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["surveys"]
        scores = selectors.survey_scores(survey_ids=[s.pk for s in page])
        context["rows"] = [(survey, scores.get(survey.pk, {})) for survey in page]
        context["score_days"] = selectors.SCORE_WINDOW_DAYS
        return context


class SurveyCreateView(View):
    def get(self, request):
        return render(
            request, "surveys/staff/form.html", {"form": SurveyForm(), "title": _("New survey")}
        )

    def post(self, request):
        form = SurveyForm(request.POST)
        if form.is_valid():
            try:
                survey = building.survey_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Survey created. Add its questions, then publish it."))
                return redirect(survey)
        return render(
            request, "surveys/staff/form.html", {"form": form, "title": _("New survey")}, status=400
        )


class SurveyMixin:
    def dispatch(self, request, *args, **kwargs):
        self.survey = get_object_or_404(Survey, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)


class SurveyEditView(SurveyMixin, View):
    def get(self, request, pk):
        form = SurveyForm(instance=self.survey)
        return render(
            request,
            "surveys/staff/form.html",
            {"form": form, "title": _("Edit %(survey)s") % {"survey": self.survey}},
        )

    def post(self, request, pk):
        form = SurveyForm(request.POST, instance=Survey.objects.get(pk=pk))
        if form.is_valid():
            try:
                building.survey_update(survey=self.survey, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Survey saved."))
                return redirect(self.survey)
        return render(
            request,
            "surveys/staff/form.html",
            {"form": form, "title": f"Edit {self.survey}"},
            status=400,
        )


class SurveyDetailView(SurveyMixin, View):
    """The survey with its questions, invitations (sent, suppressed and why, answered) and
    responses; builders get the question forms and the status actions here."""

    tabs = ("questions", "invitations", "responses", "funnel")
    periods = (30, 90, 365)

    def get(self, request, pk, question_form=None):
        survey = self.survey
        tab = request.GET.get("tab") if request.GET.get("tab") in self.tabs else "questions"
        questions = list(survey.questions.all()) if tab == "questions" else []
        for question in questions:
            question.condition = describe(question, questions)
        missing = missing_survey_languages(survey, questions) if tab == "questions" else []
        context = {
            "missing_languages": missing,
            "survey": survey,
            "tab": tab,
            "questions": questions,
            "question_form": question_form or QuestionForm(earlier=questions),
            "invitation_counts": selectors.invitation_counts(survey=survey),
            "response_count": survey.responses.count(),
            "rules": survey.trigger_rules.all(),
            "can_build": request.user.has_perm("surveys.change_survey"),
            "public_url": request.build_absolute_uri(
                reverse("survey-public", args=[survey.public_token])
            ),
        }
        if tab == "invitations":
            status = request.GET.get("status", "")
            status = status if status in Invitation.Status.values else ""
            context["status"] = status
            context["statuses"] = Invitation.Status.choices
            context["page_obj"] = Paginator(
                selectors.survey_invitations(survey=survey, status=status), 50
            ).get_page(request.GET.get("page"))
            context["query"] = f"tab=invitations&status={status}"
        elif tab == "funnel":
            context["rules"] = list(context["rules"])
            context.update(self._funnel(survey, request.GET.get("days"), context["rules"]))
        elif tab == "responses":
            context["page_obj"] = Paginator(selectors.survey_responses(survey=survey), 50).get_page(
                request.GET.get("page")
            )
            context["query"] = "tab=responses"
        return render(
            request, "surveys/staff/detail.html", context, status=400 if question_form else 200
        )

    def _funnel(self, survey: Survey, days: str | None, rules: list) -> dict:
        """The funnel tab: what works, measured (surveys/funnel.py)."""
        chosen = whole_number(days or "", max_digits=3)
        chosen = chosen if chosen in self.periods else 90
        funnel = survey_funnel(survey, days=chosen, rules=rules)
        total = funnel.total
        return {
            "funnel": funnel,
            "funnel_days": chosen,
            "funnel_periods": self.periods,
            "funnel_stages": [
                (_("Invited"), total.invited),
                (_("Suppressed"), total.suppressed),
                (_("Sent"), total.sent),
                (_("Clicked"), total.clicked),
                (_("Started"), total.started),
                (_("Completed"), total.completed),
                (_("Completion rate"), f"{total.rate}%" if total.rate is not None else "\u2014"),
                (_("Time to answer"), total.median_text),
            ],
            "funnel_tables": [
                (_("By trigger rule and A/B arm"), _("Trigger rule and A/B arm"), funnel.by_rule),
                (_("By channel"), _("Channel"), funnel.by_channel),
                (_("By segment (value tier)"), _("Segment (value tier)"), funnel.by_segment),
                (_("By region"), _("Region"), funnel.by_region),
            ],
            "funnel_times": [
                (_("Completion by send hour"), _("Hour sent (local)"), funnel.by_hour),
                (_("Completion by weekday"), _("Day sent"), funnel.by_weekday),
            ],
        }

    def post(self, request, pk):
        """Add a question (the form at the foot of the questions tab)."""
        if not request.user.has_perm("surveys.change_survey"):
            raise PermissionDenied
        form = QuestionForm(request.POST, earlier=list(self.survey.questions.all()))
        if form.is_valid():
            try:
                building.question_add(survey=self.survey, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Question added."))
                return redirect(self.survey)
        return self.get(request, pk, question_form=form)


class SurveyActionView(SurveyMixin, View):
    """Publish, close or copy (POST only)."""

    actions = {
        "publish": building.survey_publish,
        "close": building.survey_close,
        "copy": building.survey_copy,
    }

    def post(self, request, pk):
        action = request.POST.get("action")
        if action not in self.actions:
            raise Http404
        try:
            result = self.actions[action](survey=self.survey, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(self.survey)
        messages.success(
            request,
            {
                "publish": "The survey is live.",
                "close": "The survey is closed.",
                "copy": "A new draft version was made.",
            }[action],
        )
        if action == "publish" and nobody_invited(result):
            messages.warning(
                request,
                _(
                    "No active trigger rule sends this survey, so nobody will be invited to it: "
                    "add one under Rules, or share its public link."
                ),
            )
        return redirect(result)


def nobody_invited(survey: Survey) -> bool:
    """A live survey no active rule sends, with no public link: nobody will ever see it. (The
    "did we make it right?" survey needs no rule: resolving a ticket sends it.)"""
    if survey.purpose == Survey.Purpose.RECOVERY_FOLLOW_UP or survey.public_link_enabled:
        return False
    return not survey.trigger_rules.filter(active=True).exists()


class QuestionView(View):
    """Edit, move or delete one question."""

    def dispatch(self, request, *args, **kwargs):
        self.question = get_object_or_404(
            Question.objects.select_related("survey"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, form, status=200):
        context = {"form": form, "question": self.question, "survey": self.question.survey}
        return render(request, "surveys/staff/question.html", context, status=status)

    def get(self, request, pk):
        q = self.question
        initial = {
            "kind": q.kind,
            "prompt": q.prompt,
            "help_text": q.help_text,
            "required": q.required,
            "choices": "\n".join(q.choices),
            **QuestionForm.initial_condition(q),
        }
        form = QuestionForm(
            initial=initial, submit_label=_("Save question"), earlier=self._earlier()
        )
        return self._render(request, form)

    def _earlier(self) -> list[Question]:
        """The questions before this one: those it may depend on."""
        questions = list(self.question.survey.questions.all())
        return questions[: next(i for i, q in enumerate(questions) if q.pk == self.question.pk)]

    def post(self, request, pk):
        question = self.question
        try:
            if "move" in request.POST:
                building.question_move(
                    question=question, offset=-1 if request.POST["move"] == "up" else 1
                )
                return redirect(question.survey)
            if "delete" in request.POST:
                building.question_delete(question=question, actor=request.user)
                messages.success(request, _("Question deleted."))
                return redirect(question.survey)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(question.survey)
        form = QuestionForm(request.POST, submit_label=_("Save question"), earlier=self._earlier())
        if form.is_valid():
            try:
                building.question_update(question=question, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Question saved."))
                return redirect(question.survey)
        return self._render(request, form, status=400)


class SurveyPreviewView(SurveyMixin, View):
    """The survey exactly as a customer sees it, with sending switched off."""

    def get(self, request, pk):
        survey = self.survey
        form = AnswerForm(survey=survey)
        context = {
            "survey": survey,
            "form": form,
            "preview": True,
            "first_name": "Ann",
            # What each customer reads after Send (surveys/logic.py).
            "endings": [
                (label, ending_text(survey, band))
                for band, label in (
                    ("detractor", "After a low score"),
                    ("passive", "After a middling score"),
                    ("promoter", "After a high score"),
                )
            ],
        }
        return render(request, "surveys/public/answer.html", context)


class ResponseDetailView(View):
    def get(self, request, pk):
        try:
            response = selectors.response_detail(pk=pk)
        except Response.DoesNotExist:
            raise Http404 from None
        return render(request, "surveys/staff/response.html", {"response": response})


class TriggerRuleListView(ListView):
    template_name = "surveys/staff/rules.html"
    context_object_name = "rules"

    def get_queryset(self):
        return selectors.trigger_rules()


class TriggerRuleEditView(View):
    def _rule(self, pk):
        return get_object_or_404(TriggerRule, pk=pk) if pk else None

    def get(self, request, pk=None):
        form = TriggerRuleForm(instance=self._rule(pk))
        return render(
            request, "surveys/staff/form.html", {"form": form, "title": _("Trigger rule")}
        )

    def post(self, request, pk=None):
        rule = self._rule(pk)
        form = TriggerRuleForm(request.POST, instance=rule)
        if form.is_valid():
            try:
                trigger_rule_save(
                    rule=rule,
                    event_type=form.cleaned_data["event_type"],
                    survey=form.cleaned_data["survey"],
                    delay=form.delay(),
                    active=form.cleaned_data["active"],
                    subject=form.cleaned_data["subject"],
                    b_delay=form.b_delay(),
                    b_subject=form.cleaned_data["b_subject"],
                    send_from=form.cleaned_data["send_from"],
                    send_until=form.cleaned_data["send_until"],
                    actor=request.user,
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Trigger rule saved."))
                return redirect("surveys:rules")
        return render(
            request,
            "surveys/staff/form.html",
            {"form": form, "title": _("Trigger rule")},
            status=400,
        )


class ImportView(View):
    """Upload a CSV of responses or events; the import runs in the background."""

    def _render(self, request, form, status=200):
        jobs = ImportJob.objects.select_related("survey", "created_by")[:20]
        return render(
            request, "surveys/staff/imports.html", {"form": form, "jobs": jobs}, status=status
        )

    def get(self, request):
        return self._render(request, ImportForm())

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = import_create(
                    kind=form.cleaned_data["kind"],
                    survey=form.cleaned_data.get("survey"),
                    uploaded=form.cleaned_data["file"],
                    actor=request.user,
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                return redirect(job)
        return self._render(request, form, status=400)


class ImportDetailView(View):
    """An import's progress and rejected rows; a failed or stalled one can be resumed."""

    def get(self, request, pk):
        job = get_object_or_404(ImportJob.objects.select_related("survey", "created_by"), pk=pk)
        page = Paginator(job.rejections.all(), 100).get_page(request.GET.get("page"))
        return render(request, "surveys/staff/import.html", {"job": job, "page_obj": page})

    def post(self, request, pk):
        job = get_object_or_404(ImportJob, pk=pk)
        try:
            import_resume(job=job, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Going on from row %(row)d.") % {"row": job.processed_rows + 1}
            )
        return redirect(job)


class ImportTemplateView(SurveyMixin, View):
    """A CSV with just the header line a shop should use for this survey."""

    def get(self, request, pk):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="survey-{pk}-responses.csv"'
        csv.writer(response).writerow(response_template_header(self.survey))
        return response


class FeedbackListView(View):
    """Recent responses and complaints together, filterable by what triage found."""

    def get(self, request):
        form = FeedbackFilterForm(request.GET)
        page = Paginator(selectors.feedback_recent(**form.filters()), 50).get_page(
            request.GET.get("page")
        )
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page_obj": page,
            "items": selectors.feedback_items(page),
            "query": query.urlencode(),
        }
        return render(request, "surveys/staff/feedback.html", context)


class ComplaintDetailView(View):
    def get(self, request, pk):
        try:
            complaint = selectors.complaint_detail(pk=pk)
        except Complaint.DoesNotExist:
            raise Http404 from None
        return render(request, "surveys/staff/complaint.html", {"complaint": complaint})
