"""The deployment files: Kubernetes manifests validated offline against the Kubernetes schemas,
and docker-compose.yml, the Dockerfile and k8s/ agreeing on commands, ports, variables, probes."""

import configparser
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
KUBERNETES_VERSION = "1.31.0"
ROLES = {"web", "worker", "migrate", "sweeper", "watchdog"}


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def manifests() -> list[dict]:
    return [
        doc
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in documents(path)
    ]


def workloads() -> list[dict]:
    return [doc for doc in manifests() if doc["kind"] in ("Deployment", "Job")]


def containers(doc: dict) -> list[dict]:
    return doc["spec"]["template"]["spec"]["containers"]


def env_example_names() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        if re.match(r"^#?\s*[A-Z][A-Z0-9_]+=", line):
            names.add(line.lstrip("# ").split("=", 1)[0])
    return names


@pytest.mark.parametrize(
    "doc", manifests(), ids=lambda doc: f"{doc['kind']}/{doc['metadata']['name']}"
)
def test_every_manifest_validates_against_the_kubernetes_schema(doc):
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_a_broken_manifest_is_caught():
    broken = documents(K8S / "web.yaml")[0]
    broken["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_example():
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    present = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present - {"secret.example.yaml"}


def test_everything_lives_in_the_namespace_and_runs_as_non_root():
    for doc in manifests():
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "video-service"
    for doc in workloads():
        pod = doc["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False
            assert security["readOnlyRootFilesystem"] is True
            assert security["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["requests"] and container["resources"]["limits"]
            assert container["image"] == "video-service:latest"  # one image for every role
            mounts = {mount["mountPath"] for mount in container.get("volumeMounts", [])}
            assert "/tmp" in mounts  # noqa: S108 - the only writable place, an emptyDir


def test_web_probes_and_the_autoscalers():
    web = next(doc for doc in workloads() if doc["metadata"]["name"] == "web")
    container = containers(web)[0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    hpas = {
        doc["metadata"]["name"]: doc
        for doc in manifests()
        if doc["kind"] == "HorizontalPodAutoscaler"
    }
    assert hpas["web"]["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    external = hpas["worker"]["spec"]["metrics"][0]["external"]["metric"]
    assert external["name"] == "processing_queue_depth_messages"
    pdbs = [doc for doc in manifests() if doc["kind"] == "PodDisruptionBudget"]
    assert {doc["metadata"]["name"] for doc in pdbs} == {"web", "worker"}


def supervised_programs() -> dict[str, dict[str, str]]:
    """make run's supervisor: {role: its program section} (program: or fcgi-program:)."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "deploy/supervisord.conf")
    return {
        section.split(":", 1)[1]: dict(config[section])
        for section in config.sections()
        if section.split(":", 1)[0] in ("program", "fcgi-program")
    }


def test_compose_dockerfile_and_k8s_agree():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    dockerfile = (ROOT / "Dockerfile").read_text()
    start = (ROOT / "deploy/scripts/start.sh").read_text()

    # commands: every role runs through the one entry point, and the script knows each role
    assert 'CMD ["deploy/scripts/start.sh", "web"]' in dockerfile
    compose_roles = {
        name: service["command"][1]
        for name, service in compose["services"].items()
        if service.get("command", [""])[0] == "deploy/scripts/start.sh"
    }
    assert compose_roles == {role: role for role in ROLES}
    k8s_roles = {containers(doc)[0]["args"][1] for doc in workloads()}
    assert k8s_roles == ROLES
    for doc in workloads():
        assert containers(doc)[0]["args"][0] == "deploy/scripts/start.sh"
    for role in ROLES:
        assert re.search(rf"^\s+{role}\)$", start, re.M), f"start.sh has no {role} role"
    # a release's migrate moves messages left under the broker's older namespace
    migrate = start.split("  migrate)")[1].split(";;")[0]
    assert "manage.py move_queued_messages" in migrate


def test_make_run_starts_the_same_roles_through_the_same_script():
    """No command of its own: it migrates itself, then its supervisor runs (and restarts) each
    long-running role; compose restarts containers (Kubernetes Deployments always do)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    run_local = (ROOT / "deploy/scripts/run-local.sh").read_text()
    assert "start=deploy/scripts/start.sh" in run_local
    assert re.search(r'^"\$start" migrate$', run_local, re.M), "make run skips migrate"
    assert "-c deploy/supervisord.conf" in run_local
    assert "manage.py rundramatiq" not in run_local and "uvicorn" not in run_local
    supervised = supervised_programs()
    assert set(supervised) == ROLES - {"migrate"}
    for role, program in supervised.items():
        assert program["command"] == f"deploy/scripts/start.sh {role}", role
        assert program["autorestart"] == "true", role
    # and containers are restarted by compose (Kubernetes Deployments always restart)
    for role in ROLES - {"migrate"}:
        assert compose["services"][role]["restart"] == "unless-stopped", role


def test_ports_health_checks_and_variables_agree():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    dockerfile = (ROOT / "Dockerfile").read_text()
    # ports
    assert "EXPOSE 8000" in dockerfile and "EXPOSE 9191" in dockerfile
    assert compose["services"]["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert compose["services"]["worker"]["expose"] == ["9191"]
    ports = {
        doc["metadata"]["name"]: containers(doc)[0]["ports"][0]["containerPort"]
        for doc in workloads()
        if containers(doc)[0].get("ports")
    }
    assert ports == {"web": 8000, "worker": 9191}

    # health checks: the same path everywhere
    assert "/health" in dockerfile
    assert "/health" in " ".join(compose["services"]["web"]["healthcheck"]["test"])

    # variables: everything configured anywhere is documented in .env.example
    documented = env_example_names()
    configmap = next(doc for doc in manifests() if doc["kind"] == "ConfigMap")
    secret = documents(K8S / "secret.example.yaml")[0]
    compose_env = compose["x-app"]["environment"]
    for name in [*configmap["data"], *secret["stringData"], *compose_env]:
        assert name in documented, f"{name} is configured but not in .env.example"
    assert configmap["data"]["PROMETHEUS_MULTIPROC_DIR"] == compose_env["PROMETHEUS_MULTIPROC_DIR"]
    assert "ENV PROMETHEUS_MULTIPROC_DIR=/tmp/metrics" in dockerfile


@pytest.mark.parametrize(("configured", "expected"), [(None, "100"), ("250", "250")])
def test_the_worker_polls_its_queues_as_broker_poll_ms_says(tmp_path, configured, expected):
    """start.sh worker hands BROKER_POLL_MS (default 100) to dramatiq's worker timeout (the idle
    consumer's longest sleep between two fetches: the most a new job waits to be taken).
    A stand-in Python records what dramatiq would have been started with."""
    import os
    import subprocess

    seen = tmp_path / "seen"
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\necho "$dramatiq_worker_timeout $*" >> {seen}\n')
    python.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "PYTHON": str(python), "WORKER_METRICS_PORT": "0"}
    if configured is not None:
        env["BROKER_POLL_MS"] = configured
    subprocess.run(["sh", "deploy/scripts/start.sh", "worker"], cwd=ROOT, env=env, check=True)
    timeout, *argv = seen.read_text().split()
    assert timeout == expected
    assert argv[:2] == ["manage.py", "rundramatiq"]
    # dramatiq reads it when its worker module loads, and has no command-line flag for it
    import dramatiq.worker

    source = Path(dramatiq.worker.__file__).read_text()
    assert 'os.getenv("dramatiq_worker_timeout"' in source
