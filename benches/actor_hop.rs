//! Does the actor hop cost anything? The same work — `GET /auth/me`'s: one pooled
//! connection and one indexed SELECT — called directly and through `AuthActor`
//! (`addr.send(GetMe)`), 16 in flight, alternating rounds. DESIGN.md asks for the
//! actor path to stay within 10 % of the direct one.
//!
//! `cargo bench --bench actor_hop` (needs PostgreSQL on 127.0.0.1:5432).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Actor;
use futures_util::future::join_all;
use troupe::actors::auth::revocations::RevocationSet;
use troupe::actors::auth::signing_keys::KeySource;
use troupe::actors::auth::{AuthActor, AuthContext};
use troupe::config::Config;
use troupe::db::{self, users};
use troupe::jwt::JwtKeys;
use troupe::messages::auth::{Caller, GetMe, NewAccount, Role};

const IN_FLIGHT: usize = 16;
const PER_TASK: usize = 2_000;
const ROUNDS: usize = 3;

async fn timed<F, Fut>(work: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    join_all((0..IN_FLIGHT).map(|_| async {
        for _ in 0..PER_TASK {
            work().await;
        }
    }))
    .await;
    started.elapsed()
}

fn main() {
    actix_rt::System::new().block_on(async {
        let name = format!("troupe_bench_{}", uuid::Uuid::new_v4().simple());
        let vars: HashMap<&str, String> = HashMap::from([
            (
                "DATABASE_URL",
                format!("postgres://postgres@127.0.0.1:5432/{name}"),
            ),
            ("APP_ENV", "test".to_owned()),
            ("BCRYPT_COST", "4".to_owned()),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef".to_owned()),
        ]);
        let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("config");
        let pool = db::connect(&config).await.expect("database");
        let source = KeySource::new(&config).expect("keys");
        let ctx = Arc::new(AuthContext::new(
            &config,
            pool.clone(),
            Arc::new(JwtKeys::hs256(b"0123456789abcdef0123456789abcdef", 300)),
            Arc::new(RevocationSet::new(300)),
            &source,
            1,
        ));
        let account = NewAccount {
            username: "hop".into(),
            password: "hop-password-1".into(),
            ..NewAccount::default()
        };
        let user = ctx
            .create_by_operator(account, Role::User)
            .await
            .expect("user");
        let caller = Caller {
            id: user.id,
            username: user.username.clone(),
            role: user.role,
            session_id: uuid::Uuid::nil(),
        };
        let actor = AuthActor::new(ctx.clone()).start();

        let direct = || {
            let pool = pool.clone();
            async move {
                let db = pool.get().await.expect("connection");
                std::hint::black_box(users::find(&db, user.id).await.expect("select"));
            }
        };
        let through_actor = || {
            let (actor, caller) = (actor.clone(), caller.clone());
            async move {
                std::hint::black_box(
                    actor
                        .send(GetMe { caller })
                        .await
                        .expect("mailbox")
                        .expect("me"),
                );
            }
        };
        let total = (IN_FLIGHT * PER_TASK) as f64;
        timed(direct).await; // warm-up: connections and prepared statements
        let (mut d, mut a) = (Duration::ZERO, Duration::ZERO);
        for round in 1..=ROUNDS {
            let dt = timed(direct).await;
            let at = timed(through_actor).await;
            println!(
                "round {round}: direct {:.0} ops/s, through AuthActor {:.0} ops/s",
                total / dt.as_secs_f64(),
                total / at.as_secs_f64()
            );
            d += dt;
            a += at;
        }
        println!(
            "overall: direct {:.1} µs/op, through the actor {:.1} µs/op: the hop costs {:+.1} %",
            d.as_secs_f64() * 1e6 / (total * ROUNDS as f64),
            a.as_secs_f64() * 1e6 / (total * ROUNDS as f64),
            (a.as_secs_f64() / d.as_secs_f64() - 1.0) * 100.0
        );
        drop(pool);
    });
}
