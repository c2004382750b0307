"""What deploy/k8s must say beyond schema validity (issue 21): the kustomization lists
every manifest; the API runs 2 replicas with readiness on /ready and liveness on
/health, requests and limits, non-root and a read-only root filesystem, and a grace
period that covers the 30 s drain; the worker runs ROLE=worker; the Ingress lets
5 MiB uploads stream; the HPA and PDB point at the API.

usage: check_k8s.py DIR   -> prints each finding; exit 1 if any
"""
import os
import sys

import yaml

problems = []


def need(condition, what):
    if not condition:
        problems.append(what)


def main(folder):
    kustomization = yaml.safe_load(open(os.path.join(folder, "kustomization.yaml")))
    listed = set(kustomization["resources"])
    present = {f for f in os.listdir(folder) if f.endswith(".yaml") and f != "kustomization.yaml"}
    need(listed == present, f"kustomization resources {sorted(listed)} != files {sorted(present)}")
    docs = {}
    for name in sorted(present):
        for doc in yaml.safe_load_all(open(os.path.join(folder, name))):
            docs[(doc["kind"], doc["metadata"]["name"])] = doc

    def deployment(name, role):
        d = docs.get(("Deployment", name))
        need(d is not None, f"Deployment {name}")
        if d is None:
            return None
        pod = d["spec"]["template"]["spec"]
        c = pod["containers"][0]
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        need(env.get("ROLE") == role, f"{name}: ROLE={role}")
        need(c["readinessProbe"]["httpGet"]["path"] == "/ready", f"{name}: readiness on /ready")
        need(c["livenessProbe"]["httpGet"]["path"] == "/health", f"{name}: liveness on /health")
        for kind in ("requests", "limits"):
            for res in ("cpu", "memory"):
                need(res in c["resources"].get(kind, {}), f"{name}: {kind}.{res}")
        need(pod["securityContext"].get("runAsNonRoot") is True, f"{name}: runAsNonRoot")
        need(c["securityContext"].get("readOnlyRootFilesystem") is True, f"{name}: read-only root")
        need(c["securityContext"].get("allowPrivilegeEscalation") is False, f"{name}: no escalation")
        pre_stop = 0
        command = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        if command[:1] == ["sleep"]:
            pre_stop = int(command[1])
        grace = pod.get("terminationGracePeriodSeconds", 30)
        need(grace >= 30 + pre_stop + 5, f"{name}: grace {grace}s < 30 s drain + {pre_stop} s preStop + margin")
        mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
        need("/tmp" in mounts, f"{name}: a writable /tmp")
        need(c.get("envFrom"), f"{name}: settings from the ConfigMap and Secret")
        return d

    api = deployment("troupe-api", "api")
    deployment("troupe-worker", "worker")
    if api:
        need(api["spec"]["replicas"] == 2, "troupe-api: 2 replicas")

    ingress = docs.get(("Ingress", "troupe"))
    need(ingress is not None, "Ingress troupe")
    if ingress:
        notes = ingress["metadata"].get("annotations", {})
        need(ingress["spec"].get("ingressClassName") == "nginx", "Ingress: class nginx")
        size = notes.get("nginx.ingress.kubernetes.io/proxy-body-size", "1m")
        mib = float(size[:-1]) * {"k": 1 / 1024, "m": 1, "g": 1024}[size[-1].lower()]
        need(mib >= 5, f"Ingress: body size {size} < 5 MiB")
        need(notes.get("nginx.ingress.kubernetes.io/proxy-request-buffering") == "off",
             "Ingress: request buffering off (streamed uploads)")
    hpa = docs.get(("HorizontalPodAutoscaler", "troupe-api"))
    need(hpa and hpa["spec"]["scaleTargetRef"]["name"] == "troupe-api", "HPA on troupe-api")
    pdb = docs.get(("PodDisruptionBudget", "troupe-api"))
    api_labels = api["spec"]["selector"]["matchLabels"] if api else {}
    need(pdb and pdb["spec"]["selector"]["matchLabels"] == api_labels, "PDB selects the API pods")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
