//! The account rules of SPEC §1–§2: field formats and who may grant which role.

use crate::error::{AppError, AppResult, FieldErrors};
use crate::messages::auth::{Caller, NewAccount, Role};

pub const PASSWORD_MIN_BYTES: usize = 8;
/// bcrypt's limit: longer is refused, never silently truncated.
pub const PASSWORD_MAX_BYTES: usize = 72;
pub const NAME_MAX: usize = 100;
const PHONE_MAX: usize = 30;
pub const GENDER_MAX: usize = 30;
const EMAIL_MAX: usize = 254;

/// Collects every field's problem so the client sees them all at once.
#[derive(Default)]
pub struct Checks(FieldErrors);

impl Checks {
    pub fn note(&mut self, field: &str, result: Result<(), String>) {
        if let Err(message) = result {
            self.0.insert(field.to_owned(), message);
        }
    }

    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_fields(self.0))
        }
    }
}

/// The account with every field checked and normalised (trimmed, email lower-cased,
/// blank optional fields `None`).
pub fn validate_account(account: NewAccount) -> AppResult<NewAccount> {
    let mut checks = Checks::default();
    let username = account.username.trim().to_owned();
    checks.note("username", username_rule(&username));
    checks.note("password", password_rule(&account.password));
    let email = normalise_email(account.email);
    if let Some(email) = &email {
        checks.note("email", email_rule(email));
    }
    let name = optional_text(account.name);
    let phone = optional_text(account.phone);
    let gender = optional_text(account.gender);
    checks.note("name", max_chars(name.as_deref(), NAME_MAX));
    checks.note("phone", phone_rule(phone.as_deref()));
    checks.note("gender", max_chars(gender.as_deref(), GENDER_MAX));
    checks.finish()?;
    Ok(NewAccount {
        username,
        password: account.password,
        email,
        name,
        phone,
        gender,
    })
}

pub fn username_rule(username: &str) -> Result<(), String> {
    let len = username.chars().count();
    if !(3..=50).contains(&len) {
        return Err("must be 3 to 50 characters".to_owned());
    }
    if !username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err("may only contain letters, digits, '_', '.' and '-'".to_owned());
    }
    Ok(())
}

pub fn password_rule(password: &str) -> Result<(), String> {
    let len = password.len();
    if len < PASSWORD_MIN_BYTES {
        return Err(format!("must be at least {PASSWORD_MIN_BYTES} bytes"));
    }
    if len > PASSWORD_MAX_BYTES {
        return Err(format!("must be at most {PASSWORD_MAX_BYTES} bytes"));
    }
    Ok(())
}

/// Trimmed and lower-cased; blank means no email.
pub fn normalise_email(email: Option<String>) -> Option<String> {
    email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

pub fn email_rule(email: &str) -> Result<(), String> {
    let invalid = || Err("is not a valid email address".to_owned());
    if email.len() > EMAIL_MAX || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid();
    }
    let Some((local, domain)) = email.split_once('@') else {
        return invalid();
    };
    let domain_ok = domain.contains('.')
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if local.is_empty() || !domain_ok {
        return invalid();
    }
    Ok(())
}

/// Trimmed; blank means not set.
pub fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

pub fn max_chars(value: Option<&str>, max: usize) -> Result<(), String> {
    match value {
        Some(v) if v.chars().count() > max => Err(format!("must be at most {max} characters")),
        _ => Ok(()),
    }
}

pub fn phone_rule(phone: Option<&str>) -> Result<(), String> {
    let Some(phone) = phone else { return Ok(()) };
    max_chars(Some(phone), PHONE_MAX)?;
    if !phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'))
    {
        return Err("may only contain digits, spaces and + - ( )".to_owned());
    }
    Ok(())
}

/// Granting `role`: only a role strictly below the caller's, except that a
/// superadmin may grant any role. `None` is the trusted local operator.
/// A role named in a request: `None` when none was asked for.
pub fn requested_role(name: Option<&str>) -> AppResult<Option<Role>> {
    name.map(|name| {
        Role::parse(name).ok_or_else(|| AppError::invalid_field("role", "is not a known role"))
    })
    .transpose()
}

pub fn may_grant(caller: Option<&Caller>, role: Role) -> bool {
    match caller {
        None => true,
        Some(c) => c.role == Role::Superadmin || (c.role.is_admin() && role < c.role),
    }
}

/// Managing (editing, deleting) another user: an admin manages users ranked below
/// them; a superadmin manages everyone.
pub fn may_manage(caller: &Caller, target_role: Role) -> bool {
    caller.role == Role::Superadmin || (caller.role.is_admin() && target_role < caller.role)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn caller(role: Role) -> Caller {
        Caller {
            id: Uuid::now_v7(),
            username: "c".into(),
            role,
            session_id: Uuid::nil(),
        }
    }

    #[test]
    fn usernames_follow_the_spec() {
        assert!(username_rule("ana.b_c-1").is_ok());
        assert!(username_rule("ab").is_err());
        assert!(username_rule(&"a".repeat(51)).is_err());
        assert!(username_rule("ana b").is_err());
        assert!(username_rule("anä").is_err());
    }

    #[test]
    fn passwords_are_measured_in_bytes() {
        assert!(password_rule("12345678").is_ok());
        assert!(password_rule("1234567").is_err());
        assert!(password_rule(&"a".repeat(72)).is_ok());
        assert!(password_rule(&"a".repeat(73)).is_err());
        // 25 three-byte characters: 75 bytes, refused although only 25 characters.
        assert!(password_rule(&"€".repeat(25)).is_err());
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            normalise_email(Some(" Ana@X.Org ".into())).as_deref(),
            Some("ana@x.org")
        );
        assert_eq!(normalise_email(Some("  ".into())), None);
        assert!(email_rule("ana@x.org").is_ok());
        for bad in [
            "ana",
            "ana@x",
            "@x.org",
            "a b@x.org",
            "a@x..org",
            "a@.x.org",
        ] {
            assert!(email_rule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_are_granted_only_from_above() {
        assert!(may_grant(Some(&caller(Role::Admin)), Role::Committee));
        assert!(!may_grant(Some(&caller(Role::Admin)), Role::Admin));
        assert!(may_grant(Some(&caller(Role::Superadmin)), Role::Superadmin));
        assert!(!may_grant(Some(&caller(Role::Committee)), Role::User));
        assert!(may_grant(None, Role::Superadmin));
        assert!(may_manage(&caller(Role::Admin), Role::Committee));
        assert!(!may_manage(&caller(Role::Admin), Role::Admin));
        assert!(may_manage(&caller(Role::Superadmin), Role::Superadmin));
    }
}
