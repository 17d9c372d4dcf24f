from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys and feedback"

    def ready(self):
        from feedback_app.customers.privacy import register_eraser
        from surveys.services.privacy import erase_customer_feedback

        register_eraser(erase_customer_feedback)
