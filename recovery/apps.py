from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Service recovery"

    def ready(self):
        from recovery.receivers import on_feedback_triaged
        from surveys.signals import feedback_triaged

        feedback_triaged.connect(on_feedback_triaged, dispatch_uid="recovery.feedback_triaged")

        from feedback_app.customers.privacy import register_eraser
        from recovery.privacy import erase_customer_recovery

        register_eraser(erase_customer_recovery)
