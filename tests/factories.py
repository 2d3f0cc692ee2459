"""Real rows through the real services: the one place tests make users, videos and files."""

from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import Role, User
from accounts.services import user_create
from processing import pipeline
from videos.models import ScanStatus, Video, VideoStatus

PASSWORD = "correct horse battery staple"


def make_user(username: str, *, role: str = "athlete", password: str = PASSWORD) -> User:
    return user_create(
        username=username, password=password, email=f"{username}@example.com", role=Role(role)
    )


def make_video(
    owner: User,
    *,
    title: str = "Front squat",
    status: str = VideoStatus.READY,
    content: bytes = b"not really a video",
    **fields,
) -> Video:
    """A video row with `content` stored as its original (no processing)."""
    video = Video.objects.create(
        owner=owner, title=title, status=status, size=len(content), **fields
    )
    video.original.name = default_storage.save(f"videos/{video.pk}/original", ContentFile(content))
    video.save(update_fields=["original"])
    return video


def ready_video(owner: User, clip: Path, title: str = "Front squat") -> Video:
    """A video made `ready` by the real pipeline (renditions, poster, storyboard, analysis)."""
    video = make_video(
        owner,
        title=title,
        status=VideoStatus.UPLOADED,
        content=clip.read_bytes(),
        scan_status=ScanStatus.CLEAN,
    )
    pipeline.process_video(video_id=str(video.pk))
    video.refresh_from_db()
    assert video.status == VideoStatus.READY, video.status_message
    return video


def stored_files(prefix: str = "") -> list[str]:
    """Every file under MEDIA_ROOT (the test's own folder), relative paths."""
    root = Path(default_storage.location)  # type: ignore[attr-defined]
    if not root.exists():
        return []
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and str(p.relative_to(root)).startswith(prefix)
    )
