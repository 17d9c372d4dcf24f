from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StaffConfig(AppConfig):
    name = "feedback_app.staff"
    label = "staff"
    verbose_name = "Staff and roles"

    def ready(self):
        # Imported here: roles import the auth models, which only exist once the apps are loaded.
        from feedback_app.core.roles import sync_roles_after_migrate

        # Permissions are created in post_migrate, so the role groups are kept in step there:
        # a migration that adds a model grants its permissions to the roles on the same run.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="staff.sync_roles")
