from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property


class Role(models.TextChoices):
    """Each role is a Django group of the same name (created by migration 0002)."""

    STAFF = "staff", "Staff"
    COACH = "coach", "Coach"
    ATHLETE = "athlete", "Athlete"


class User(AbstractUser):
    """Our own user model from the first migration, so it can grow without a painful swap."""

    class Meta:
        db_table = "accounts_user"

    @cached_property
    def role(self) -> str | None:
        """The user's role: the name of their role group (superusers count as staff).

        Cached per instance: permission checks ask it many times per request.
        """
        names = {group.name for group in self.groups.all()}
        for role in Role:
            if role.value in names:
                return role.value
        return Role.STAFF.value if self.is_superuser else None

    @property
    def is_staff_role(self) -> bool:
        return self.role == Role.STAFF
