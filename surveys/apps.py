from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys and feedback"

    def ready(self):
        # Imported here: receivers import models, which only exist once the apps are loaded.
        from feedback_app.core.signals import customer_erasing
        from surveys.receivers import on_customer_erasing

        customer_erasing.connect(on_customer_erasing, dispatch_uid="surveys.customer_erasing")
