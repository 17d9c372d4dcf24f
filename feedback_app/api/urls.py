"""The API under /api/v1/: one router, every app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from feedback_app.customers.api.views import CustomerViewSet
from feedback_app.webhooks.api import WebhookViewSet
from recovery.api import views as recovery
from recovery.dashboards.views import ReportAPIView
from surveys.api import views as surveys


class PolicyAPIRootView(DefaultRouter.APIRootView):
    policy_name = "api-root"  # its row in feedback_app.core.policy.API


class Router(DefaultRouter):
    APIRootView = PolicyAPIRootView


router = Router()
router.register("customers", CustomerViewSet, basename="customer")
router.register("events", surveys.EventViewSet, basename="event")
router.register("surveys", surveys.SurveyViewSet, basename="survey")
router.register("questions", surveys.QuestionViewSet, basename="question")
router.register("trigger-rules", surveys.TriggerRuleViewSet, basename="triggerrule")
router.register("invitations", surveys.InvitationViewSet, basename="invitation")
router.register("responses", surveys.ResponseViewSet, basename="response")
router.register("complaints", surveys.ComplaintViewSet, basename="complaint")
router.register("tickets", recovery.TicketViewSet, basename="ticket")
router.register("ticket-events", recovery.TicketEventViewSet, basename="ticketevent")
router.register("restitutions", recovery.RestitutionViewSet, basename="restitution")
router.register("improvements", recovery.ImprovementViewSet, basename="improvement")
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = [
    *router.urls,
    path("reports/<slug:name>/", ReportAPIView.as_view(), name="report"),
]
