"""The API under /api/v1/: one router, every app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from feedback_app.customers.api.views import CustomerViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")

urlpatterns = router.urls
