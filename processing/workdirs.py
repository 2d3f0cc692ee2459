"""Jobs' working folders: all under settings.JOB_WORK_DIR, each named after its job and the
process that made it, so nothing is left behind when a worker dies mid-job.

A folder is `<prefix>-<job id>-p<pid>-<random>`. `workdirs_sweep` (run by the sweeper and by
every worker process as it starts) removes a folder when the process that made it is gone: a
live process removes its own when the job ends (processing.jobs.job_run), and a folder is never
pulled from under a live one (even a duplicate whose job was taken over, which would otherwise
fail with an OSError and requeue a job that had ended). The test is by process, not by job row,
so two instances sharing this machine's folder never remove each other's.
"""

import logging
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

FOLDER_NAME = re.compile(r"^[a-z_-]+-[0-9a-f-]{36}-p(?P<pid>\d+)-")


def workdir_create(*, job_id: uuid.UUID, prefix: str) -> Path:
    root = Path(settings.JOB_WORK_DIR)
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-{job_id}-p{os.getpid()}-", dir=root))


def _process_alive(pid: int) -> bool:
    """Running (a zombie is dead: an orphan's new parent may never reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (not Linux): alive, since it answered
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def workdirs_sweep() -> int:
    """Remove the folders whose process is gone; the number removed."""
    root = Path(settings.JOB_WORK_DIR)
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        match = FOLDER_NAME.match(folder.name)
        if match and folder.is_dir() and not _process_alive(int(match["pid"])):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    if removed:
        logger.warning("removed working folders of dead workers", extra={"folders": removed})
    return removed
