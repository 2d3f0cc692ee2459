"""What the annotation endpoints answer when they refuse."""

from enum import StrEnum

from config.errors import ApplicationError, ErrorCode


class AnnotationErrorCode(StrEnum):
    NOT_AUDIO = "not_audio"
    SILENT_AUDIO = "silent_audio"
    TOO_LONG = "too_long"
    EMPTY_FILE = "empty_file"
    MALWARE_DETECTED = "malware_detected"
    UNSUPPORTED_FORMAT = "unsupported_format"


class AnnotationNotFound(ApplicationError):
    status_code = 404
    code: str = ErrorCode.NOT_FOUND
    default_detail = "No such annotation."
