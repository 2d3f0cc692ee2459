"""Query filters of the video list (django-filter); invalid values are a 400 with field errors."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from videos.models import Video, VideoStatus


class VideoFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=VideoStatus.choices)
    owner = django_filters.CharFilter(field_name="owner__username", max_length=150)
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200)
    shared = django_filters.BooleanFilter(method="filter_shared", label="Shared with me")

    class Meta:
        model = Video
        fields: list[str] = []

    def filter_shared(self, queryset: QuerySet[Video], name: str, value: Any) -> QuerySet[Video]:
        user = getattr(self.request, "user", None)
        if not value or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(shares__user=user)
