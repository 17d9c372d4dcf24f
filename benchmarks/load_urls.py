"""The project's URLs plus the ceilings of the load benchmark: a bare Django view and a bare DRF
view that return a constant, served by the same gunicorn with the same middleware."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_app.urls import urlpatterns as project


@csrf_exempt
def bare(request):
    return HttpResponse("Thank you.")


class BareAPI(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def post(self, request):
        return Response({"id": 1}, status=201)


urlpatterns = [path("bench/bare/", bare), path("bench/bare-api/", BareAPI.as_view()), *project]
