"""Create the admin named by DJANGO_SUPERUSER_* once; later runs leave it alone."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.models import Role, User
from accounts.services import user_set_role
from config.env import env


class Command(BaseCommand):
    help = "Create the superuser from DJANGO_SUPERUSER_USERNAME/_PASSWORD/_EMAIL if missing."

    def handle(self, *args: object, **options: object) -> None:
        username = env("DJANGO_SUPERUSER_USERNAME", default="")
        if not username or not env("DJANGO_SUPERUSER_PASSWORD", default=""):
            return
        # createsuperuser --noinput reads the same DJANGO_SUPERUSER_* variables itself.
        if not User.objects.filter(username=username).exists():
            call_command("createsuperuser", interactive=False, verbosity=0)
            self.stdout.write(f"Created the admin user {username!r}.")
        user_set_role(user=User.objects.get(username=username), role=Role.STAFF)
