"""With BROKER_URL=amqp://... the workers use RabbitMQ (durable queues, persistent messages,
publisher confirms), and readiness and queue depth read it: a video processed once through it,
on a virtual host of the test's own on the machine's RabbitMQ."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pika  # noqa: F401  (RabbitMQ's client: requirements/base.txt)
import pytest
from django.test import Client
from django.utils.module_loading import import_string
from django_dramatiq.apps import DjangoDramatiqConfig
from django_dramatiq.utils import load_middleware
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from processing.broker import broker_ping, queue_depths
from processing.models import JobState, ProcessingJob
from tests.factories import make_video
from tests.media import make_clip
from tests.reliability.proxy import TcpProxy
from tests.reliability.stack import wait_for
from tests.reliability.test_instances import in_instance
from tests.services import free_port
from videos.models import ScanStatus, Video, VideoStatus
from videos.services import send_processing

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
BROKER_SETTINGS = """
import contextlib
import json
from django.conf import settings
print(json.dumps(settings.DRAMATIQ_BROKER))
"""


def rabbitmqctl(*args: str) -> str:
    return subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.fixture
def vhost_url() -> Iterator[str]:
    vhost = f"video-service-test-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


@contextlib.contextmanager
def switched_broker(url: str) -> Iterator[RabbitmqBroker]:
    """The broker the settings make of BROKER_URL=`url`, in place of the test's Redis one (the
    actors move to it for the test, and back)."""
    config = json.loads(in_instance(BROKER_SETTINGS, BROKER_URL=url))
    assert config["BROKER"] == "dramatiq.brokers.rabbitmq.RabbitmqBroker"
    assert config["OPTIONS"] == {"url": url, "confirm_delivery": True}
    middleware = [
        load_middleware(path, **DjangoDramatiqConfig.get_middleware_kwargs(path))
        for path in config["MIDDLEWARE"]
    ]
    broker = import_string(config["BROKER"])(middleware=middleware, **config["OPTIONS"])
    redis_broker = dramatiq.get_broker()
    actors = [redis_broker.get_actor(name) for name in redis_broker.get_declared_actors()]
    dramatiq.set_broker(broker)
    for actor in actors:
        actor.broker = broker
        broker.declare_actor(actor)
    try:
        yield broker
    finally:
        for actor in actors:
            actor.broker = redis_broker
        dramatiq.set_broker(redis_broker)
        broker.close()


@pytest.fixture
def rabbitmq_broker(vhost_url) -> Iterator[RabbitmqBroker]:
    with switched_broker(vhost_url) as broker:
        yield broker


def test_a_video_is_processed_once_through_rabbitmq(rabbitmq_broker, athlete, tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=2)
    video = make_video(
        athlete,
        status=VideoStatus.UPLOADED,
        content=clip.read_bytes(),
        scan_status=ScanStatus.CLEAN,
    )
    broker_ping()
    assert Client().get("/ready").json()["checks"]["broker"] == "ok"
    assert send_processing(video_id=video.pk)
    assert queue_depths(["processing"]) == {"processing": 1}
    queues = rabbitmqctl("list_queues", "-p", rabbitmq_broker.parameters.virtual_host)
    assert any(line.split()[:1] == ["processing"] for line in queues.splitlines())
    durable = rabbitmqctl(
        "list_queues", "-p", rabbitmq_broker.parameters.virtual_host, "name", "durable"
    )
    assert "processing\ttrue" in durable

    worker = dramatiq.Worker(rabbitmq_broker, worker_threads=1)
    worker.start()
    try:
        wait_for(
            lambda: Video.objects.get(pk=video.pk).status == VideoStatus.READY,
            120,
            "the video to be processed",
        )
    finally:
        worker.stop()
    job = ProcessingJob.objects.get(video=video)
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1)
    assert queue_depths(["processing"]) == {"processing": 0}


def test_a_broker_restart_loses_no_queued_job(vhost_url, athlete, tmp_path):
    """Workers and publishers reach RabbitMQ through a proxy the test cuts, as a restart cuts
    every client; the queue is durable and the message persistent, so a real restart keeps it."""
    clip = make_clip(tmp_path / "clip.mp4", seconds=2)
    first, second = (
        make_video(
            athlete,
            status=VideoStatus.UPLOADED,
            content=clip.read_bytes(),
            scan_status=ScanStatus.CLEAN,
        )
        for _ in range(2)
    )
    vhost = vhost_url.rsplit("/", 1)[1]
    with (
        TcpProxy(5672) as proxy,
        switched_broker(vhost_url.replace(":5672/", f":{proxy.port}/")) as broker,
    ):
        assert send_processing(video_id=first.pk)  # no worker is running
        stored = rabbitmqctl(
            "list_queues", "-p", vhost, "name", "messages", "durable", "messages_persistent"
        )
        assert "processing\t1\ttrue\t1" in stored
        proxy.down()
        proxy.up()
        worker = dramatiq.Worker(broker, worker_threads=1)
        worker.start()
        try:
            wait_for(lambda: ready(first), 120, "the job queued before the cut")
            proxy.down()  # and once more with the worker connected
            proxy.up()
            assert send_processing(video_id=second.pk)  # the publisher reconnects
            wait_for(lambda: ready(second), 120, "the job queued after the cut")
        finally:
            worker.stop()
    for video in (first, second):
        job = ProcessingJob.objects.get(video=video)
        assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1)


def ready(video: Video) -> bool:
    return Video.objects.get(pk=video.pk).status == VideoStatus.READY


class PrivateNode:
    """A RabbitMQ node of the test's own (its ports, data and name), which the test may stop
    and start again on the same data, as a broker restart does; the machine's node is never
    touched."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="vs-rabbitmq-"))  # the rabbitmq user reads it
        self.name = f"vs-test-{uuid.uuid4().hex[:8]}@localhost"
        self.port, dist_port = free_port(), free_port()
        (self.folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
        )
        (self.folder / "plugins").write_text("[].\n")
        for path in (self.folder, *self.folder.iterdir()):
            shutil.chown(path, "rabbitmq")
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_DIST_PORT": str(dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "plugins"),
            "RABBITMQ_PID_FILE": str(self.folder / "pid"),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["rabbitmq-server"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self._started, 90, "the private RabbitMQ node")

    def _started(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "the node died"
        command = ["rabbitmqctl", "-q", "-n", self.name, "await_startup", "--timeout", "5"]
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0

    def stop(self) -> None:
        if self.process is None:
            return
        subprocess.run(
            ["rabbitmqctl", "-q", "-n", self.name, "stop", str(self.folder / "pid")],
            capture_output=True,
            timeout=90,
        )
        self.process.wait(timeout=60)
        self.process = None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.folder, ignore_errors=True)


def test_a_restart_of_the_node_loses_no_queued_job(athlete, tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", seconds=2)
    first, second = (
        make_video(
            athlete,
            status=VideoStatus.UPLOADED,
            content=clip.read_bytes(),
            scan_status=ScanStatus.CLEAN,
        )
        for _ in range(2)
    )
    node = PrivateNode()
    try:
        node.start()
        with switched_broker(node.url) as broker:
            assert send_processing(video_id=first.pk)  # no worker is running
            node.stop()
            node.start()
            worker = dramatiq.Worker(broker, worker_threads=1)
            worker.start()
            try:
                wait_for(lambda: ready(first), 120, "the job queued before the restart")
                node.stop()  # and once more with the worker connected
                node.start()
                assert send_processing(video_id=second.pk)  # the publisher reconnects
                wait_for(lambda: ready(second), 120, "the job queued after the restart")
            finally:
                worker.stop()
    finally:
        node.close()
    for video in (first, second):
        job = ProcessingJob.objects.get(video=video)
        assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1)
