"""Site-wide template context: who we are, for every page and e-mail."""

from django.conf import settings


def site(request):
    return {"company_name": settings.COMPANY_NAME}
