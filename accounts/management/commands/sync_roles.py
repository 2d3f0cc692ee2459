"""Give each role group exactly its permissions (safe to run on every deploy)."""

from django.core.management.base import BaseCommand

from accounts.roles import roles_sync_permissions


class Command(BaseCommand):
    help = "Create the staff, coach and athlete groups with their permissions, or fix them."

    def handle(self, *args: object, **options: object) -> None:
        roles_sync_permissions()
