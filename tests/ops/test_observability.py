"""Metrics, logs, alert rules, the dashboard, APM and error tracking, checked for real."""

import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from config.logging import RequestContextFilter
from tests.conftest import bearer
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy/prometheus"
DASHBOARD = ROOT / "deploy/grafana/video-service.json"
PROMQL_WORDS = {
    "sum", "rate", "increase", "max", "min", "avg", "by", "on", "and", "or", "unless", "without",
    "clamp_min", "histogram_quantile", "topk", "count", "le", "ignoring", "group_left", "offset",
    "irate", "delta", "abs", "time", "vector", "scalar", "label_replace", "sort_desc",
}  # fmt: skip


def scrape(client) -> str:
    return client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()


def metric_names(exposition: str) -> set[str]:
    names = set()
    for line in exposition.splitlines():
        if line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def referenced_metrics(expr: str) -> set[str]:
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\b(by|on|without|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    tokens = set(re.findall(r"\b[a-z_][a-z0-9_]*\b", expr))
    return {token for token in tokens if "_" in token and token not in PROMQL_WORDS}


def alert_exprs() -> list[str]:
    groups = yaml.safe_load((RULES / "alerts.yml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


# --- Alert rules with promtool (Debian's prometheus package) ---------------------------------


def test_alert_rules_pass_promtool_check_and_unit_tests():
    check = subprocess.run(
        ["promtool", "check", "rules", "alerts.yml"], cwd=RULES, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 7 rules found" in check.stdout
    unit = subprocess.run(
        ["promtool", "test", "rules", "alerts.test.yml"], cwd=RULES, capture_output=True, text=True
    )
    assert unit.returncode == 0, unit.stdout + unit.stderr
    alerts = {
        rule["alert"]
        for g in yaml.safe_load((RULES / "alerts.yml").read_text())["groups"]
        for rule in g["rules"]
    }
    tested = set(re.findall(r"alertname: (\w+)", (RULES / "alerts.test.yml").read_text()))
    assert alerts == tested  # every alert has a unit test


# --- Metrics during an upload and a processing run --------------------------------------------


def _upload_and_check_the_queue(api: APIClient, client, clips) -> str:
    """Upload a clip; the scrape sees one young message waiting. Returns the video id."""
    content = Path(clips["landscape"]).read_bytes()
    created = api.post(
        "/api/v1/videos",
        {"title": "Squat", "file": SimpleUploadedFile("a.mp4", content, content_type="video/mp4")},
        format="multipart",
    )
    assert created.status_code == 201
    queued = scrape(client)
    assert re.search(r'processing_queue_depth_messages\{queue="processing"\} 1\.0', queued)
    age = re.search(
        r'processing_queue_oldest_message_age_seconds\{queue="processing"\} ([\d.e+-]+)', queued
    )
    assert age and 0 <= float(age.group(1)) < 60
    return str(created.json()["id"])


@pytest.mark.django_db(transaction=True)
def test_metrics_during_an_upload_and_processing_run(clips, client, athlete, settings):
    from config.metrics import HostStateCollector
    from processing import pipeline

    # The test clamd's database is one EICAR line, with no build date; stand in for
    # production's freshclam database with clamd's VERSION answer.
    port = free_port()
    fake_clamd = socket_server(port, b"ClamAV 1.0.9/27469/Mon Nov 23 09:26:03 2026\n")

    api = bearer(APIClient(), athlete)
    video_id = _upload_and_check_the_queue(api, client, clips)
    pipeline.process_video(video_id=video_id)
    settings.CLAMAV_ADDRESS = f"127.0.0.1:{port}"
    HostStateCollector._clamd_cache = (0.0, None)  # asked again at the next scrape
    api.get("/api/v1/videos/not-a-uuid")  # an error response, counted by code
    video = api.get(f"/api/v1/videos/{video_id}").json()
    poster = client.get(video["poster_url"])  # a download, timed by kind
    assert poster.status_code == 200

    text = scrape(client)
    fake_clamd.shutdown()
    names = metric_names(text)
    for name in [
        "video_upload_duration_seconds_count",
        "video_upload_bytes_total",
        "video_storage_operation_duration_seconds_count",
        "video_media_response_duration_seconds_count",
        "processing_step_duration_seconds_count",
        "processing_transcode_realtime_factor_count",
        "processing_jobs_in_progress",
        "processing_queue_depth_messages",
        "processing_queue_oldest_message_age_seconds",
        "api_error_responses_total",
        "storage_volume_free_bytes",
        "clamav_signatures_age_seconds",
        "django_http_responses_total_by_status_total",
    ]:
        assert name in names, name
    assert re.search(r'processing_step_duration_seconds_count\{step="transcode"\} [1-9]', text)
    assert re.search(r'video_media_response_duration_seconds_count\{kind="poster"\} [1-9]', text)
    assert re.search(r'api_error_responses_total\{code="not_found",status="404"\} [1-9]', text)
    free = re.search(r'storage_volume_free_bytes\{volume="media"\} ([\d.e+]+)', text)
    assert free and float(free.group(1)) > 0
    for line in text.splitlines():  # bounded labels: never a video id
        assert video_id not in line

    # every metric the alerts and the dashboard use exists (or is a standard one we document)
    external = {"up"}
    for expr in alert_exprs() + dashboard_exprs():
        for metric in referenced_metrics(expr) - external:
            base = re.sub(r"_(bucket|count|sum)$", "", metric)
            assert metric in names or f"{base}_count" in names or metric in text, (metric, expr)


def test_clamd_signature_age_is_parsed_from_version(settings, tmp_path):
    from config import metrics
    from config.metrics import HostStateCollector

    port = free_port()
    server = socket_server(port, b"ClamAV 1.0.9/27469/Mon Nov 23 09:26:03 2026\n")
    settings.CLAMAV_ADDRESS = f"127.0.0.1:{port}"
    HostStateCollector._clamd_cache = (0.0, None)  # asked again at the next scrape
    built = metrics.clamd_signature_time()
    server.shutdown()
    assert built is not None and time.gmtime(built)[:3] == (2026, 11, 23)


def socket_server(port: int, reply: bytes):
    import socketserver

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(64)
            self.request.sendall(reply)

    server = socketserver.TCPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- Several processes: the workers' metrics server aggregates them ---------------------------


def test_worker_metrics_aggregate_every_worker_process(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    record = "from processing.metrics import FAILURES; FAILURES.labels(code='corrupt_media').inc()"
    for _ in range(2):  # two worker processes, one failure each
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", record], cwd=ROOT, env=env, check=True
        )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "worker_metrics", "--port", str(port)], cwd=ROOT, env=env
    )
    try:
        for _ in range(100):
            try:
                text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert 'processing_failures_total{code="corrupt_media"} 2.0' in text
        assert "processing_queue_depth_messages" not in text  # shared state: the web's job
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- Logs: one request id from the upload into every job log line --------------------------------


@pytest.mark.django_db(transaction=True)
def test_request_id_follows_the_upload_into_the_worker(clips, athlete, caplog):
    import dramatiq

    caplog.handler.addFilter(RequestContextFilter())
    caplog.set_level(logging.INFO)
    api = bearer(APIClient(), athlete)
    content = Path(clips["landscape"]).read_bytes()
    response = api.post(
        "/api/v1/videos",
        {"title": "Squat", "file": SimpleUploadedFile("a.mp4", content, content_type="video/mp4")},
        format="multipart",
        HTTP_X_REQUEST_ID="upload-7f3a9c",
    )
    assert response.status_code == 201 and response["X-Request-ID"] == "upload-7f3a9c"
    video_id = response.json()["id"]
    broker = dramatiq.get_broker()
    worker = dramatiq.Worker(broker, worker_threads=1)
    worker.start()
    try:
        broker.join("processing", timeout=120_000)
    finally:
        worker.stop()
    job_lines = [r for r in caplog.records if getattr(r, "job_id", None)]
    assert job_lines, "the job logged nothing"
    steps = {getattr(r, "step", None) for r in job_lines}
    assert {"probe", "transcode", "poster"} <= steps
    for record in job_lines:
        assert record.request_id == "upload-7f3a9c"
        assert record.video_id == video_id
    from processing.models import ProcessingJob

    assert ProcessingJob.objects.get(video_id=video_id).request_id == "upload-7f3a9c"


# --- APM and error tracking against loopback endpoints -------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        Recorder.received.append((self.path, self.rfile.read(length)))
        self.send_response(202)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def do_GET(self) -> None:
        body = b'{"version": "8.15.0"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector():
    Recorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


PROBE = """
import django, sys
django.setup()
from django.test import Client
status = Client().get("/health").status_code
print("STATUS", status)
{flush}
"""


def run_probe(extra_env: dict[str, str], flush: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **extra_env}
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(flush=flush)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_elastic_apm_sends_the_request_when_configured(collector):
    result = run_probe(
        {"ELASTIC_APM_SERVER_URL": f"http://{collector}", "ELASTIC_APM_SERVICE_NAME": "video-test"},
        "import elasticapm; elasticapm.get_client().close()",
    )
    assert "STATUS 200" in result.stdout, result.stderr[-2000:]
    intake = [body for path, body in Recorder.received if path.startswith("/intake/v2/events")]
    assert intake, Recorder.received
    import gzip

    text = b"".join(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body for body in intake)
    assert b"video-test" in text and b"transaction" in text


def test_sentry_sends_when_configured(collector):
    result = run_probe(
        {"SENTRY_DSN": f"http://public@{collector}/42", "SENTRY_TRACES_SAMPLE_RATE": "1"},
        "import sentry_sdk; sentry_sdk.capture_message('probe'); sentry_sdk.flush(5)",
    )
    assert "STATUS 200" in result.stdout, result.stderr[-2000:]
    paths = [path for path, _ in Recorder.received]
    assert any(path.startswith("/api/42/envelope/") for path in paths), paths


def test_both_are_off_by_default():
    from django.conf import settings

    assert not settings.ELASTIC_APM_SERVER_URL and not settings.SENTRY_DSN
    assert "elasticapm.contrib.django" not in settings.INSTALLED_APPS


@pytest.mark.django_db
def test_web_metrics_in_multiprocess_mode_add_shared_state_once(tmp_path, monkeypatch, client):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    record = "from videos.metrics import UPLOADED_BYTES; UPLOADED_BYTES.labels(method='tus').inc(5)"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", record], cwd=ROOT, env=env, check=True
    )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = scrape(client)
    assert 'video_upload_bytes_total{method="tus"} 5.0' in text  # another process's counter
    assert text.count("# TYPE processing_queue_depth_messages gauge") == 1
    assert "storage_volume_free_bytes" in text
