from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Service recovery"

    def ready(self):
        # Imported here: receivers import models, which only exist once the apps are loaded.
        # Every hop is listed in feedback_app.core.signals.HOPS.
        from feedback_app.core import signals
        from recovery import receivers

        signals.feedback_triaged.connect(
            receivers.on_feedback_triaged, dispatch_uid="recovery.feedback_triaged"
        )
        signals.feedback_triaging.connect(
            receivers.on_feedback_triaging, dispatch_uid="recovery.feedback_triaging"
        )
        signals.customer_active.connect(
            receivers.on_customer_active, dispatch_uid="recovery.customer_active"
        )
        signals.rollups_rebuilt.connect(
            receivers.on_rollups_rebuilt, dispatch_uid="recovery.rollups_rebuilt"
        )
        signals.customers_merged.connect(
            receivers.on_customers_merged, dispatch_uid="recovery.customers_merged"
        )
        signals.customer_replied.connect(
            receivers.on_customer_replied, dispatch_uid="recovery.customer_replied"
        )
        signals.customer_erasing.connect(
            receivers.on_customer_erasing, dispatch_uid="recovery.customer_erasing"
        )
