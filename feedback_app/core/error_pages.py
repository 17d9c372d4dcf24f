"""What a request that failed outside any view's own handling gets back: under /api/ the same
JSON body as every other API error ({"detail": ...}), elsewhere Django's pages (templates/404.html,
templates/500.html). Django still logs the server error and sends got_request_exception first:
only the answer changes."""

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"


def _api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def page_not_found(request, exception):
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _api(request):
        detail = "Server error: it has been logged. Try again later, or tell us if it lasts."
        return JsonResponse({"detail": detail}, status=500)
    return defaults.server_error(request)
