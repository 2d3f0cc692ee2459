"""Every error code processing records on a job, a video or an annotation (Saleor's *ErrorCode)."""

from enum import StrEnum


class ProcessingErrorCode(StrEnum):
    # What the media is: terminal, never retried.
    CORRUPT_MEDIA = "corrupt_media"
    UNSUPPORTED_FORMAT = "unsupported_format"
    NO_VIDEO_STREAM = "no_video_stream"
    NOT_AUDIO = "not_audio"
    TOO_LONG = "too_long"
    RESOLUTION_LIMIT = "resolution_limit"
    MALWARE_DETECTED = "malware_detected"
    # What the job met on the way.
    TRANSCODE_TIMEOUT = "transcode_timeout"
    WORKER_CRASHED = "worker_crashed"
    QUALITY_UNAVAILABLE = "quality_unavailable"
    DISK_FULL = "disk_full"  # the worker's disk filled up: failed at once, not retried
    TRANSIENT = "transient"
    QUEUE_UNAVAILABLE = "queue_unavailable"
