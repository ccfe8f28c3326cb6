"""What can be checked of deploy/ on a machine without Docker or Kubernetes.

Every YAML parses; compose builds from Dockerfiles that exist and copy files that
exist; every environment variable the code reads is set for every Kintsugi process in
the compose file and the Kubernetes manifests; health checks and probes use paths the
processes really serve; socket.io traffic reaches rasa through a sticky balancer.
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest
import yaml

from bot import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "docker-compose.yml"
OUR_COMMANDS = {"rasa", "actions", "gateway", "migrate"}
HEALTH_PATHS = {"rasa": {"/", "/status"}, "actions": {"/health"}, "gateway": {"/healthz", "/readyz"}}
ENV_NAME = re.compile(r"""["']((?:KINTSUGI|TELEGRAM)_[A-Z0-9_]+)["']""")
SHELL_VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


def code_env_vars() -> Set[str]:
    """Every KINTSUGI_*/TELEGRAM_* name the code in bot/ and actions/ reads (as a string literal)."""
    names: Set[str] = set()
    for folder in ("bot", "actions"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            names.update(ENV_NAME.findall(path.read_text(errors="replace")))
    return names


def deploy_env_vars() -> Set[str]:
    """Variables the container entrypoint and the containers' endpoints.yml expand."""
    names: Set[str] = set()
    for path in (DEPLOY / "entrypoint.sh", DEPLOY / "endpoints.yml"):
        names.update(n for n in SHELL_VAR.findall(path.read_text()) if n.startswith("KINTSUGI_"))
    return names


def yaml_files() -> List[Path]:
    """Every YAML file under deploy/."""
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yml", ".yaml"))


def compose() -> Dict[str, Any]:
    """The compose file, with YAML anchors and merges resolved."""
    return yaml.safe_load(COMPOSE.read_text())


def our_services() -> Dict[str, Dict[str, Any]]:
    """Compose services that run the Kintsugi image."""
    return {name: svc for name, svc in compose()["services"].items()
            if str(svc.get("image", "")).startswith("kintsugi:")}


def k8s_docs() -> Iterator[Tuple[Path, Dict[str, Any]]]:
    """Every Kubernetes object in deploy/k8s."""
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                yield path, doc


def pod_specs() -> Iterator[Tuple[str, Dict[str, Any]]]:
    """(name, pod spec) of every workload."""
    for _path, doc in k8s_docs():
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]


def process_of(args: List[str]) -> str:
    """Which Kintsugi process a container runs, from its entrypoint command."""
    return (args or ["rasa"])[0]


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs, f"{path} is empty"


def test_compose_builds_from_a_dockerfile_that_copies_existing_files() -> None:
    services = our_services()
    assert {"rasa-1", "rasa-2", "actions", "gateway", "migrate"} <= set(services)
    for name, svc in services.items():
        build = svc["build"]
        context = (COMPOSE.parent / build["context"]).resolve()
        dockerfile = context / build["dockerfile"]
        assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"
        assert process_of(svc.get("command")) in OUR_COMMANDS, name
    text = (DEPLOY / "Dockerfile").read_text()
    for line in text.splitlines():
        if line.startswith("COPY") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (PROJECT_ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
    entrypoint = DEPLOY / "entrypoint.sh"
    assert entrypoint.stat().st_mode & 0o111, "entrypoint.sh must be executable"
    cases = set(re.findall(r"^\s+([a-z]+)\)", entrypoint.read_text(), re.M))
    assert OUR_COMMANDS <= cases


def test_every_variable_the_code_reads_is_set_in_compose() -> None:
    needed = code_env_vars() | deploy_env_vars()
    assert {"KINTSUGI_DATABASE_URL", "KINTSUGI_REDIS_URL", "TELEGRAM_BOT_TOKEN"} <= needed
    for name, svc in our_services().items():
        missing = needed - set(svc.get("environment") or {})
        assert not missing, f"compose service {name} does not set {sorted(missing)}"
    assert set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (DEPLOY / ".env.example").read_text(), re.M)) >= {
        "POSTGRES_PASSWORD", "REDIS_PASSWORD", "KINTSUGI_RASA_TOKEN", "KINTSUGI_ACTION_TOKEN",
        "KINTSUGI_SESSION_SECRET"}


def test_every_variable_the_code_reads_is_set_in_kubernetes() -> None:
    needed = code_env_vars() | deploy_env_vars()
    config = secret = None
    for _path, doc in k8s_docs():
        if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "kintsugi-config":
            config = doc
        if doc["kind"] == "Secret" and doc["metadata"]["name"] == "kintsugi-secrets":
            secret = doc
    assert config and secret
    provided = set(config["data"]) | set(secret["stringData"])
    assert not needed - provided, f"not in the ConfigMap or the Secret: {sorted(needed - provided)}"
    assert not set(config["data"]) & {"KINTSUGI_RASA_TOKEN", "KINTSUGI_SESSION_SECRET", "TELEGRAM_BOT_TOKEN",
                                      "KINTSUGI_DATABASE_URL", "TELEGRAM_WEBHOOK_SECRET", "KINTSUGI_ACTION_TOKEN",
                                      "KINTSUGI_REDIS_URL", "REDIS_PASSWORD"}, "secrets in the ConfigMap"
    for key, value in secret["stringData"].items():  # a template, never real values
        assert value in ("", "CHANGE-ME") or "CHANGE-ME" in value, f"Secret template has a value for {key}"
    for name, spec in pod_specs():
        for container in spec["containers"]:
            if not str(container["image"]).startswith("kintsugi:"):
                continue
            refs = {next(iter(ref.values()))["name"] for ref in container.get("envFrom", [])}
            assert refs == {"kintsugi-config", "kintsugi-secrets"}, f"{name} misses envFrom {refs}"


def _compose_health_path(svc: Dict[str, Any]) -> str:
    test = " ".join(svc["healthcheck"]["test"])
    match = re.search(r"http://127\.0\.0\.1:\d+(/[^'\" ]*)", test)
    assert match, f"no HTTP health check in {test}"
    return match.group(1)


def test_health_checks_use_paths_the_processes_serve() -> None:
    for name, svc in our_services().items():
        process = process_of(svc.get("command"))
        if process == "migrate":
            continue
        assert _compose_health_path(svc) in HEALTH_PATHS[process], name
    seen = set()
    for name, spec in pod_specs():
        for container in spec["containers"]:
            if not str(container["image"]).startswith("kintsugi:"):
                continue
            process = process_of(container.get("args"))
            if process == "migrate":
                continue
            seen.add(process)
            for probe in ("readinessProbe", "livenessProbe"):
                assert probe in container, f"{name} has no {probe}"
                assert container[probe]["httpGet"]["path"] in HEALTH_PATHS[process], (name, probe)
        for container in spec["containers"]:
            if spec.get("restartPolicy") != "OnFailure":
                assert "readinessProbe" in container and "livenessProbe" in container, name
    assert seen == {"rasa", "actions", "gateway"}


def test_the_health_paths_exist_in_the_code() -> None:
    from bot.config import Settings
    from bot.gateway import build_app

    app = build_app(Settings(gateway_port=0))
    routes = {r.resource.canonical for r in app.router.routes() if r.method == "GET"}
    assert HEALTH_PATHS["gateway"] <= routes
    import rasa.server
    import rasa_sdk.endpoint

    assert '@app.get("/health")' in inspect.getsource(rasa_sdk.endpoint)
    assert '@app.get("/")' in inspect.getsource(rasa.server.add_root_route)  # every rasa server, API or not
    assert '@app.get("/status")' in inspect.getsource(rasa.server.create_app)


def test_socketio_reaches_rasa_through_a_sticky_balancer() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream rasa_sticky \{(.*?)\}", conf, re.S).group(1)
    assert "ip_hash" in upstream or "hash " in upstream
    rasa_services = {n for n, s in our_services().items() if process_of(s.get("command")) == "rasa"}
    assert set(re.findall(r"server ([\w-]+):5005", upstream)) == rasa_services
    socketio = re.search(r"location /socket\.io/ \{(.*?)\}", conf, re.S).group(1)
    assert "proxy_pass http://rasa_sticky" in socketio and "Upgrade $http_upgrade" in socketio
    ingress = [doc for _p, doc in k8s_docs() if doc["kind"] == "Ingress"]
    sticky = [doc for doc in ingress for rule in doc["spec"]["rules"] for p in rule["http"]["paths"]
              if p["path"].startswith("/socket.io")]
    assert sticky, "no Ingress path for /socket.io/"
    annotations = sticky[0]["metadata"].get("annotations") or {}
    assert ("nginx.ingress.kubernetes.io/upstream-hash-by" in annotations
            or annotations.get("nginx.ingress.kubernetes.io/affinity") == "cookie")
    backend = sticky[0]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend == "rasa"


def test_services_select_their_pods() -> None:
    labels = {}
    for _path, doc in k8s_docs():
        if doc["kind"] in ("Deployment", "StatefulSet"):
            labels[doc["metadata"]["name"]] = doc["spec"]["template"]["metadata"]["labels"]
            assert doc["spec"]["selector"]["matchLabels"].items() <= labels[doc["metadata"]["name"]].items()
    for _path, doc in k8s_docs():
        if doc["kind"] == "Service":
            selector = doc["spec"]["selector"]
            assert any(selector.items() <= l.items() for l in labels.values()), doc["metadata"]["name"]


def test_readme_says_images_cannot_be_built_here() -> None:
    text = (DEPLOY / "README.md").read_text().lower()
    assert "no docker engine" in text and "docker compose" in text and "kubectl apply" in text


# ------------------------------------------------------------ who reaches whom (issue 22)
def _policies() -> Dict[str, Dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _p, doc in k8s_docs() if doc["kind"] == "NetworkPolicy"}


def _allowed_apps(policy: Dict[str, Any]) -> Set[str]:
    """The ``app`` labels of pods a policy's ingress rules admit."""
    apps: Set[str] = set()
    for rule in policy["spec"].get("ingress", []):
        for peer in rule.get("from", []):
            selector = peer.get("podSelector")
            if selector is None:
                continue
            apps.update(v for k, v in (selector.get("matchLabels") or {}).items() if k == "app")
            for expression in selector.get("matchExpressions") or []:
                if expression["key"] == "app" and expression["operator"] == "In":
                    apps.update(expression["values"])
    return apps


def _policy_for(app: str) -> Dict[str, Any]:
    found = [p for p in _policies().values() if p["spec"]["podSelector"].get("matchLabels") == {"app": app}]
    assert len(found) == 1, f"no (single) NetworkPolicy selects the {app} pods"
    return found[0]


def test_kubernetes_network_policies_let_only_rasa_reach_the_action_server() -> None:
    policies = _policies()
    deny = [p for p in policies.values() if p["spec"]["podSelector"] == {} and "ingress" not in p["spec"]
            and "Ingress" in p["spec"]["policyTypes"]]
    assert deny, "no default-deny ingress policy for the namespace"
    actions = _policy_for("actions")
    assert _allowed_apps(actions) == {"rasa"}
    assert all("namespaceSelector" not in peer and "ipBlock" not in peer
               for rule in actions["spec"]["ingress"] for peer in rule["from"])
    assert [p["port"] for r in actions["spec"]["ingress"] for p in r["ports"]] == [5055]
    assert _allowed_apps(_policy_for("rasa")) == {"gateway"}  # plus the ingress controller's namespace
    assert _allowed_apps(_policy_for("postgres")) == {"rasa", "actions", "gateway", "migrate"}
    assert _allowed_apps(_policy_for("redis")) == {"rasa", "actions"}
    assert _allowed_apps(_policy_for("gateway")) == set()  # only the ingress controller
    job = next(doc for _p, doc in k8s_docs() if doc["kind"] == "Job")
    assert job["spec"]["template"]["metadata"]["labels"] == {"app": "migrate"}


def test_kubernetes_redis_and_postgres_use_passwords_from_the_secret() -> None:
    docs = {doc["metadata"]["name"]: doc for _p, doc in k8s_docs() if doc["kind"] in ("Deployment", "StatefulSet")}
    for name, key in (("redis", "REDIS_PASSWORD"), ("postgres", "POSTGRES_PASSWORD")):
        container = docs[name]["spec"]["template"]["spec"]["containers"][0]
        refs = {e["valueFrom"]["secretKeyRef"]["key"] for e in container.get("env", []) if "valueFrom" in e}
        assert key in refs, f"{name} does not take {key} from the Secret"
    assert "--requirepass" in docs["redis"]["spec"]["template"]["spec"]["containers"][0]["args"]


def test_compose_networks_keep_the_action_server_with_rasa_only() -> None:
    spec = compose()
    networks = spec["networks"]
    services = spec["services"]
    joined = {name: set(svc.get("networks") or []) for name, svc in services.items()}
    assert all(joined.values()), f"services on compose's default network: {[n for n, j in joined.items() if not j]}"
    members = {net: {name for name, nets in joined.items() if net in nets} for net in networks}
    assert networks["actions"].get("internal") is True
    assert members["actions"] == {"actions", "rasa-1", "rasa-2"}
    assert networks["db"].get("internal") is True and members["db"] == {
        "postgres", "migrate", "actions", "rasa-1", "rasa-2", "gateway"}
    assert networks["locks"].get("internal") is True and members["locks"] == {"redis", "actions", "rasa-1", "rasa-2"}
    assert members["outbound"] == {"actions"}  # on-call notices; nobody else to reach it there
    public = {name for name, svc in services.items() if svc.get("ports")}
    assert public == {"lb"}
    for name in ("actions", "postgres", "redis"):
        assert not joined[name] & joined["lb"], f"the balancer shares a network with {name}"
    env = our_services()["rasa-1"]["environment"]
    assert env["KINTSUGI_ACTION_TOKEN"].startswith("${KINTSUGI_ACTION_TOKEN:?")
    assert "${REDIS_PASSWORD" in env["KINTSUGI_REDIS_URL"]
    assert "--requirepass" in services["redis"]["command"]


def test_rasa_sends_the_shared_secret_to_the_action_server() -> None:
    for path in (PROJECT_ROOT / "endpoints.yml", DEPLOY / "endpoints.yml"):
        endpoint = yaml.safe_load(path.read_text())["action_endpoint"]
        assert endpoint["headers"]["Authorization"] == "Bearer ${KINTSUGI_ACTION_TOKEN}", path
        assert endpoint["sign_requests"] is True, path
    entrypoint = (DEPLOY / "entrypoint.sh").read_text()
    assert "python -m bot.action_server" in entrypoint and "rasa run actions" not in entrypoint
    assert '--interface "${KINTSUGI_BIND' in entrypoint


def test_the_gateway_stays_in_service_while_rasa_is_down() -> None:
    """Its readiness must not depend on rasa: it answers crises alone then."""
    import yaml

    gateway = next(d for d in yaml.safe_load_all((DEPLOY / "k8s" / "gateway.yaml").read_text()) if d and d.get("kind") == "Deployment")
    container = gateway["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert "/readyz" not in (DEPLOY / "docker-compose.yml").read_text()


def test_the_image_holds_every_file_the_safety_training_reads() -> None:
    # `kintsugi train` runs in the image; the seen blind batches live under tests/, which the
    # build context otherwise leaves out.
    from bot.safety import training

    copied = [line.split()[1] for line in (DEPLOY / "Dockerfile").read_text().splitlines()
              if line.startswith("COPY") and "--from=" not in line]
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    for path in training.seen_blind_files(training.content_dir()):
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        assert any(relative.startswith(source.rstrip("/") + "/") for source in copied), relative
        assert f"!{path.parent.relative_to(PROJECT_ROOT).as_posix()}" in ignored, relative
