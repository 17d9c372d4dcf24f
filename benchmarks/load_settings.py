"""Settings for the load benchmark (benchmarks/load.py): the production settings as the
environment gives them, plus two bare views to compare against (benchmarks/load_urls.py)."""

from feedback_app.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.load_urls"
