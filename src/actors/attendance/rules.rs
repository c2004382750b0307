//! Who may check tickets in or read attendance, and what a ticket or event id may be.

use crate::actors::auth::rules::Checks;
use crate::error::{AppError, AppResult};
use crate::messages::attendance::CheckIn;
use crate::messages::auth::{Caller, Role};
use crate::problem_code::ProblemCode;

const ID_MAX: usize = 100;
const KEY_MAX: usize = 200;

/// Check-in and attendance lists are for the committee and above (SPEC §8).
pub fn require_committee(caller: &Caller, doing: &str) -> AppResult<()> {
    if caller.role < Role::Committee {
        return Err(AppError::forbidden(
            ProblemCode::CommitteeRequired,
            format!("{doing} needs the committee role"),
        ));
    }
    Ok(())
}

/// An event or ticket id: 1 to `ID_MAX` of letters, digits, `_ . : -`.
fn id_rule(value: &str) -> Result<(), String> {
    let ok = (1..=ID_MAX).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "must be 1 to {ID_MAX} characters of letters, digits, '_', '.', ':' and '-'"
        ))
    }
}

pub fn validate_event_id(event_id: &str) -> AppResult<()> {
    let mut checks = Checks::default();
    checks.note("event_id", id_rule(event_id));
    checks.finish()
}

pub fn validate_check_in(c: &CheckIn) -> AppResult<()> {
    require_committee(&c.caller, "checking tickets in")?;
    let mut checks = Checks::default();
    checks.note("event_id", id_rule(&c.event_id));
    checks.note("ticket_id", id_rule(&c.ticket_id));
    if let Some(key) = &c.idempotency_key
        && !((1..=KEY_MAX).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()))
    {
        checks.note(
            "Idempotency-Key",
            Err(format!("must be 1 to {KEY_MAX} visible ASCII characters")),
        );
    }
    checks.finish()
}
