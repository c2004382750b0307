//! Who may check tickets in or read attendance, and what a ticket or event id may be.

use crate::actors::auth::rules::Checks;
use crate::error::{AppError, AppResult};
use crate::messages::attendance::{Annul, CheckIn, CheckInBatch, Refusal, Refused};
use crate::messages::auth::{Caller, Role};
use crate::problem_code::ProblemCode;

pub const ID_MAX: usize = 100;
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
pub fn id_rule(value: &str) -> Result<(), String> {
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

/// A gate or device name: 1 to `ID_MAX` visible characters.
fn label_rule(value: Option<&String>) -> Result<(), String> {
    value.map_or(Ok(()), |v| text_rule(v, 1, ID_MAX))
}

/// Free text of `min` to `max` characters without control characters.
pub fn text_rule(value: &str, min: usize, max: usize) -> Result<(), String> {
    let n = value.chars().count();
    if (min..=max).contains(&n) && !value.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(format!(
            "must be {min} to {max} characters without control characters"
        ))
    }
}

fn key_rule(key: &str) -> Result<(), String> {
    if (1..=KEY_MAX).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(format!("must be 1 to {KEY_MAX} visible ASCII characters"))
    }
}

/// Scans in one offline upload.
pub const OFFLINE_MAX: usize = 1000;
/// How far ahead of ours a scanner's clock may be.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

pub fn validate_offline(upload: &CheckInBatch) -> AppResult<()> {
    require_committee(&upload.caller, "uploading scans")?;
    let mut checks = Checks::default();
    checks.note("gate", label_rule(upload.gate.as_ref()));
    checks.note("device", label_rule(upload.device.as_ref()));
    if upload.scans.is_empty() || upload.scans.len() > OFFLINE_MAX {
        checks.note("scans", Err(format!("must hold 1 to {OFFLINE_MAX} scans")));
    }
    let latest = time::OffsetDateTime::now_utc() + CLOCK_SKEW;
    let mut nonces = std::collections::HashSet::new();
    for (i, s) in upload.scans.iter().enumerate() {
        checks.note(&format!("scans[{i}].event_id"), id_rule(&s.event_id));
        ticket_or_code(
            &mut checks,
            &format!("scans[{i}]."),
            &s.ticket_id,
            s.code.as_deref(),
        );
        checks.note(&format!("scans[{i}].nonce"), key_rule(&s.nonce));
        if !nonces.insert(s.nonce.as_str()) {
            checks.note(
                &format!("scans[{i}].nonce"),
                Err("appears twice in the upload".to_owned()),
            );
        }
        if s.scanned_at > latest {
            checks.note(
                &format!("scans[{i}].scanned_at"),
                Err("is in the future".to_owned()),
            );
        }
    }
    checks.finish()
}

/// Annulments are for admins, with a reason for the log.
pub fn validate_annul(a: &Annul) -> AppResult<()> {
    if a.caller.role < Role::Admin {
        return Err(AppError::forbidden(
            ProblemCode::AdminRequired,
            "annulling a check-in needs the admin role",
        ));
    }
    let mut checks = Checks::default();
    checks.note("event_id", id_rule(&a.event_id));
    checks.note("ticket_id", id_rule(&a.ticket_id));
    let n = a.reason.trim().chars().count();
    if !(1..=500).contains(&n) {
        checks.note("reason", Err("must be 1 to 500 characters".to_owned()));
    }
    checks.finish()
}

/// The ticket a scan names: its `ticket_id`, or the one its code names (checked
/// against the signature later; an unreadable code names none).
pub fn ticket_of(ticket_id: &str, code: Option<&str>) -> String {
    match code {
        None => ticket_id.to_owned(),
        Some(code) => crate::ticket_code::parse(code)
            .map(|c| c.ticket_id)
            .filter(|t| id_rule(t).is_ok())
            .unwrap_or_else(|| UNREADABLE_CODE.to_owned()),
    }
}

/// The ticket id logged for a code that cannot be read.
const UNREADABLE_CODE: &str = "unreadable-code";

/// A scan names its ticket by `ticket_id` or by a signed `code`, not both.
fn ticket_or_code(checks: &mut Checks, field: &str, ticket_id: &str, code: Option<&str>) {
    match code {
        None => checks.note(&format!("{field}ticket_id"), id_rule(ticket_id)),
        Some(_) if !ticket_id.is_empty() => checks.note(
            &format!("{field}code"),
            Err("give ticket_id or code, not both".to_owned()),
        ),
        Some(code) => {
            let ok = (1..=crate::ticket_code::CODE_MAX).contains(&code.len())
                && code.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                checks.note(
                    &format!("{field}code"),
                    Err(format!(
                        "must be 1 to {} visible ASCII characters",
                        crate::ticket_code::CODE_MAX
                    )),
                );
            }
        }
    }
}

pub fn validate_check_in(c: &CheckIn) -> AppResult<()> {
    require_committee(&c.caller, "checking tickets in")?;
    let mut checks = Checks::default();
    checks.note("event_id", id_rule(&c.event_id));
    ticket_or_code(&mut checks, "", &c.ticket_id, c.code.as_deref());
    checks.note("gate", label_rule(c.gate.as_ref()));
    checks.note("device", label_rule(c.device.as_ref()));
    if let Some(key) = &c.idempotency_key {
        checks.note("Idempotency-Key", key_rule(key));
    }
    checks.finish()
}

/// The problem code of a refusal (also its `result` in the scans log).
pub fn refusal_code(reason: Refusal) -> ProblemCode {
    match reason {
        Refusal::AlreadyCheckedIn => ProblemCode::AlreadyCheckedIn,
        Refusal::CapacityReached => ProblemCode::CapacityReached,
        Refusal::NotInside => ProblemCode::NotInside,
        Refusal::NotCheckedIn => ProblemCode::NotCheckedIn,
        Refusal::UnknownTicket => ProblemCode::UnknownTicket,
        Refusal::InvalidSignature => ProblemCode::InvalidSignature,
        Refusal::Revoked => ProblemCode::Revoked,
        Refusal::NotStarted => ProblemCode::NotStarted,
        Refusal::Ended => ProblemCode::Ended,
    }
}

const REFUSALS: [Refusal; 9] = [
    Refusal::AlreadyCheckedIn,
    Refusal::CapacityReached,
    Refusal::NotInside,
    Refusal::NotCheckedIn,
    Refusal::UnknownTicket,
    Refusal::InvalidSignature,
    Refusal::Revoked,
    Refusal::NotStarted,
    Refusal::Ended,
];

/// The refusal a logged `result` names; `None` for `ok`.
pub fn refusal_named(result: &str) -> Option<Refusal> {
    REFUSALS
        .into_iter()
        .find(|r| refusal_code(*r).as_str() == result)
}

/// Whether `?result=` names something the log can hold.
pub fn is_scan_result(result: &str) -> bool {
    result == "ok" || result == "refused" || refusal_named(result).is_some()
}

/// The problem document a refused scan answers with: its code is the reason, and it
/// carries the ticket's first admission and holder where known.
pub fn refused_error(refused: &Refused) -> AppError {
    let code = refusal_code(refused.reason);
    let mut extra = serde_json::Map::new();
    let detail = match &refused.record {
        Some(r) if refused.reason == Refusal::AlreadyCheckedIn => format!(
            "ticket {} was already checked in to {} by {}",
            r.ticket_id, r.event_id, r.checked_in_by
        ),
        _ => code.title().to_owned(),
    };
    if let Some(record) = &refused.record {
        extra.insert(
            "record".to_owned(),
            serde_json::to_value(record).unwrap_or_default(),
        );
    }
    if let Some(holder) = &refused.holder {
        extra.insert(
            "ticket".to_owned(),
            serde_json::to_value(holder).unwrap_or_default(),
        );
    }
    AppError::Refused {
        code,
        detail,
        extra,
    }
}
