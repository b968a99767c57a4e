"""The kustomize overlays render, validate strictly against pinned Kubernetes versions, and wire
the service the way the service reads its settings (ctxprune.config.Settings)."""
from __future__ import annotations

import base64
import copy
import os
import re
from urllib.parse import urlsplit

import pytest

from tests.k8s_tools import OVERLAYS, need_module, render, render_text, settings_env_names

# oldest version the manifests claim to support, and the newest schema kubernetes-validate==1.37.0 ships
K8S_VERSIONS = ("1.30.0", "1.37.0")
APP = "ctxprune"
VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


# ---------------------------------------------------------------- lookups in a rendered overlay

def find(docs: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]


def one(docs: list[dict], kind: str, name: str | None = None) -> dict:
    found = find(docs, kind, name)
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def container(workload: dict, name: str) -> dict:
    return next(c for c in workload["spec"]["template"]["spec"]["containers"] if c["name"] == name)


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def object_data(obj: dict) -> dict[str, str]:
    data = {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()} if obj["kind"] == "Secret" \
        else dict(obj.get("data") or {})
    data.update(obj.get("stringData") or {})
    return data


def container_env(docs: list[dict], c: dict) -> dict[str, str]:
    """The environment Kubernetes gives the container: envFrom first, then env with $(VAR) expanded
    from variables defined before it (anything else stays literal, as Kubernetes leaves it)."""
    env: dict[str, str] = {}
    for src in c.get("envFrom", []):
        kind, ref = ("ConfigMap", src["configMapRef"]) if "configMapRef" in src else ("Secret", src["secretRef"])
        env.update({src.get("prefix", "") + k: v for k, v in object_data(one(docs, kind, ref["name"])).items()})
    for item in c.get("env", []):
        if "value" in item:
            env[item["name"]] = VAR_REF.sub(lambda m: env.get(m.group(1), m.group(0)), item["value"])
        else:
            ref = item["valueFrom"].get("secretKeyRef") or item["valueFrom"].get("configMapKeyRef")
            kind = "Secret" if "secretKeyRef" in item["valueFrom"] else "ConfigMap"
            env[item["name"]] = object_data(one(docs, kind, ref["name"]))[ref["key"]]
    return env


def port_number(c: dict, port: int | str) -> int:
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in c["ports"] if p.get("name") == port)


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def docs(overlay) -> list[dict]:
    return render(overlay)


@pytest.fixture(scope="module")
def app(docs) -> dict:
    return one(docs, "Deployment", APP)


@pytest.fixture(scope="module")
def app_container(app) -> dict:
    return container(app, APP)


# ---------------------------------------------------------------- rendering and schema validation

@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_overlay_validates_strictly(docs, overlay, version):
    kv = need_module("kubernetes_validate")
    errors = []
    for d in docs:
        try:
            kv.validate(d, version, strict=True)
        except Exception as exc:  # ValidationError, SchemaNotFoundError, InvalidSchemaError...
            errors.append(f"{d['kind']}/{d['metadata']['name']}: {exc}")
    assert not errors, f"overlays/{overlay} against Kubernetes {version}:\n" + "\n".join(errors)


def test_strict_validation_catches_a_misspelt_field(app):
    """The schema check has teeth: a field Kubernetes does not know fails under --strict."""
    kv = need_module("kubernetes_validate")
    bad = copy.deepcopy(app)
    c = container(bad, APP)
    c["readinessprobe"] = c.pop("readinessProbe")
    with pytest.raises(kv.ValidationError):
        kv.validate(bad, K8S_VERSIONS[-1], strict=True)


def test_overlay_has_every_part(docs):
    kinds = {d["kind"] for d in docs}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceAccount",
            "ConfigMap", "Secret", "StatefulSet"} <= kinds
    assert one(docs, "HorizontalPodAutoscaler")["apiVersion"] == "autoscaling/v2"
    assert one(docs, "PodDisruptionBudget")["apiVersion"] == "policy/v1"


# ---------------------------------------------------------------- the app Deployment

def test_probes_hit_the_sidecar_health_routes(app, app_container):
    from fastapi.testclient import TestClient

    from ctxprune.config import Settings
    from ctxprune_service.app import create_app

    probes = {k: app_container[k]["httpGet"] for k in ("startupProbe", "readinessProbe", "livenessProbe")}
    assert probes["startupProbe"]["path"] == "/readyz"
    assert probes["readinessProbe"]["path"] == "/readyz"
    assert probes["livenessProbe"]["path"] == "/livez"
    scraped = app["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"]
    # the paths answer 200 on a ready sidecar (no warm-up, in-process cache: no models, no Redis)
    with TestClient(create_app(Settings(_env_file=None, warm_up_on_start=False, redis_url=None))) as client:
        for path in {p["path"] for p in probes.values()} | {scraped}:
            assert client.get(path).status_code == 200, path
    # warm-up gets minutes (startup), not the liveness budget
    startup = app_container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120


def test_ports_agree_with_the_service_setting(docs, app, app_container):
    env = container_env(docs, app_container)
    port = int(env["CTXPRUNE_PORT"])
    assert env["CTXPRUNE_HOST"] == "0.0.0.0", "the pod must listen beyond loopback"
    for k in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert port_number(app_container, app_container[k]["httpGet"]["port"]) == port
    pod_labels = app["spec"]["template"]["metadata"]["labels"]
    svc = one(docs, "Service", APP)
    assert selects(svc["spec"]["selector"], pod_labels)
    assert all(port_number(app_container, p["targetPort"]) == port for p in svc["spec"]["ports"])
    annotations = app["spec"]["template"]["metadata"].get("annotations", {})
    assert int(annotations["prometheus.io/port"]) == port and annotations["prometheus.io/path"] == "/metrics"


def test_resources_and_security_context(docs, app, app_container):
    res = app_container["resources"]
    assert {"cpu", "memory"} <= set(res["requests"]) and "memory" in res["limits"]
    pod = app["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    sc = app_container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    # a read-only root needs a writable /tmp for caches (XDG_CACHE_HOME in the Dockerfile)
    assert "/tmp" in {m["mountPath"] for m in app_container["volumeMounts"]}
    one(docs, "ServiceAccount", pod["serviceAccountName"])


def test_hpa_and_pdb_cover_the_deployment(docs, app):
    hpa = one(docs, "HorizontalPodAutoscaler")["spec"]
    assert (hpa["scaleTargetRef"]["kind"], hpa["scaleTargetRef"]["name"]) == ("Deployment", app["metadata"]["name"])
    assert [m["resource"]["name"] for m in hpa["metrics"] if m["type"] == "Resource"] == ["cpu"]
    assert 2 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    pdb = one(docs, "PodDisruptionBudget")["spec"]
    assert selects(pdb["selector"]["matchLabels"], app["spec"]["template"]["metadata"]["labels"])
    assert pdb["minAvailable"] < hpa["minReplicas"], "the PDB must leave room to drain a node"


def test_every_reference_resolves(docs):
    for workload in find(docs, "Deployment") + find(docs, "StatefulSet"):
        for c in workload["spec"]["template"]["spec"]["containers"]:
            defined = set()
            for src in c.get("envFrom", []):
                kind, ref = ("ConfigMap", src["configMapRef"]) if "configMapRef" in src else ("Secret", src["secretRef"])
                defined |= set(object_data(one(docs, kind, ref["name"])))
            for item in c.get("env", []):
                if "valueFrom" in item:
                    ref = item["valueFrom"].get("secretKeyRef") or item["valueFrom"]["configMapKeyRef"]
                    kind = "Secret" if "secretKeyRef" in item["valueFrom"] else "ConfigMap"
                    assert ref["key"] in object_data(one(docs, kind, ref["name"]))
                # Kubernetes expands $(VAR) only from variables defined earlier; otherwise it stays literal
                for var in VAR_REF.findall(item.get("value", "")):
                    assert var in defined, f"{c['name']}: $({var}) in {item['name']} is not defined before it"
                defined.add(item["name"])
            for arg in c.get("args", []) + c.get("command", []):
                for var in VAR_REF.findall(arg):
                    assert var in defined, f"{c['name']}: $({var}) in args is not defined"


# ---------------------------------------------------------------- settings and Redis

def test_every_ctxprune_variable_is_a_setting(docs, overlay):
    known = settings_env_names()
    mentioned = set(re.findall(r"CTXPRUNE_[A-Z0-9_]+", render_text(overlay)))
    for w in find(docs, "Deployment"):
        for c in w["spec"]["template"]["spec"]["containers"]:
            mentioned |= {k for k in container_env(docs, c) if k.startswith("CTXPRUNE_")}
    assert "CTXPRUNE_REDIS_URL" in mentioned and "CTXPRUNE_DEVICE" in mentioned
    unknown = sorted(mentioned - set(known))
    assert not unknown, f"not settings of ctxprune.config.Settings: {unknown}"


@pytest.fixture()
def pod_settings(docs, app_container, monkeypatch):
    """The Settings object the pod would build from its environment."""
    from ctxprune.config import Settings

    for k in list(os.environ):
        if k.startswith("CTXPRUNE_"):
            monkeypatch.delenv(k)
    for k, v in container_env(docs, app_container).items():
        if k.startswith("CTXPRUNE_"):
            monkeypatch.setenv(k, v)
    return Settings(_env_file=None)


def test_settings_parse_from_the_manifests(pod_settings, overlay):
    assert pod_settings.device == {"cpu": "cpu", "gpu": "cuda"}[overlay]
    assert pod_settings.warm_up_on_start is True
    assert pod_settings.redis_url and "$(" not in pod_settings.redis_url


def test_redis_url_reaches_the_redis_statefulset(docs, pod_settings):
    url = urlsplit(pod_settings.redis_url)
    assert url.scheme == "redis"
    svc = one(docs, "Service", url.hostname)
    redis = next(s for s in find(docs, "StatefulSet")
                 if selects(svc["spec"]["selector"], s["spec"]["template"]["metadata"]["labels"]))
    rc = redis["spec"]["template"]["spec"]["containers"][0]
    port = next(p for p in svc["spec"]["ports"] if p["port"] == (url.port or 6379))
    assert port_number(rc, port["targetPort"]) == 6379
    # the password in the URL is the one Redis was started with
    args = rc.get("command", []) + rc.get("args", [])
    required = VAR_REF.sub(lambda m: container_env(docs, rc)[m.group(1)], args[args.index("--requirepass") + 1])
    assert url.password == required
    assert redis["spec"]["serviceName"] in {s["metadata"]["name"] for s in find(docs, "Service")}


# ---------------------------------------------------------------- CPU vs GPU

def test_gpu_overlay_asks_for_a_gpu_and_cpu_does_not(docs, overlay, app, app_container):
    pod = app["spec"]["template"]["spec"]
    gpus = app_container["resources"].get("limits", {}).get("nvidia.com/gpu")
    if overlay == "gpu":
        assert int(gpus) >= 1
        assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])
        assert pod["nodeSelector"]
        assert app_container["image"].endswith("-cuda")
    else:
        assert gpus is None and "nvidia.com/gpu" not in render_text(overlay)
        assert not pod.get("tolerations") and not pod.get("nodeSelector")
        assert app_container["image"].endswith("-cpu")
