from django.urls import path

from surveys.views import public, staff, translations

app_name = "surveys"
urlpatterns = [
    path("", staff.SurveyListView.as_view(), name="list"),
    path("new/", staff.SurveyCreateView.as_view(), name="create"),
    path("<int:pk>/", staff.SurveyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", staff.SurveyEditView.as_view(), name="edit"),
    path("<int:pk>/action/", staff.SurveyActionView.as_view(), name="action"),
    path("<int:pk>/preview/", staff.SurveyPreviewView.as_view(), name="preview"),
    path(
        "<int:pk>/translations/",
        translations.SurveyTranslationsView.as_view(),
        name="translations",
    ),
    path("questions/<int:pk>/", staff.QuestionView.as_view(), name="question"),
    path("responses/<int:pk>/", staff.ResponseDetailView.as_view(), name="response"),
    path("feedback/", staff.FeedbackListView.as_view(), name="feedback"),
    path("complaints/<int:pk>/", staff.ComplaintDetailView.as_view(), name="complaint"),
    path(
        "<int:pk>/import-template.csv", staff.ImportTemplateView.as_view(), name="import-template"
    ),
    path("imports/", staff.ImportView.as_view(), name="imports"),
    path("imports/<int:pk>/", staff.ImportDetailView.as_view(), name="import"),
    path("rules/", staff.TriggerRuleListView.as_view(), name="rules"),
    path("rules/new/", staff.TriggerRuleEditView.as_view(), name="rule-create"),
    path("rules/<int:pk>/", staff.TriggerRuleEditView.as_view(), name="rule-edit"),
]

public_urlpatterns = [
    path("s/<str:token>/", public.AnswerView.as_view(), name="survey-answer"),
    path("s/p/<str:token>/", public.PublicSurveyView.as_view(), name="survey-public"),
    path("complaint/", public.ComplaintView.as_view(), name="complaint"),
    path("t/<str:code>/", public.ShortLinkView.as_view(), name="survey-short"),
]
