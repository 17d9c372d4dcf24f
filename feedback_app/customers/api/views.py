"""Customer endpoints: list and read profiles, resolve identities to a profile, merge."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from feedback_app.customers import selectors
from feedback_app.customers.api.serializers import (
    CustomerResolveSerializer,
    CustomerSerializer,
    IdentitySerializer,
    MergeSerializer,
    TimelineEntrySerializer,
    vouched,
)
from feedback_app.customers.filters import CustomerFilter
from feedback_app.customers.models import Channel
from feedback_app.customers.privacy import customer_export
from feedback_app.customers.services.merge import customer_merge
from feedback_app.customers.services.profile import customer_update
from feedback_app.customers.services.resolve import customer_resolve, identity_add


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["created_at", "full_name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.customer_list(include_merged=self.action != "list").prefetch_related(
            "preferences"
        )

    @extend_schema(
        request=CustomerResolveSerializer,
        responses={200: CustomerSerializer, 201: CustomerSerializer},
        description="Find the profile behind these identities or create it (201 when created).",
    )
    def create(self, request):
        data = CustomerResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resolution = customer_resolve(
            channel=Channel.API, actor=request.user, **vouched(request, data.validated_data)
        )
        body = CustomerSerializer(self.get_queryset().get(pk=resolution.customer.pk)).data
        return Response(
            body, status=status.HTTP_201_CREATED if resolution.created else status.HTTP_200_OK
        )

    def perform_update(self, serializer):
        serializer.instance = customer_update(
            customer=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(responses=TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        customer = self.get_object()
        page = self.paginate_queryset(selectors.customer_timeline(customer=customer))
        return self.get_paginated_response(TimelineEntrySerializer(page, many=True).data)

    @extend_schema(request=IdentitySerializer, responses={201: IdentitySerializer})
    @action(detail=True, methods=["post"])
    def identities(self, request, pk=None):
        customer = self.get_object()
        data = IdentitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        identity = identity_add(
            customer=customer,
            actor=request.user,
            channel=Channel.API,
            kind=data.validated_data["kind"],
            value=data.validated_data["value"],
            source=data.validated_data.get("source", ""),
        )
        return Response(IdentitySerializer(identity).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """Everything we hold on this customer (managers)."""
        if not request.user.has_perm("customers.merge_customer"):
            self.permission_denied(
                request, message="Exporting a customer's data needs the manager role."
            )
        return Response(customer_export(customer=self.get_object()))

    @extend_schema(request=MergeSerializer, responses={200: CustomerSerializer})
    @action(detail=True, methods=["post"], url_path="merge")
    def merge(self, request, pk=None):
        """Merge this profile into `into`; answers with the surviving profile."""
        if not request.user.has_perm("customers.merge_customer"):
            self.permission_denied(request, message="Merging profiles needs the manager role.")
        source = self.get_object()
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        merge = customer_merge(
            source=source,
            target=data.validated_data["into"],
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(CustomerSerializer(self.get_queryset().get(pk=merge.target_id)).data)
