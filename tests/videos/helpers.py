from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts.models import User
from videos.models import Video, VideoStatus


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


def make_video(
    owner: User,
    *,
    title: str = "Front squat",
    status: str = VideoStatus.READY,
    content: bytes = b"not really a video",
    **fields,
) -> Video:
    video = Video.objects.create(
        owner=owner, title=title, status=status, size=len(content), **fields
    )
    video.original.name = default_storage.save(f"videos/{video.pk}/original", ContentFile(content))
    video.save(update_fields=["original"])
    return video
