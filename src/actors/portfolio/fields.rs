//! What a project may hold (SPEC §5) and who may edit it.

use uuid::Uuid;

use crate::actors::auth::rules::Checks;
use crate::actors::links::url_rule;
use crate::actors::tags;
use crate::db::projects;
use crate::error::AppResult;
use crate::messages::auth::Caller;
use crate::messages::projects::{Project, ProjectFields};

const TITLE_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 5000;

/// A validated, normalised project.
/// (`default()` is blank: a new project is a patch of it.)
#[derive(Clone, Default, PartialEq)]
pub struct Fields {
    title: String,
    description: Option<String>,
    tags: Vec<String>,
    link: Option<String>,
    thumbnail_url: Option<String>,
}

impl Fields {
    pub fn row(&self) -> projects::ProjectRow<'_> {
        projects::ProjectRow {
            title: &self.title,
            description: self.description.as_deref(),
            tags: &self.tags,
            link: self.link.as_deref(),
            thumbnail_url: self.thumbnail_url.as_deref(),
        }
    }

    pub fn of(p: &Project) -> Self {
        Fields {
            title: p.title.clone(),
            description: p.description.clone(),
            tags: p.tags.clone(),
            link: p.link.clone(),
            thumbnail_url: p.thumbnail_url.clone(),
        }
    }

    /// Applies a patch (absent keeps, `Some(None)` clears) and checks the result.
    pub fn patched(mut self, patch: ProjectFields) -> AppResult<Self> {
        let mut checks = Checks::default();
        if let Some(title) = patch.title {
            self.title = title.trim().to_owned();
        }
        let count = self.title.chars().count();
        if !(1..=TITLE_MAX).contains(&count) {
            checks.note("title", Err(format!("must be 1 to {TITLE_MAX} characters")));
        }
        if let Some(description) = patch.description {
            self.description = description.filter(|d| !d.trim().is_empty());
        }
        if self
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > DESCRIPTION_MAX)
        {
            checks.note(
                "description",
                Err(format!("must be at most {DESCRIPTION_MAX} characters")),
            );
        }
        if let Some(tags) = patch.tags {
            match tags::normalise(tags.unwrap_or_default()) {
                Ok(tags) => self.tags = tags,
                Err(e) => checks.note("tags", Err(e)),
            }
        }
        if let Some(link) = patch.link {
            self.link = link.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        }
        if let Some(link) = &self.link {
            checks.note("link", url_rule(link, false));
        }
        if let Some(thumbnail) = patch.thumbnail_url {
            self.thumbnail_url = thumbnail
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty());
        }
        if let Some(thumbnail) = &self.thumbnail_url {
            checks.note("thumbnail_url", url_rule(thumbnail, true));
        }
        checks.finish()?;
        Ok(self)
    }
}

pub fn may_edit(caller: Option<&Caller>, owner: Uuid) -> bool {
    caller.is_none_or(|c| c.id == owner || c.role.is_admin())
}
