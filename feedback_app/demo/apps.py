from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a newcomer's install. Sits on top of every app, like the URLs."""

    name = "feedback_app.demo"
    label = "demo"
    verbose_name = "Demo data"
