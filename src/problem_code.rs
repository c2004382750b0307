//! The one table of problem codes (SPEC §0): every `code` a problem document can
//! carry, with its HTTP status and title — the model is meilisearch's error table.
//! Call sites name a variant, never a string; the README and `/openapi.json` list
//! the table, and tests check both against it.

macro_rules! problem_codes {
    ($($variant:ident => $code:literal, $status:literal, $title:literal;)*) => {
        /// A stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $($variant,)*
        }

        impl ProblemCode {
            pub const ALL: &[ProblemCode] = &[$(ProblemCode::$variant,)*];

            /// The wire name, e.g. `already_checked_in`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $code,)*
                }
            }

            /// The HTTP status every problem with this code answers with.
            pub fn status(self) -> u16 {
                match self {
                    $(ProblemCode::$variant => $status,)*
                }
            }

            /// The problem document's `title`: what this code means, in short.
            pub fn title(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $title,)*
                }
            }
        }
    };
}

problem_codes! {
    BadRequest => "bad_request", 400, "The request cannot be processed";
    ValidationFailed => "validation_failed", 400, "A field is invalid";
    MalformedJson => "malformed_json", 400, "The body is not the expected JSON";
    MalformedMultipart => "malformed_multipart", 400, "The multipart body cannot be read";
    InvalidQuery => "invalid_query", 400, "The query string is invalid";
    InvalidText => "invalid_text", 400, "Text contains a character that cannot be stored";
    Unauthorized => "unauthorized", 401, "Authentication required";
    MissingToken => "missing_token", 401, "No access token";
    InvalidToken => "invalid_token", 401, "The access token is invalid or expired";
    InvalidCredentials => "invalid_credentials", 401, "Wrong login or password";
    InvalidRefreshToken => "invalid_refresh_token", 401, "The refresh token is not valid";
    RefreshTokenExpired => "refresh_token_expired", 401, "The refresh token has expired";
    RefreshTokenReused => "refresh_token_reused", 401, "The refresh token was already used";
    AccountGone => "account_gone", 401, "The account no longer exists";
    SessionRevoked => "session_revoked", 401, "The session of this token was revoked";
    RoleChanged => "role_changed", 401, "The role changed: refresh the token to get the new one";
    Forbidden => "forbidden", 403, "Not allowed";
    AdminRequired => "admin_required", 403, "Only an admin may do this";
    CommitteeRequired => "committee_required", 403, "Only committee members may do this";
    RoleRequiresAdmin => "role_requires_admin", 403, "Only an admin may set a role";
    RoleNotGrantable => "role_not_grantable", 403, "The caller cannot grant this role";
    NotYourProject => "not_your_project", 403, "The project belongs to someone else";
    NotYourFile => "not_your_file", 403, "The file belongs to someone else";
    NotYourToken => "not_your_token", 403, "The token belongs to someone else";
    NotFound => "not_found", 404, "No such resource";
    MethodNotAllowed => "method_not_allowed", 405, "Method not allowed here";
    Duplicate => "duplicate", 409, "It exists already";
    AlreadyCheckedIn => "already_checked_in", 409, "The ticket is checked in already";
    CapacityReached => "capacity_reached", 409, "The event is full";
    NotInside => "not_inside", 409, "The ticket is not inside";
    NotCheckedIn => "not_checked_in", 409, "The ticket has no check-in to annul";
    LastSuperadmin => "last_superadmin", 409, "The last superadmin must stay";
    PayloadTooLarge => "payload_too_large", 413, "The body is too large";
    UnsupportedMediaType => "unsupported_media_type", 415, "Unsupported media type";
    UndecodableImage => "undecodable_image", 422, "The image cannot be decoded";
    ImageTooLarge => "image_too_large", 422, "The image has too many pixels";
    IdempotencyKeyReused => "idempotency_key_reused", 422, "The idempotency key was used for another request";
    UnreadableEvent => "unreadable_event", 422, "The dead letter is not an event";
    UnknownTicket => "unknown_ticket", 422, "The event has no such ticket";
    InvalidSignature => "invalid_signature", 422, "The ticket code's signature is not valid";
    Revoked => "revoked", 422, "The ticket was revoked";
    NotStarted => "not_started", 422, "The event has not started";
    Ended => "ended", 422, "The event has ended";
    RateLimited => "rate_limited", 429, "Too many requests";
    AccountLocked => "account_locked", 429, "Too many failed logins: the account is locked for a while";
    HeadersTooLarge => "headers_too_large", 431, "The headers are too large";
    InternalError => "internal_error", 500, "The server failed";
    ServiceBusy => "service_busy", 503, "The service is busy";
    DatabaseUnavailable => "database_unavailable", 503, "The database is unavailable";
    StorageUnavailable => "storage_unavailable", 503, "File storage is unavailable";
    SearchUnavailable => "search_unavailable", 503, "Search is unavailable";
    EventBusUnavailable => "event_bus_unavailable", 503, "The event bus is unavailable";
    HasherBusy => "hasher_busy", 503, "Password hashing is saturated";
    UploadsBusy => "uploads_busy", 503, "Too many uploads in progress";
    CheckinBusy => "checkin_busy", 503, "Too many check-ins waiting";
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ProblemCode;

    #[test]
    fn codes_are_unique_snake_case_with_a_client_or_server_error_status() {
        let mut seen = std::collections::HashSet::new();
        for code in ProblemCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name}"
            );
            assert!((400..600).contains(&code.status()), "{name}");
            assert!(!code.title().is_empty());
        }
    }
}

#[cfg(test)]
mod readme {
    use super::ProblemCode;

    /// The README's table lists exactly the codes of the enum, with their status
    /// and title.
    #[test]
    fn the_readme_table_is_the_enum() {
        let readme = include_str!("../README.md");
        let rows: Vec<&str> = readme
            .lines()
            .filter(|l| l.starts_with("| `") && l.matches(" | ").count() == 2)
            .filter(|l| {
                let code = l.split('`').nth(1).unwrap_or_default();
                ProblemCode::ALL.iter().any(|c| c.as_str() == code)
                    || code.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')
                        && l.split(" | ")
                            .nth(1)
                            .is_some_and(|s| s.parse::<u16>().is_ok())
            })
            .collect();
        for code in ProblemCode::ALL {
            let row = format!(
                "| `{}` | {} | {} |",
                code.as_str(),
                code.status(),
                code.title()
            );
            assert!(rows.contains(&row.as_str()), "README lacks {row}");
        }
        assert_eq!(
            rows.len(),
            ProblemCode::ALL.len(),
            "README lists other codes: {rows:#?}"
        );
    }
}
