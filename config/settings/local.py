"""`make run`: embedded defaults, nothing to configure. For one person on their own machine.

The secret key (which signs sessions, tokens and media URLs) is never a value from the source:
`SECRET_KEY` from the environment when set, else a random key made on the first start and kept
in `.run/secret-key` (git-ignored, mode 0600), so sessions survive a restart. DEBUG is off unless
`DEBUG=1` turns it on.
"""

import contextlib
import os
import secrets
from pathlib import Path

from config.env import BASE_DIR, env

from .base import *  # noqa: F403
from .base import STORAGES


def local_secret_key(path: Path) -> str:
    """The key kept in `path`, made (random, 0600) if it is missing. The web server and the
    worker start together: the file appears whole, once, and both read the same key."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(64))
        try:
            os.link(draft, path)  # fails if another process got there first: use theirs
        except FileExistsError:
            pass
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(draft)
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="") or local_secret_key(
    Path(env("SECRET_KEY_FILE", default=str(BASE_DIR / ".run" / "secret-key")))
)
SIMPLE_JWT["SIGNING_KEY"] = env("JWT_SIGNING_KEY", default="") or SECRET_KEY
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# WhiteNoise serves the static files (DEBUG or not) straight from the finders: no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Mails are printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="") or "django.core.mail.backends.console.EmailBackend"
