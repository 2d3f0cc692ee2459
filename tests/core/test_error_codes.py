"""The README's list of error codes and the enums the code raises them from agree."""

import re
from enum import StrEnum
from pathlib import Path

from accounts.errors import AccountErrorCode
from annotations.errors import AnnotationErrorCode
from config.errors import ErrorCode
from processing.errors import ProcessingErrorCode
from videos.errors import VideoErrorCode

README = Path(__file__).resolve().parents[2] / "README.md"
API_ENUMS: list[type[StrEnum]] = [ErrorCode, AccountErrorCode, VideoErrorCode, AnnotationErrorCode]


def _section(title: str) -> str:
    text = README.read_text()
    start = text.index(title)
    return text[start : text.index("\n## ", start)]


def test_every_api_code_is_in_the_readme_table_and_nothing_else():
    section = _section("### Error codes")
    table = "\n".join(line for line in section.splitlines() if line.startswith("| `"))
    documented = set(re.findall(r"`([a-z_]+)`", table))
    raised = {member.value for enum in API_ENUMS for member in enum}
    raised |= {"quality_unavailable"}  # an export request refused by processing's service
    assert documented == raised


def test_every_processing_code_is_listed():
    section = _section("### Error codes")
    paragraph = section[section.index("Processing records") :]
    assert set(re.findall(r"`([a-z_]+)`", paragraph)) == {m.value for m in ProcessingErrorCode}
