//! Issue 21: the alerts and the dashboard hold against the real thing. `promtool`
//! checks and unit-tests the rules; then a real Prometheus scrapes a running Troupe
//! (after traffic that increments every labelled counter the rules and panels read)
//! with the rules loaded, and every rule and panel expression evaluates without error
//! and names only metrics that scrape had — so a renamed metric breaks CI.

use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::support::media_fixtures::png;
use crate::support::prometheus::{Prometheus, promtool};
use crate::support::recorder::{app_with_recorder, kill};
use crate::support::wait_for;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn promtool_checks_the_rules_and_their_unit_tests_pass() {
    let (ok, said) = promtool(ROOT, &["check", "rules", "deploy/prometheus/rules.yaml"]);
    assert!(ok, "{said}");
    let (ok, said) = promtool(
        &format!("{ROOT}/tests/prometheus"),
        &["test", "rules", "rules_test.yaml"],
    );
    assert!(ok && said.contains("SUCCESS"), "{said}");
}

/// The expressions of the rules and the dashboard, and the metrics they read.
fn expressions() -> serde_json::Value {
    let out = Command::new("python3")
        .arg(format!("{ROOT}/tests/prometheus/expressions.py"))
        .arg(format!("{ROOT}/deploy/prometheus/rules.yaml"))
        .arg(format!("{ROOT}/deploy/grafana/troupe.json"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[actix_web::test]
async fn every_rule_and_panel_evaluates_on_a_real_prometheus_and_names_only_scraped_metrics() {
    let wanted = expressions();
    // One retry (2 s) before an event that keeps failing is dead-lettered.
    let settings = [("LOGIN_LOCKOUT_THRESHOLD", "1"), ("MAX_RETRIES", "1")];
    let (app, log) = app_with_recorder(&settings).await;

    // Traffic that makes every labelled series exist.
    let ana = app.user("ana").await;
    let project = app
        .create_project(&ana.access, &json!({"title": "Observed lighthouse"}))
        .await
        .json();
    let project_id = project["id"].as_str().unwrap().to_owned();
    let uploaded = app
        .upload(&ana.access, "o.png", png(64, 48), Some(&project_id))
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text);
    let thumbnail = wait_for(Duration::from_secs(20), || async {
        let metrics = app.get("/metrics").await.text;
        metrics.contains("thumbnail_duration_seconds_count{outcome=\"made\"}")
    })
    .await;
    assert!(thumbnail, "a thumbnail was made");
    assert_eq!(app.search("lighthouse").await.status, 200);
    assert_eq!(app.get("/no-such-route").await.status, 404);
    // A lockout (threshold 1) on a login nobody has: refused, then locked.
    assert_eq!(app.login("ghost", "wrong-password").await.status, 401);
    app.login("ghost", "wrong-password")
        .await
        .problem(429, "account_locked");
    // Events that fail for good: retried, then dead-lettered.
    kill(&app, &log, 1).await;
    // A supervised actor restarts: its LISTEN session is terminated.
    let db = app.pool.get().await.expect("db");
    db.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = $1 AND application_name LIKE 'troupe-listen-%'",
        &[&app.db_name],
    )
    .await
    .expect("terminate");
    let restarted = wait_for(Duration::from_secs(10), || async {
        app.get("/metrics")
            .await
            .text
            .contains("actor_restarts_total{")
    })
    .await;
    assert!(restarted, "the relay's restart is counted");

    let target = app.address.trim_start_matches("http://").to_owned();
    let prometheus =
        Prometheus::start(&target, &format!("{ROOT}/deploy/prometheus/rules.yaml")).await;
    // Two scrapes and a rule evaluation: rates need two samples.
    let scraped = wait_for(Duration::from_secs(30), || async {
        prometheus
            .query("count_over_time(up{job=\"troupe\"}[1m]) >= 3")
            .await
            .is_ok_and(|r| !r.is_empty())
    })
    .await;
    assert!(scraped, "prometheus scraped troupe three times");
    let recorded = wait_for(Duration::from_secs(15), || async {
        prometheus
            .query("troupe:http_requests:rate5m")
            .await
            .is_ok_and(|r| !r.is_empty())
    })
    .await;
    assert!(recorded, "the recording rules are evaluated");

    let mut missing = Vec::new();
    for metric in wanted["metrics"].as_array().unwrap() {
        let name = metric.as_str().unwrap();
        let found = prometheus
            .query(&format!("count({{__name__=\"{name}\", job=\"troupe\"}})"))
            .await
            .unwrap_or_default();
        if found.is_empty() {
            missing.push(name.to_owned());
        }
    }
    assert!(missing.is_empty(), "the scrape has no {missing:?}");
    let mut failed = Vec::new();
    for expr in wanted["expressions"].as_array().unwrap() {
        if let Err(e) = prometheus.query(expr.as_str().unwrap()).await {
            failed.push(e);
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
    // The evaluation is real: a name the scrape never had is found missing.
    let none = prometheus
        .query("count({__name__=\"troupe_no_such_metric\", job=\"troupe\"})")
        .await
        .expect("query");
    assert!(none.is_empty());
}
