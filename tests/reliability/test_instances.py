"""Instances that share a Redis keep to their own keys and queues; a message for an id nobody
here knows is logged and acknowledged; messages under the old namespace are moved, not lost."""

import json
import logging
import os
import subprocess
import sys
import uuid

import dramatiq
import pytest
from django.conf import settings
from django.core.management import call_command
from dramatiq.brokers.redis import RedisBroker

from processing import export, pipeline, voice_over
from processing.actors import PROCESSING_QUEUE
from tests.factories import make_video
from tests.reliability.stack import ROOT, private_redis
from videos.models import VideoStatus

NAMES = """
import json
from django.conf import settings as s
print(json.dumps([
    s.INSTANCE_NAME,
    s.DRAMATIQ_BROKER["OPTIONS"]["namespace"],
    s.CACHES["default"]["KEY_PREFIX"],
    s.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
]))
"""
SEND = """
from processing.actors import process_video
process_video.send("00000000-0000-0000-0000-00000000000a")
"""
RECEIVE = """
import dramatiq
consumer = dramatiq.get_broker().consume("processing", timeout=500)
received = []
for message in consumer:
    if message is None:
        break
    received.append(message.args)
    consumer.ack(message)
consumer.close()
print(len(received))
"""


def in_instance(code: str, **env: str) -> str:
    """Run `code` in a fresh Django process of the local settings with `env`; its stdout."""
    unset = {"BROKER_NAMESPACE", "CACHE_KEY_PREFIX", "CHANNELS_PREFIX", "INSTANCE_NAME"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings.local", **env})
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_names_derive_from_the_instance(tmp_path):
    first = json.loads(in_instance(NAMES, DATABASE_URL=f"sqlite:///{tmp_path / 'a.sqlite3'}"))
    again = json.loads(in_instance(NAMES, DATABASE_URL=f"sqlite:///{tmp_path / 'a.sqlite3'}"))
    other = json.loads(in_instance(NAMES, DATABASE_URL=f"sqlite:///{tmp_path / 'b.sqlite3'}"))
    named = json.loads(in_instance(NAMES, INSTANCE_NAME="coaching-eu"))
    assert first == again  # the processes of one instance agree
    assert first[0] != other[0]
    for names in (first, other):
        assert names[1:] == [f"video-service-{names[0]}"] * 3
    assert named == ["coaching-eu", *["video-service-coaching-eu"] * 3]
    assert settings.LEGACY_BROKER_NAMESPACE not in (first[1], other[1], named[1])


def test_two_instances_on_one_redis_do_not_take_each_others_jobs(tmp_path):
    with private_redis(tmp_path / "redis") as redis_url:
        env = {"REDIS_URL": redis_url, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
        in_instance(SEND, INSTANCE_NAME="checkout-a", **env)
        assert in_instance(RECEIVE, INSTANCE_NAME="checkout-b", **env) == "0"
        assert in_instance(RECEIVE, INSTANCE_NAME="checkout-a", **env) == "1"


@pytest.mark.django_db
def test_a_job_for_an_unknown_id_is_logged_and_acknowledged(caplog):
    unknown = str(uuid.uuid4())
    with caplog.at_level(logging.WARNING):
        pipeline.process_video(video_id=unknown)  # returning is acknowledging
        export.run_export(job_id=unknown)
        voice_over.process_voice_over(annotation_id=unknown)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage().split(" for ")[0] for r in warnings] == [
        "processing",
        "export",
        "voice-over",
    ]
    assert all(unknown in vars(r).values() for r in warnings)


def video_message(video_id: str) -> dramatiq.Message:
    return dramatiq.Message(
        queue_name=PROCESSING_QUEUE,
        actor_name="process_video",
        args=(video_id,),
        kwargs={},
        options={},
    )


@pytest.mark.django_db
def test_our_messages_under_the_old_namespace_are_moved(athlete):
    broker = dramatiq.get_broker()
    assert isinstance(broker, RedisBroker)
    legacy = RedisBroker(client=broker.client, namespace=settings.LEGACY_BROKER_NAMESPACE)
    legacy.declare_queue(PROCESSING_QUEUE)
    video = make_video(athlete, status=VideoStatus.UPLOADED)
    legacy.enqueue(video_message(str(video.pk)))
    legacy.enqueue(video_message(str(video.pk)), delay=60_000)  # a retry waiting its turn
    legacy.enqueue(video_message(str(uuid.uuid4())))  # another instance's, still on the old name
    call_command("move_queued_messages")
    redis, new, old = broker.client, broker.namespace, settings.LEGACY_BROKER_NAMESPACE
    assert (redis.llen(f"{new}:processing"), redis.hlen(f"{new}:processing.msgs")) == (1, 1)
    assert redis.hlen(f"{new}:processing.DQ.msgs") == 1
    assert (redis.llen(f"{old}:processing"), redis.hlen(f"{old}:processing.msgs")) == (1, 1)
    assert redis.hlen(f"{old}:processing.DQ.msgs") == 0
    call_command("move_queued_messages")  # again (every migrate runs it): nothing more moves
    assert (redis.llen(f"{new}:processing"), redis.llen(f"{old}:processing")) == (1, 1)
