//! Creating accounts — self-registration, by an admin, by the operator, the bootstrap
//! superadmin — with the role rules of SPEC §1.

use super::AuthContext;
use super::rules::{self, may_grant};
use crate::config::BootstrapAdmin;
use crate::db::{self, users};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::messages::auth::{Caller, NewAccount, Register, Role, User};
use crate::messages::users::CreateUser;
use crate::problem_code::ProblemCode;

const TAKEN: &str = "has been taken";

fn duplicate(username: bool, email: bool) -> AppError {
    let mut errors = FieldErrors::new();
    if username {
        errors.insert("username".into(), format!("username {TAKEN}"));
    }
    if email {
        errors.insert("email".into(), format!("email {TAKEN}"));
    }
    let detail = errors.values().cloned().collect::<Vec<_>>().join("; ");
    AppError::Conflict {
        code: ProblemCode::Duplicate,
        detail,
        errors,
        extra: None,
    }
}

/// A write error: a broken unique index becomes the field's 409.
pub(super) fn write_error(e: tokio_postgres::Error) -> AppError {
    match db::unique_violation(&e) {
        Some(users::USERNAME_KEY) => duplicate(true, false),
        Some(users::EMAIL_KEY) => duplicate(false, true),
        _ => e.into(),
    }
}

impl AuthContext {
    pub(super) async fn register(&self, msg: Register) -> AppResult<User> {
        if rules::requested_role(msg.requested_role.as_deref())?.is_some_and(|r| r != Role::User) {
            return Err(AppError::forbidden(
                ProblemCode::RoleRequiresAdmin,
                "self-registration creates a user; only an admin can grant other roles",
            ));
        }
        self.insert_account(msg.account, Role::User).await
    }

    pub(super) async fn create_user(&self, msg: CreateUser) -> AppResult<User> {
        if !msg.caller.role.is_admin() {
            return Err(AppError::forbidden(
                ProblemCode::AdminRequired,
                "only an admin can create users",
            ));
        }
        let role = rules::requested_role(msg.requested_role.as_deref())?.unwrap_or(Role::User);
        self.grant(Some(&msg.caller), msg.account, role).await
    }

    /// Creates the account if `caller` may grant `role` (`None`: the local operator).
    async fn grant(
        &self,
        caller: Option<&Caller>,
        account: NewAccount,
        role: Role,
    ) -> AppResult<User> {
        if !may_grant(caller, role) {
            return Err(AppError::forbidden(
                ProblemCode::RoleNotGrantable,
                format!("you cannot grant the role {}", role.as_str()),
            ));
        }
        self.insert_account(account, role).await
    }

    async fn insert_account(&self, account: NewAccount, role: Role) -> AppResult<User> {
        let account = rules::validate_account(account)?;
        {
            // A fast answer before spending a bcrypt hash; the unique indexes still
            // decide when two registrations race.
            let db = self.pool.get().await?;
            let (username, email) =
                users::taken(&db, &account.username, account.email.as_deref(), None).await?;
            if username || email {
                return Err(duplicate(username, email));
            }
        }
        let password_hash = self.hasher.hash(account.password).await?;
        let db = self.pool.get().await?;
        let row = users::NewUserRow {
            id: uuid::Uuid::now_v7(),
            username: &account.username,
            email: account.email.as_deref(),
            password_hash: &password_hash,
            name: account.name.as_deref(),
            phone: account.phone.as_deref(),
            gender: account.gender.as_deref(),
            role,
        };
        users::insert(&db, &row).await.map_err(write_error)
    }

    /// `BOOTSTRAP_ADMIN_*`: create the superadmin if no user has that name; an
    /// existing user is never changed. Returns whether it was created.
    pub async fn ensure_bootstrap_admin(&self, admin: &BootstrapAdmin) -> AppResult<bool> {
        {
            let db = self.pool.get().await?;
            if users::exists_username(&db, &admin.username).await? {
                return Ok(false);
            }
        }
        let account = NewAccount {
            username: admin.username.clone(),
            password: admin.password.clone(),
            email: admin.email.clone(),
            ..NewAccount::default()
        };
        match self.insert_account(account, Role::Superadmin).await {
            Ok(_) => Ok(true),
            // Another node created it at the same moment.
            Err(AppError::Conflict { errors, .. }) if errors.contains_key("username") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `troupe user create`: the local operator may grant any role.
    pub async fn create_by_operator(&self, account: NewAccount, role: Role) -> AppResult<User> {
        self.grant(None, account, role).await
    }
}
