"""What the annotation endpoints answer when they refuse."""

from enum import StrEnum

from config.errors import NotFound


class AnnotationErrorCode(StrEnum):
    NOT_AUDIO = "not_audio"
    SILENT_AUDIO = "silent_audio"
    TOO_LONG = "too_long"
    EMPTY_FILE = "empty_file"
    MALWARE_DETECTED = "malware_detected"
    UNSUPPORTED_FORMAT = "unsupported_format"


class AnnotationNotFound(NotFound):
    default_detail = "No such annotation."


class CommentNotFound(NotFound):
    default_detail = "No such comment."
