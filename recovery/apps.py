from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Service recovery"

    def ready(self):
        from recovery.receivers import on_customer_active, on_feedback_triaged, on_rollups_rebuilt
        from surveys.signals import customer_active, feedback_triaged, rollups_rebuilt

        feedback_triaged.connect(on_feedback_triaged, dispatch_uid="recovery.feedback_triaged")
        customer_active.connect(on_customer_active, dispatch_uid="recovery.customer_active")
        rollups_rebuilt.connect(on_rollups_rebuilt, dispatch_uid="recovery.rollups_rebuilt")

        from django.db.models.signals import post_save

        from feedback_app.customers.models import CustomerMerge
        from recovery.receivers import on_customers_merged

        post_save.connect(
            on_customers_merged, sender=CustomerMerge, dispatch_uid="recovery.customers_merged"
        )

        from feedback_app.customers.privacy import register_eraser
        from recovery.privacy import erase_customer_recovery

        register_eraser(erase_customer_recovery)
