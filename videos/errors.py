"""What the video endpoints (REST, tus, media links) answer when they refuse."""

from enum import StrEnum

from config.errors import Conflict, NotFound, PayloadTooLarge, PermissionDenied, Unprocessable


class VideoErrorCode(StrEnum):
    QUOTA_EXCEEDED = "quota_exceeded"
    EMPTY_FILE = "empty_file"
    UNSUPPORTED_FORMAT = "unsupported_format"
    NO_VIDEO_STREAM = "no_video_stream"
    MALWARE_DETECTED = "malware_detected"
    NOT_READY = "not_ready"
    INVALID_SIGNATURE = "invalid_signature"
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"
    # tus
    UNSUPPORTED_VERSION = "unsupported_version"
    INVALID_METADATA = "invalid_metadata"
    UNSUPPORTED_CHECKSUM = "unsupported_checksum"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    OFFSET_MISMATCH = "offset_mismatch"
    UPLOAD_LOCKED = "upload_locked"


class VideoNotFound(NotFound):
    default_detail = "No such video."


class VideoPermissionDenied(PermissionDenied):
    default_detail = "You may see this video but not do that."


class QuotaExceeded(PayloadTooLarge):
    code: str = VideoErrorCode.QUOTA_EXCEEDED
    default_detail = "This upload would exceed your storage quota; delete some videos first."


class MalwareDetected(Unprocessable):
    code: str = VideoErrorCode.MALWARE_DETECTED
    default_detail = "The file contains malware and was deleted."


class VideoNotReady(Conflict):
    code: str = VideoErrorCode.NOT_READY
    default_detail = "The video is still being processed."


class ComparisonNotFound(NotFound):
    default_detail = "No such comparison."


class ComparisonPermissionDenied(PermissionDenied):
    default_detail = "You may see this comparison but not do that."
