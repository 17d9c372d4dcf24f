"""The customer's side of a survey: the answer page reached by token link, and the anonymous
public link for kiosks and receipts. Opening a page records nothing; only the form's POST does."""

import uuid

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django_ratelimit.core import is_ratelimited

from feedback_app.core.errors import DomainError
from feedback_app.core.forms import form_error
from feedback_app.core.numbers import whole_number
from feedback_app.customers.languages import speak_in
from feedback_app.customers.models import Channel
from feedback_app.customers.services.conversation import uploads_from
from feedback_app.customers.services.resolve import customer_resolve
from surveys import selectors
from surveys.forms import AnswerForm, ComplaintForm
from surveys.languages import speak_survey
from surveys.logic import answer_scores, ending
from surveys.models import Question, Survey
from surveys.quick_answer import quick_initial, quick_questions
from surveys.services.complaints import complaint_submit
from surveys.services.progress import invitation_progress
from surveys.services.received import answers_receive, held_answers, quick_receive
from surveys.services.responses import (
    AnswersInvalid,
    InvitationExpired,
    SurveyClosed,
    response_submit,
)
from surveys.triage.scores import unhappy_scores


def _public_rate(group, request):
    return settings.PUBLIC_FORM_RATE


def rate_limited(request, group: str) -> bool:
    """Count this POST against the caller's address; True once over the public-form rate."""
    return is_ratelimited(
        request, group=group, key="ip", rate=_public_rate, method="POST", increment=True
    )


def _closed(request, survey, status=410):
    return render(request, "surveys/public/closed.html", {"survey": survey}, status=status)


def _expired(request, survey):
    return render(request, "surveys/public/expired.html", {"survey": survey}, status=410)


def _thanks(request, survey, already=False, sorry=False, form=None):
    """The page after Send: the ending that fits the answer's headline score (surveys/logic.py),
    and, when the answer opens a case, that someone will be in touch."""
    scores = answer_scores(form.questions, form.answers()) if form is not None else {}
    band, text, review_url = ending(survey, scores)
    context = {
        "survey": survey,
        "already": already,
        "sorry": sorry,
        "band": band,
        "ending": text,
        "own_sorry": survey.thank_you_detractor if band == "detractor" else "",
        "review_url": review_url,
    }
    return render(request, "surveys/public/thanks.html", context)


def unhappy(form: AnswerForm) -> bool:
    """Whether the answer opens (or reopens) a case: a score unhappy whatever the words (a
    detractor), or anything but "yes" to "did we make it right?". Its thank-you page then says
    sorry and that someone will be in touch."""
    answers = form.answers()
    if unhappy_scores([(q.kind, answers.get(q.pk)) for q in form.questions if q.is_rating]):
        return True
    if form.survey.purpose != Survey.Purpose.RECOVERY_FOLLOW_UP:
        return False
    chosen = set()
    for question in form.questions:
        if question.kind in Question.CHOICE_KINDS:
            value = answers.get(question.pk) or []
            chosen |= {
                str(c).strip().lower() for c in ([value] if isinstance(value, str) else value) if c
            }
    return bool(chosen) and "yes" not in chosen


def _shown_answer(questions, chosen: dict) -> str | None:
    """The first chosen answer as the page shows it (an option in the page's language)."""
    for key, value in chosen.items():
        question = next((q for q in questions if f"q{q.pk}" == key), None)
        if question is not None and value in question.choices:
            return question.shown_choices[question.choices.index(value)]
        return value
    return None


class AnswerView(View):
    template_name = "surveys/public/answer.html"

    def dispatch(self, request, token):
        self.invitation = selectors.invitation_by_token(token=token, page=request.method != "POST")
        if self.invitation is None:
            return render(request, "customers/public/link_invalid.html", status=404)
        speak_in(request, self.invitation.language)
        # The survey in that language when it has it whole, else in its own (and the page too).
        self.survey, self.questions = speak_survey(
            request, self.invitation.survey, selectors.survey_questions(self.invitation.survey)
        )
        return super().dispatch(request, token)

    def _context(self, form):
        invitation = self.invitation
        return {
            "survey": self.survey,
            "invitation": invitation,
            "form": form,
            "event": invitation.event,
            "first_name": invitation.customer.first_name,
        }

    def get(self, request, token):
        invitation = self.invitation
        held = held_answers(invitation)
        if invitation.answer_received and held is None:
            return _thanks(request, self.survey, already=True)
        if invitation.expires_at <= timezone.now():
            return _expired(request, self.survey)
        if invitation.survey.status != Survey.Status.LIVE:
            return _closed(request, self.survey)
        questions = self.questions
        # A one-click link from the e-mail (?score=9) chooses that answer; opening the link
        # stores nothing, the page's script saves it a moment later (surveys/quick_answer.py).
        # Once saved, the page shows it chosen (a reload included) until Send adds the rest.
        if held is not None:
            chosen = {f"q{key}": str(value) for key, value in held.answers.items()}
        else:
            chosen = quick_initial(questions, request.GET, invitation.survey)
        form = AnswerForm(initial=chosen, survey=self.survey, questions=questions)
        context = self._context(form)
        context["chosen"] = _shown_answer(questions, chosen)
        context["saved"] = held is not None
        context["quick_field"] = next(iter(chosen), "") if held is None else ""
        return render(request, self.template_name, context)

    def post(self, request, token):
        """Check the answers and accept them (`answers_receive`); a background task stores
        them a moment later. Everything the customer must hear about is decided here."""
        if request.POST.get("quick") == "1":
            return self._quick(request)
        if "progress" in request.POST:
            return self._progress(request)
        invitation = self.invitation
        form = AnswerForm(request.POST, survey=self.survey, questions=self.questions)
        if form.is_valid():
            try:
                accepted = answers_receive(invitation=invitation, answers=form.answers())
            except AnswersInvalid as exc:
                form.add_answer_errors(exc.errors)
            except InvitationExpired:
                return _expired(request, self.survey)
            except SurveyClosed:
                return _closed(request, self.survey)
            else:
                return _thanks(
                    request,
                    self.survey,
                    already=not accepted,
                    sorry=unhappy(form),
                    form=form,
                )
        return render(request, self.template_name, self._context(form), status=400)

    def _quick(self, request):
        """The page's script saving the answer a one-click link chose, alone (JSON)."""
        invitation = self.invitation
        questions = selectors.survey_questions(invitation.survey)
        offered = quick_questions(questions, invitation.survey)
        question = next((q for q in offered if f"q{q.pk}" in request.POST), None)
        if question is None:
            return JsonResponse({"detail": "This survey has no such one-click answer."}, status=400)
        answer = {question.pk: request.POST.get(f"q{question.pk}", "")}
        try:
            saved = quick_receive(invitation=invitation, answers=answer)
        except AnswersInvalid as exc:
            return JsonResponse({"detail": " ".join(map(str, exc.errors.values()))}, status=400)
        except (InvitationExpired, SurveyClosed) as exc:
            return JsonResponse({"detail": exc.message}, status=410)
        if saved:  # the customer is one question in
            position = questions.index(question) + 1
            invitation_progress(invitation=invitation, step="reached", position=position)
        return JsonResponse({"saved": saved})

    def _progress(self, request):
        """The page's script reporting how far the customer got, for the funnel (JSON)."""
        position = whole_number(request.POST.get("position", ""), max_digits=3)
        try:
            recorded = invitation_progress(
                invitation=self.invitation, step=request.POST["progress"], position=position
            )
        except DomainError as exc:
            return JsonResponse({"detail": exc.message}, status=400)
        return JsonResponse({"recorded": recorded})


class PublicSurveyView(View):
    """An anonymous link per survey (kiosk, receipt, QR code). Rate-limited per address; a
    hidden submission id makes a double-tap store one response."""

    template_name = "surveys/public/answer.html"

    def dispatch(self, request, token):
        survey = selectors.survey_by_public_token(token=token)
        if survey is None:
            return render(request, "customers/public/link_invalid.html", status=404)
        self.original = survey
        self.survey, self.questions = speak_survey(
            request, survey, selectors.survey_questions(survey)
        )
        return super().dispatch(request, token)

    def get(self, request, token):
        if self.survey.status != Survey.Status.LIVE:
            return _closed(request, self.survey)
        form = AnswerForm(
            survey=self.survey,
            questions=self.questions,
            public=True,
            initial={"submission": uuid.uuid4()},
        )
        return render(
            request, self.template_name, {"survey": self.survey, "form": form, "public": True}
        )

    def post(self, request, token):
        if rate_limited(request, "public-survey"):
            return render(request, "surveys/public/slow_down.html", status=429)
        survey = self.survey
        form = AnswerForm(request.POST, survey=survey, questions=self.questions, public=True)
        if form.is_valid():
            try:
                customer = None
                if form.cleaned_data.get("email"):
                    customer = customer_resolve(
                        email=form.cleaned_data["email"], channel=Channel.KIOSK
                    ).customer
                submission = response_submit(
                    survey=self.original,
                    customer=customer,
                    answers=form.answers(),
                    channel=Channel.KIOSK,
                    idempotency_key=f"public:{form.cleaned_data['submission']}",
                )
            except AnswersInvalid as exc:
                form.add_answer_errors(exc.errors)
            except SurveyClosed:
                return _closed(request, survey)
            except DomainError as exc:
                form_error(form, exc)
            else:
                return _thanks(
                    request,
                    survey,
                    already=not submission.created,
                    sorry=customer is not None and unhappy(form),
                    form=form,
                )
        return render(
            request,
            self.template_name,
            {"survey": survey, "form": form, "public": True},
            status=400,
        )


class ComplaintView(View):
    """Tell us what went wrong: the public complaint form. Rate-limited per address; a hidden
    submission id makes a double click store one complaint."""

    template_name = "surveys/public/complaint.html"

    def get(self, request):
        form = ComplaintForm(initial={"submission": uuid.uuid4()})
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        if rate_limited(request, "complaint"):
            return render(request, "surveys/public/slow_down.html", status=429)
        form = ComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                intake = complaint_submit(
                    text=data["text"],
                    channel=Channel.WEB,
                    email=data["email"],
                    phone=data["phone"],
                    full_name=data["full_name"],
                    reference=data["reference"],
                    idempotency_key=f"web:{data['submission']}",
                    uploads=uploads_from(data["files"]),
                    language=request.LANGUAGE_CODE,
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                return render(
                    request,
                    "surveys/public/complaint_thanks.html",
                    {
                        "name": data["full_name"],
                        "complaint": intake.complaint,
                        "email": data["email"],
                    },
                )
        return render(request, self.template_name, {"form": form}, status=400)


class ShortLinkView(View):
    """A text message's short link to a survey: it leads to the invitation's own page. Opening
    it stores nothing (whatever the method, it only leads there); a code that is not one of ours
    gets the honest "not valid" page, and guesses from one address are limited like the public
    forms."""

    def dispatch(self, request, code):
        limited = is_ratelimited(
            request, group="short-link", key="ip", rate=_public_rate, increment=True
        )
        invitation = selectors.invitation_by_short_code(code=code)
        if invitation is None or limited:
            status = 429 if limited else 404
            return render(request, "customers/public/link_invalid.html", status=status)
        return redirect(invitation.get_absolute_url())
