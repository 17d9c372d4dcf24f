"""English dates and numbers as written in Britain ("1 December 2026", 24-hour clock), the
formats the product was written with; the language code stays plain "en"."""

from django.conf.locale.en_GB.formats import *  # noqa: F403
