from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "feedback_app.customers"
    label = "customers"
    verbose_name = "Customers"
