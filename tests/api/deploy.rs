//! Issue 21: the Kubernetes manifests in `deploy/k8s` are valid for a named
//! Kubernetes version (PyPI `kubernetes-validate`, strict) and say what the issue
//! asks (`tests/deploy/check_k8s.py`: probes, non-root, read-only root, grace
//! period, streamed uploads, HPA, PDB).

use std::path::Path;
use std::process::Command;

/// The Kubernetes version the manifests are validated against.
const KUBERNETES: &str = "1.33.0";
const VALIDATOR: &str = "1.37.0";

fn manifests() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/k8s");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("deploy/k8s")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .filter(|p| !p.ends_with("kustomization.yaml"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    files
}

fn validate(files: &[String]) -> (bool, String) {
    let out = Command::new("kubernetes-validate")
        .args(["--strict", "-k", KUBERNETES])
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "kubernetes-validate is not installed, and this test runs it: \
                 `pip install kubernetes-validate=={VALIDATOR}` (.ci/run does this): {e}"
            )
        });
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && !said.contains("ERROR"), said)
}

#[test]
fn the_manifests_are_valid_kubernetes_and_say_what_an_operator_needs() {
    let files = manifests();
    assert!(files.len() >= 8, "{files:?}");
    let (ok, said) = validate(&files);
    assert!(ok, "{said}");
    for file in &files {
        assert!(said.contains(&format!("{file} passed")), "{file}: {said}");
    }
    let check = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/deploy/check_k8s.py");
    let out = Command::new("python3")
        .args([check, concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/k8s")])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_validator_refuses_a_broken_manifest() {
    // Proof that the check above can fail: a Deployment with a wrong type and an
    // unknown field.
    let dir = tempfile::tempdir().expect("temp dir");
    let api = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/k8s/api.yaml"))
        .expect("api.yaml");
    let broken = api.replace("replicas: 2", "replicas: two\n  replica_count: 2");
    let path = dir.path().join("api.yaml");
    std::fs::write(&path, broken).expect("write");
    let (ok, said) = validate(&[path.display().to_string()]);
    assert!(!ok, "a broken manifest passed: {said}");
}
