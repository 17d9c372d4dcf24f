"""Customer list filters, shared by the staff list page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from feedback_app.customers.models import AgeBand, Customer, ValueTier
from feedback_app.customers.selectors import customer_search


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name, e-mail, phone or number"))
    region = django_filters.CharFilter(label=_("Region"), lookup_expr="iexact")
    value_tier = django_filters.ChoiceFilter(label=_("Value tier"), choices=ValueTier.choices)
    age_band = django_filters.ChoiceFilter(label=_("Age band"), choices=AgeBand.choices)

    class Meta:
        model = Customer
        fields = ["q", "region", "value_tier", "age_band"]

    def search(self, queryset, name, value):
        return queryset.filter(customer_search(value))
