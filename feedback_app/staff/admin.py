"""The admin of logins, groups and API tokens as Django and DRF ship it, with one addition: a
change to who a token stands for makes the API forget what it kept of that token at once
(`feedback_app.core.api.authentication`), so a revoked token, a deactivated login or a role
taken away stops working on the next call."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from feedback_app.core.api.authentication import token_cache_forget


class LoginAdmin(UserAdmin):
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the groups are saved here
        token_cache_forget(user_id=form.instance.pk)

    def delete_model(self, request, obj):
        token_cache_forget(user_id=obj.pk)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user_id in queryset.values_list("pk", flat=True):
            token_cache_forget(user_id=user_id)
        super().delete_queryset(request, queryset)


class RoleGroupAdmin(GroupAdmin):
    def delete_model(self, request, obj):
        for user_id in obj.user_set.values_list("pk", flat=True):
            token_cache_forget(user_id=user_id)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            self.delete_model(request, group)


class ApiTokenAdmin(TokenAdmin):
    def delete_model(self, request, obj):
        token_cache_forget(key=obj.key)
        super().delete_model(request, obj)


for model, model_admin in (
    (get_user_model(), LoginAdmin),
    (Group, RoleGroupAdmin),
    (TokenProxy, ApiTokenAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
