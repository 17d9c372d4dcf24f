from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys and feedback"

    def ready(self):
        from feedback_app.customers.privacy import register_eraser
        from surveys.services.privacy import erase_customer_feedback

        register_eraser(erase_customer_feedback)

        from django.db.models.signals import pre_delete

        from surveys.models import Complaint, Response
        from surveys.services.rollups import on_pre_delete

        for model in (Response, Complaint):
            pre_delete.connect(on_pre_delete, sender=model, dispatch_uid=f"rollup-{model.__name__}")
