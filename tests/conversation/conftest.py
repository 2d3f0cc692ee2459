import pytest

from tests.factories import make_user, make_video
from videos.models import VideoShare


@pytest.fixture
def coaching(db):
    """A coach's ready 10 s video at 30 fps, shared to annotate with a second coach and to view
    with an athlete; a stranger (a coach) and staff besides."""
    users = {
        "owner": make_user("coach_o", role="coach"),
        "coach": make_user("coach_a", role="coach"),
        "athlete": make_user("ath", role="athlete"),
        "stranger": make_user("stranger", role="coach"),
        "staff": make_user("mod", role="staff"),
    }
    video = make_video(users["owner"], duration=10.0, fps=30.0, width=1280, height=720)
    VideoShare.objects.create(video=video, user=users["coach"], permission="annotate")
    VideoShare.objects.create(video=video, user=users["athlete"], permission="view")
    return users, video


class Mailbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list:
        import email
        from email import policy

        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) on loopback; Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    from tests.services import free_port

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.PUBLIC_BASE_URL = "http://testserver"
    yield mailbox
    controller.stop()
