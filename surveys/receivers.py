"""Surveys' receivers of the customer layer's signals; connected in SurveysConfig.ready()."""

from surveys.services.privacy import erase_customer_feedback


def on_customer_erasing(sender, *, customer, **kwargs):
    erase_customer_feedback(customer)
