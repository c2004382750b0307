//! `PortfolioActor`: portfolio projects (SPEC §5). Every write locks its row, checks
//! owner-or-admin, and records its event in the same transaction, so a rejected or
//! rolled-back write emits nothing; a write that changes nothing emits nothing.

use std::sync::Arc;

use actix::{Actor, Context, Handler, ResponseFuture, Supervised};
use uuid::Uuid;

use crate::actors::forward::Forwarder;
use crate::db::{DbPool, outbox, project_pages, projects};
use crate::error::{AppError, AppResult};
use crate::messages::auth::Caller;
use crate::messages::events::{DomainEvent, ProjectChanged, ProjectDeleted};
use crate::messages::json_body::JsonBody;
use crate::messages::page::{ListKey, Page, Position};
use crate::messages::projects::{
    CreateProject, DeleteProject, GetProject, ListProjects, Project, ProjectFields,
    ReindexProjects, SetThumbnail, UpdateProject,
};
use crate::problem_code::ProblemCode;

mod anchors;
mod fields;
mod reindex;

use crate::actors::page_memory::PageMemory;
use anchors::PageAnchors;
use fields::{Fields, may_edit};
use reindex::reemit_all;

pub struct PortfolioActor {
    shared: Portfolio,
}

/// What the process keeps of its project lists, shared by every worker's actor:
/// page anchors (deep page numbers) and kept pages.
#[derive(Clone, Default)]
pub struct ListMemory {
    anchors: PageAnchors,
    /// By whose list (`None` = everyone's), where the page starts, its size.
    /// Kept encoded: a kept page is sent as it is, not serialised again.
    pages: PageMemory<(Option<Uuid>, Position, u32), JsonBody>,
}

/// What every answer works with: the pool and the process's list memory.
#[derive(Clone)]
pub struct Portfolio {
    pool: DbPool,
    lists: ListMemory,
}

impl PortfolioActor {
    pub fn new(pool: DbPool, lists: ListMemory) -> Self {
        PortfolioActor {
            shared: Portfolio { pool, lists },
        }
    }
}

impl Actor for PortfolioActor {
    type Context = Context<Self>;
}

impl Supervised for PortfolioActor {}

impl Forwarder for PortfolioActor {
    type Shared = Portfolio;
    fn shared(&self) -> &Portfolio {
        &self.shared
    }
}

impl Handler<CreateProject> for PortfolioActor {
    type Result = ResponseFuture<AppResult<Project>>;

    fn handle(&mut self, msg: CreateProject, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |Portfolio { pool, .. }| {
            let fields = Fields::default().patched(msg.fields)?;
            let id = Uuid::now_v7();
            let mut db = pool.get().await?;
            let tx = db.transaction().await?;
            projects::insert(&tx, id, msg.caller.id, &fields.row()).await?;
            let event = ProjectChanged {
                project_id: id,
                user_id: msg.caller.id,
            };
            outbox::record(&tx, DomainEvent::ProjectCreated(event)).await?;
            tx.commit().await?;
            projects::find(&db, id)
                .await?
                .ok_or_else(|| AppError::not_found("project"))
        })
    }
}

impl Handler<GetProject> for PortfolioActor {
    type Result = ResponseFuture<AppResult<Project>>;

    fn handle(&mut self, msg: GetProject, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |Portfolio { pool, .. }| {
            let db = pool.get().await?;
            projects::find(&db, msg.id)
                .await?
                .ok_or_else(|| AppError::not_found("project"))
        })
    }
}

impl Handler<ListProjects> for PortfolioActor {
    type Result = ResponseFuture<AppResult<Arc<JsonBody>>>;

    fn handle(&mut self, msg: ListProjects, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |Portfolio { pool, lists }| {
            let db = pool.get().await?;
            let request = msg.request;
            let key = (msg.owner, request.position, request.size);
            // A kept page is answered when the list's version is unchanged; with
            // none kept, the page's own statement reads the version (one statement).
            // An owner's deep page asks first all the same: it may build the owner's
            // anchors, and an owner that does not exist must not evict real ones.
            let builds_anchors = msg.owner.is_some() && request.offset() >= anchors::STRIDE;
            if builds_anchors || lists.pages.holds(&key) {
                let (found, content) = project_pages::content_version(&db, msg.owner).await?;
                if !found {
                    return Err(AppError::not_found("user"));
                }
                if let Some(page) = lists.pages.get(&key, content) {
                    return Ok(page);
                }
            }
            let limit = request.limit_with_lookahead();
            let listed = match request.position {
                Position::Page(_) => {
                    lists
                        .anchors
                        .page(&db, msg.owner, request.offset(), limit)
                        .await?
                }
                Position::After(key) => {
                    project_pages::page(&db, msg.owner, Some(key), 0, limit).await?
                }
            };
            if !listed.found {
                return Err(AppError::not_found("user"));
            }
            let content = listed.content;
            let page = Page::keyset(listed.rows, listed.total, request, |p| ListKey {
                created_at: p.created_at,
                id: p.id,
            });
            let page =
                Arc::new(JsonBody::of(&page).map_err(|e| {
                    AppError::internal(format!("project page not serialisable: {e}"))
                })?);
            lists.pages.put(key, content, page.clone());
            Ok(page)
        })
    }
}

/// Locks, checks, merges and writes one project; no change writes nothing.
async fn edit(
    pool: DbPool,
    caller: Option<Caller>,
    id: Uuid,
    patch: ProjectFields,
) -> AppResult<Project> {
    let mut db = pool.get().await?;
    let tx = db.transaction().await?;
    let owner = projects::lock_owner(&tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("project"))?;
    if !may_edit(caller.as_ref(), owner) {
        return Err(AppError::forbidden(
            ProblemCode::NotYourProject,
            "only the owner or an admin may change this project",
        ));
    }
    let current = projects::find(&tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("project"))?;
    let before = Fields::of(&current);
    let after = before.clone().patched(patch)?;
    if after == before {
        return Ok(current);
    }
    projects::update(&tx, id, &after.row()).await?;
    let event = ProjectChanged {
        project_id: id,
        user_id: owner,
    };
    outbox::record(&tx, DomainEvent::ProjectUpdated(event)).await?;
    tx.commit().await?;
    projects::find(&db, id)
        .await?
        .ok_or_else(|| AppError::not_found("project"))
}

impl Handler<UpdateProject> for PortfolioActor {
    type Result = ResponseFuture<AppResult<Project>>;

    fn handle(&mut self, msg: UpdateProject, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |Portfolio { pool, .. }| {
            edit(pool, Some(msg.caller), msg.id, msg.fields).await
        })
    }
}

impl Handler<SetThumbnail> for PortfolioActor {
    type Result = ResponseFuture<AppResult<Project>>;

    fn handle(&mut self, msg: SetThumbnail, _: &mut Context<Self>) -> Self::Result {
        let patch = ProjectFields {
            thumbnail_url: Some(msg.thumbnail_url),
            ..ProjectFields::default()
        };
        self.answer(async move |Portfolio { pool, .. }| edit(pool, msg.caller, msg.id, patch).await)
    }
}

impl Handler<DeleteProject> for PortfolioActor {
    type Result = ResponseFuture<AppResult<()>>;

    fn handle(&mut self, msg: DeleteProject, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |Portfolio { pool, .. }| {
            let mut db = pool.get().await?;
            let tx = db.transaction().await?;
            let owner = projects::lock_owner(&tx, msg.id)
                .await?
                .ok_or_else(|| AppError::not_found("project"))?;
            if !may_edit(Some(&msg.caller), owner) {
                return Err(AppError::forbidden(
                    ProblemCode::NotYourProject,
                    "only the owner or an admin may delete this project",
                ));
            }
            projects::delete(&tx, msg.id).await?;
            outbox::record(
                &tx,
                DomainEvent::ProjectDeleted(ProjectDeleted { project_id: msg.id }),
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

impl Handler<ReindexProjects> for PortfolioActor {
    type Result = ResponseFuture<AppResult<u64>>;

    fn handle(&mut self, msg: ReindexProjects, _: &mut Context<Self>) -> Self::Result {
        self.answer(async move |Portfolio { pool, .. }| {
            if !msg.caller.role.is_admin() {
                return Err(AppError::forbidden(
                    ProblemCode::AdminRequired,
                    "only an admin can reindex",
                ));
            }
            let queued = {
                let db = pool.get().await?;
                projects::count(&db).await?
            };
            // Streamed in keyset batches, one transaction each, after answering.
            actix_rt::spawn(async move {
                if let Err(e) = reemit_all(pool).await {
                    tracing::error!(error = %e, "reindex stopped; run it again to finish");
                }
            });
            Ok(queued)
        })
    }
}

crate::traced!(PortfolioActor: CreateProject, GetProject, ListProjects, UpdateProject, SetThumbnail, DeleteProject, ReindexProjects);
