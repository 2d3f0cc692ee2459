"""`make run` under its supervisor: a role that dies is restarted by itself while the others keep
serving, and Ctrl-C still stops everything."""

import os
import signal

import psutil
import pytest

from tests.reliability.stack import LocalStack, private_redis, wait_for

pytestmark = pytest.mark.slow


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_killed_roles_come_back_and_ctrl_c_stops_everything(tmp_path):
    with private_redis(tmp_path / "redis") as redis_url, LocalStack(tmp_path, redis_url) as stack:
        before = stack.roles()
        assert sorted(before) == ["sweeper", "watchdog", "web", "worker"]
        assert len(before["web"]) == 2  # WEB_CONCURRENCY defaults to 2 under make run

        # kill -9 every web process and the worker, as an OOM killer would
        for pid in [*before["web"], *before["worker"]]:
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: stack.health() == 200, 120, "/health to answer again by itself")

        def restarted() -> bool:
            now = stack.roles()
            return (
                len(now.get("web", [])) == 2
                and not set(now["web"]) & set(before["web"])
                and len(now.get("worker", [])) == 1
                and now["worker"] != before["worker"]
            )

        wait_for(restarted, 120, "supervisord to restart the web processes and the worker")
        after = stack.roles()
        # the roles nobody killed kept running through it
        assert (after["sweeper"], after["watchdog"]) == (before["sweeper"], before["watchdog"])

        everything = stack.descendants()
        stack.ctrl_c()
        assert stack.process is not None and stack.process.returncode is not None
        wait_for(lambda: not any(alive(p.pid) for p in everything), 60, "every process to stop")
    assert stack.health() == 0  # nothing listens any more


def test_a_killed_supervisor_leaves_no_process_behind(tmp_path):
    with private_redis(tmp_path / "redis") as redis_url, LocalStack(tmp_path, redis_url) as stack:
        supervisor = stack.supervisor()
        everything = stack.descendants()
        supervisor.send_signal(signal.SIGKILL)
        # each role dies with it (start.sh: setpriv --pdeathsig), and make run's script ends
        wait_for(lambda: not any(alive(p.pid) for p in everything), 60, "every process to stop")
        assert stack.process is not None
        stack.process.wait(timeout=30)
