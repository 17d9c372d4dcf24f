"""Customer list filters, shared by the staff list page and the API."""

import django_filters

from feedback_app.customers.models import AgeBand, Customer, ValueTier
from feedback_app.customers.selectors import customer_search


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Name, e-mail, phone or number")
    region = django_filters.CharFilter(lookup_expr="iexact")
    value_tier = django_filters.ChoiceFilter(choices=ValueTier.choices)
    age_band = django_filters.ChoiceFilter(choices=AgeBand.choices)

    class Meta:
        model = Customer
        fields = ["q", "region", "value_tier", "age_band"]

    def search(self, queryset, name, value):
        return queryset.filter(customer_search(value))
