//! A kept page of the users list (`PageMemory`) with the two ways it is sent, each
//! encoded once, when first asked for: as admins see it (every field) and as other
//! users see it (public fields). A caller who is on the page sees their own entry in
//! full, so their page is encoded for them alone.

use std::sync::OnceLock;

use super::manage::view_for;
use crate::error::{AppError, AppResult};
use crate::messages::auth::{Caller, User};
use crate::messages::json_body::JsonBody;
use crate::messages::page::Page;

pub struct KeptUsers {
    page: Page<User>,
    /// As admins see it.
    full: OnceLock<JsonBody>,
    /// As a user who is not on the page sees it.
    public: OnceLock<JsonBody>,
}

impl KeptUsers {
    pub fn new(page: Page<User>) -> Self {
        KeptUsers {
            page,
            full: OnceLock::new(),
            public: OnceLock::new(),
        }
    }

    /// The page as `caller` may see it.
    pub fn encoded_for(&self, caller: &Caller) -> AppResult<JsonBody> {
        let kept = if caller.role.is_admin() {
            &self.full
        } else if self.page.items.iter().any(|u| u.id == caller.id) {
            return encode_for(&self.page, caller);
        } else {
            &self.public
        };
        JsonBody::kept(kept, || encode_for(&self.page, caller))
    }
}

/// `page` encoded as `caller` may see each user on it.
pub fn encode_for(page: &Page<User>, caller: &Caller) -> AppResult<JsonBody> {
    JsonBody::of(&page.map_ref(|u| view_for(caller, u.clone())))
        .map_err(|e| AppError::internal(format!("users page not serialisable: {e}")))
}
