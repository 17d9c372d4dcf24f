"""The project's URLs plus the ceilings of the load benchmark: a bare Django view and a bare DRF
view that return a constant, served by the same gunicorn with the same middleware; and two
floors, with none of our checks: the least any stored answer costs (find the invitation by its
token, write one row, render the thank-you page), and the least any stored API write costs (check
the API token, read the JSON, write one row)."""

import json

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback_app.core import policy
from feedback_app.urls import urlpatterns as project


@csrf_exempt
def bare(request):
    return HttpResponse("Thank you.")


FLOOR_TABLE = "bench_floor"


@csrf_exempt
def floor(request, token):
    from surveys.models import Invitation

    invitation = Invitation.objects.values_list("pk", flat=True).get(token=token)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (invitation, body) VALUES (%s, %s)",  # noqa: S608 - constant
            [invitation, request.body.decode()],
        )
    return render(request, "surveys/public/thanks.html", {"survey": {"thank_you": "Thank you."}})


class BareAPI(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def post(self, request):
        return Response({"id": 1}, status=201)


class FloorAPI(APIView):
    permission_classes = [IsAuthenticated]  # the project's authentication: the API token
    throttle_classes = []

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FLOOR_TABLE} (invitation, body) VALUES (%s, %s)",  # noqa: S608 - constant
                [0, json.dumps(request.data)],
            )
        return Response({"received": True}, status=201)


# The access policy refuses a page without a row; these ceilings and floors are open to anyone,
# so they pass through the same middleware as the real pages and pay its cost too.
for name in ("bench-bare", "bench-floor", "bench-bare-api", "bench-floor-api"):
    policy.PAGES[name] = policy.Page(policy.EVERYONE, policy.EVERYONE)

urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/floor/<str:token>/", floor, name="bench-floor"),
    path("bench/bare-api/", BareAPI.as_view(), name="bench-bare-api"),
    path("bench/floor-api/", FloorAPI.as_view(), name="bench-floor-api"),
    *project,
]
