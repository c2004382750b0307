//! Who may check tickets in or read attendance, and what a ticket or event id may be.

use crate::error::{AppError, AppResult, FieldErrors};
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

fn note_id(errors: &mut FieldErrors, field: &str, value: &str) {
    let ok = (1..=ID_MAX).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
    if !ok {
        errors.insert(
            field.to_owned(),
            format!("must be 1 to {ID_MAX} characters of letters, digits, '_', '.', ':' and '-'"),
        );
    }
}

fn answer(errors: FieldErrors) -> AppResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid_fields(errors))
    }
}

pub fn validate_event_id(event_id: &str) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    note_id(&mut errors, "event_id", event_id);
    answer(errors)
}

pub fn validate_check_in(c: &CheckIn) -> AppResult<()> {
    require_committee(&c.caller, "checking tickets in")?;
    let mut errors = FieldErrors::new();
    note_id(&mut errors, "event_id", &c.event_id);
    note_id(&mut errors, "ticket_id", &c.ticket_id);
    if let Some(key) = &c.idempotency_key
        && !((1..=KEY_MAX).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()))
    {
        errors.insert(
            "Idempotency-Key".to_owned(),
            format!("must be 1 to {KEY_MAX} visible ASCII characters"),
        );
    }
    answer(errors)
}
