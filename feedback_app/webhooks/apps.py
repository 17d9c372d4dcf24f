from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "feedback_app.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
