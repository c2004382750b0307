//! The events a venue runs: admins write them and their ticket lists, the committee
//! reads them and their scans log.

use actix::prelude::*;
use uuid::Uuid;

use super::AttendanceActor;
use super::rules::{id_rule, is_scan_result, require_committee, text_rule};
use crate::actors::auth::rules::Checks;
use crate::db::{checkins, scans, tickets, venue_events};
use crate::error::{AppError, AppResult};
use crate::messages::attendance::{ExportAttendance, ExportChunk};
use crate::messages::auth::{Caller, Role};
use crate::messages::venue_events::{
    CreateVenueEvent, DeleteVenueEvent, GetVenueEvent, ImportTickets, ListScans, ListVenueEvents,
    ScanPage, TicketLine, UpdateVenueEvent, VenueEvent, VenueEventFields, VenueEventPage,
};
use crate::problem_code::ProblemCode;
use crate::ticket_csv::write_line;

const NAME_MAX: usize = 200;
const CATEGORY_MAX: usize = 100;
const CAPACITY_MAX: i32 = 10_000_000;

pub(super) fn require_admin(caller: &Caller, doing: &str) -> AppResult<()> {
    if caller.role < Role::Admin {
        return Err(AppError::forbidden(
            ProblemCode::AdminRequired,
            format!("{doing} needs the admin role"),
        ));
    }
    Ok(())
}

/// The stored event with the patch applied, checked whole.
fn merged<'a>(
    base: Option<&'a VenueEvent>,
    f: &'a VenueEventFields,
) -> AppResult<venue_events::EventRow<'a>> {
    let row = venue_events::EventRow {
        name: f
            .name
            .as_deref()
            .or(base.map(|b| b.name.as_str()))
            .unwrap_or(""),
        venue: f
            .venue
            .as_deref()
            .or(base.map(|b| b.venue.as_str()))
            .unwrap_or(""),
        starts_at: f.starts_at.unwrap_or(base.and_then(|b| b.starts_at)),
        ends_at: f.ends_at.unwrap_or(base.and_then(|b| b.ends_at)),
        capacity: f.capacity.unwrap_or(base.and_then(|b| b.capacity)),
        reentry: f.reentry.or(base.map(|b| b.reentry)).unwrap_or(false),
        mode: f.mode.or(base.map(|b| b.mode)).unwrap_or_default(),
    };
    let mut checks = Checks::default();
    checks.note("name", text_rule(row.name, 1, NAME_MAX));
    checks.note("venue", text_rule(row.venue, 0, NAME_MAX));
    if row
        .capacity
        .is_some_and(|c| !(0..=CAPACITY_MAX).contains(&c))
    {
        checks.note("capacity", Err(format!("must be 0 to {CAPACITY_MAX}")));
    }
    if let (Some(s), Some(e)) = (row.starts_at, row.ends_at)
        && s >= e
    {
        checks.note("ends_at", Err("must be after starts_at".to_owned()));
    }
    checks.finish()?;
    Ok(row)
}

impl Handler<CreateVenueEvent> for AttendanceActor {
    type Result = ResponseFuture<AppResult<VenueEvent>>;

    fn handle(&mut self, msg: CreateVenueEvent, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_admin(&msg.caller, "creating events")?;
            if let Some(id) = &msg.id {
                let mut checks = Checks::default();
                checks.note("id", id_rule(id));
                checks.finish()?;
            }
            let row = merged(None, &msg.fields)?;
            let id = msg
                .id
                .clone()
                .unwrap_or_else(|| format!("ev-{}", Uuid::new_v4().simple()));
            let db = pool.get().await?;
            venue_events::insert(&db, &id, &row)
                .await?
                .ok_or_else(|| AppError::Conflict {
                    code: ProblemCode::Duplicate,
                    detail: format!("an event with id {id} exists"),
                    errors: [("id".to_owned(), "is taken".to_owned())].into(),
                    extra: None,
                })
        })
    }
}

impl Handler<GetVenueEvent> for AttendanceActor {
    type Result = ResponseFuture<AppResult<VenueEvent>>;

    fn handle(&mut self, msg: GetVenueEvent, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_committee(&msg.caller, "reading events")?;
            let db = pool.get().await?;
            venue_events::find(&db, &msg.id, false)
                .await?
                .ok_or_else(|| AppError::not_found("event"))
        })
    }
}

impl Handler<ListVenueEvents> for AttendanceActor {
    type Result = ResponseFuture<AppResult<VenueEventPage>>;

    fn handle(&mut self, msg: ListVenueEvents, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_committee(&msg.caller, "reading events")?;
            let db = pool.get().await?;
            let (items, total) =
                venue_events::list(&db, msg.page.limit(), msg.page.offset()).await?;
            Ok(VenueEventPage {
                items,
                total,
                page: msg.page.page,
                size: msg.page.size,
                pages: total.div_ceil(u64::from(msg.page.size)),
            })
        })
    }
}

impl Handler<UpdateVenueEvent> for AttendanceActor {
    type Result = ResponseFuture<AppResult<VenueEvent>>;

    fn handle(&mut self, msg: UpdateVenueEvent, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_admin(&msg.caller, "changing events")?;
            let mut db = pool.get().await?;
            let tx = db.transaction().await?;
            // Not while a gate decides on the event's rules (the lock first, as the
            // gates take it, then the row); a capacity set now starts from the true count.
            venue_events::lock_checkins(&tx, &[msg.id.as_str()]).await?;
            let stored = venue_events::find(&tx, &msg.id, true)
                .await?
                .ok_or_else(|| AppError::not_found("event"))?;
            let row = merged(Some(&stored), &msg.fields)?;
            venue_events::recount_inside(&tx, &msg.id).await?;
            let updated = venue_events::update(&tx, &msg.id, &row)
                .await?
                .ok_or_else(|| AppError::not_found("event"))?;
            tx.commit().await?;
            Ok(updated)
        })
    }
}

impl Handler<DeleteVenueEvent> for AttendanceActor {
    type Result = ResponseFuture<AppResult<()>>;

    fn handle(&mut self, msg: DeleteVenueEvent, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_admin(&msg.caller, "deleting events")?;
            let mut db = pool.get().await?;
            let tx = db.transaction().await?;
            // Not while a gate decides on the event's rules.
            venue_events::lock_checkins(&tx, &[msg.id.as_str()]).await?;
            if !venue_events::delete(&tx, &msg.id).await? {
                return Err(AppError::not_found("event"));
            }
            tx.commit().await?;
            Ok(())
        })
    }
}

/// A ticket line's fields, checked.
fn check_line(n: u64, line: &TicketLine) -> AppResult<()> {
    let mut checks = Checks::default();
    checks.note(&format!("line {n}: ticket_id"), id_rule(&line.ticket_id));
    checks.note(
        &format!("line {n}: holder_name"),
        text_rule(&line.holder.holder_name, 0, NAME_MAX),
    );
    checks.note(
        &format!("line {n}: category"),
        text_rule(&line.holder.category, 0, CATEGORY_MAX),
    );
    checks.finish()
}

impl Handler<ImportTickets> for AttendanceActor {
    type Result = ResponseFuture<AppResult<u64>>;

    /// One chunk of a ticket list, in its own transaction (an import that fails
    /// midway keeps the chunks before, and a repeated import changes nothing).
    fn handle(&mut self, msg: ImportTickets, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_admin(&msg.caller, "importing tickets")?;
            check_lines(msg.first_line, &msg.lines)?;
            let db = pool.get().await?;
            if venue_events::find(&db, &msg.event_id, false)
                .await?
                .is_none()
            {
                return Err(AppError::not_found("event"));
            }
            Ok(tickets::upsert(&db, &msg.event_id, &msg.lines).await?)
        })
    }
}

/// Checks a chunk's lines; `first` is the number of its first line in the file.
pub fn check_lines(first: u64, lines: &[TicketLine]) -> AppResult<()> {
    (first..)
        .zip(lines)
        .try_for_each(|(n, line)| check_line(n, line))
}

impl Handler<ListScans> for AttendanceActor {
    type Result = ResponseFuture<AppResult<ScanPage>>;

    fn handle(&mut self, msg: ListScans, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_committee(&msg.caller, "reading the scans log")?;
            let mut checks = Checks::default();
            checks.note("event_id", id_rule(&msg.event_id));
            if let Some(r) = &msg.result
                && !is_scan_result(r)
            {
                checks.note(
                    "result",
                    Err("must be ok, refused or a refusal code".to_owned()),
                );
            }
            checks.finish()?;
            let db = pool.get().await?;
            let size = i64::from(msg.size);
            let mut items = scans::list(
                &db,
                &msg.event_id,
                msg.result.as_deref(),
                msg.before,
                size + 1,
            )
            .await?;
            let more = items.len() > msg.size as usize;
            items.truncate(msg.size as usize);
            let next_before = more.then(|| items.last().map(|s| s.id)).flatten();
            Ok(ScanPage {
                event_id: msg.event_id,
                items,
                next_before,
            })
        })
    }
}

/// Lines per chunk of an attendance export.
const EXPORT_CHUNK: i64 = 5000;

impl Handler<ExportAttendance> for AttendanceActor {
    type Result = ResponseFuture<AppResult<ExportChunk>>;

    fn handle(&mut self, msg: ExportAttendance, _: &mut Context<Self>) -> Self::Result {
        let pool = self.pool.clone();
        Box::pin(async move {
            require_committee(&msg.caller, "exporting attendance")?;
            let mut checks = Checks::default();
            checks.note("event_id", id_rule(&msg.event_id));
            checks.finish()?;
            let db = pool.get().await?;
            let lines =
                checkins::export_page(&db, &msg.event_id, msg.after.as_ref(), EXPORT_CHUNK).await?;
            let mut csv = String::with_capacity(lines.len() * 64);
            for l in &lines {
                let at = l
                    .checked_in_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                write_line(
                    &mut csv,
                    &[
                        &l.ticket_id,
                        l.holder_name.as_deref().unwrap_or(""),
                        l.category.as_deref().unwrap_or(""),
                        &l.checked_in_by,
                        &at,
                        if l.inside { "true" } else { "false" },
                    ],
                );
            }
            let next = (lines.len() as i64 == EXPORT_CHUNK)
                .then(|| lines.last().map(|l| (l.checked_in_at, l.ticket_id.clone())))
                .flatten();
            Ok(ExportChunk { csv, next })
        })
    }
}

crate::traced!(AttendanceActor: ExportAttendance, CreateVenueEvent, GetVenueEvent, ListVenueEvents, UpdateVenueEvent, DeleteVenueEvent, ImportTickets, ListScans);
