//! The gate's rules, decided in memory for a whole batch while the batch holds its
//! events' check-in locks: what the database said before the batch, then every scan
//! in order, each seeing what the scans before it did.

use std::collections::HashMap;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::checkins::{Admission, RowChange};
use crate::db::tickets::KnownTicket;
use crate::db::venue_events::EventRules;
use crate::messages::attendance::{
    CheckInRecord, Direction, Passed, Refusal, Refused, ScanKind, ScanResult,
};
use crate::messages::venue_events::TicketMode;
use crate::ticket_code;

/// One scan to decide.
pub struct Scan<'a> {
    pub event_id: &'a str,
    pub ticket_id: &'a str,
    pub kind: ScanKind,
    pub by: &'a str,
    pub by_id: Uuid,
    pub at: OffsetDateTime,
    /// The signed code scanned, for a signed event.
    pub code: Option<&'a str>,
}

/// Whether `code` is this ticket's, signed with the event's key.
fn signed_for(rules: &EventRules, k: &TicketKey, code: Option<&str>) -> bool {
    let (Some(code), Some(key)) = (code.and_then(ticket_code::parse), rules.public_key) else {
        return false;
    };
    code.event_id == k.0 && code.ticket_id == k.1 && code.verify(&key)
}

type TicketKey = (String, String);

/// The state a batch starts from and moves forward scan by scan.
#[derive(Default)]
pub struct Gate {
    pub events: HashMap<String, EventRules>,
    pub tickets: HashMap<TicketKey, KnownTicket>,
    /// The admission rows as the database had them (absent: none).
    pub before: HashMap<TicketKey, Admission>,
    /// The rows as the scans so far left them (`None`: deleted by an annulment).
    now: HashMap<TicketKey, Option<Admission>>,
    /// The first admissions this batch made, and who made them.
    firsts: Vec<(CheckInRecord, Uuid)>,
}

fn key(event_id: &str, ticket_id: &str) -> TicketKey {
    (event_id.to_owned(), ticket_id.to_owned())
}

impl Gate {
    fn current(&self, k: &TicketKey) -> Option<&Admission> {
        match self.now.get(k) {
            Some(row) => row.as_ref(),
            None => self.before.get(k),
        }
    }

    /// The decision for one scan; a scan that passes changes the state the next
    /// scans see.
    pub fn decide(&mut self, scan: &Scan<'_>) -> ScanResult {
        let k = key(scan.event_id, scan.ticket_id);
        let holder = self.tickets.get(&k).map(|t| t.holder.clone());
        let row = self.current(&k).cloned();
        let refuse = |reason: Refusal| {
            Box::new(Refused {
                reason,
                record: row.as_ref().map(|r| r.record.clone()),
                holder: holder.clone(),
            })
        };
        let rules = self.events.get(scan.event_id).cloned();
        match scan.kind {
            ScanKind::Pass(Direction::Entry) => {
                if let Some(rules) = &rules {
                    if let Some(reason) = self.ticket_refusal(rules, &k, scan.code) {
                        return Err(refuse(reason));
                    }
                    if rules.starts_at.is_some_and(|s| scan.at < s) {
                        return Err(refuse(Refusal::NotStarted));
                    }
                    if rules.ends_at.is_some_and(|e| scan.at > e) {
                        return Err(refuse(Refusal::Ended));
                    }
                }
                let reentry = rules.as_ref().is_some_and(|r| r.reentry);
                if let Some(r) = &row
                    && (r.inside || !reentry)
                {
                    return Err(refuse(Refusal::AlreadyCheckedIn));
                }
                if let Some(rules) = &rules
                    && rules.capacity.is_some_and(|c| rules.inside >= c)
                {
                    return Err(refuse(Refusal::CapacityReached));
                }
                let this = CheckInRecord {
                    event_id: scan.event_id.to_owned(),
                    ticket_id: scan.ticket_id.to_owned(),
                    checked_in_by: scan.by.to_owned(),
                    checked_in_at: scan.at,
                };
                let first = match row {
                    Some(r) => r.record,
                    None => {
                        self.firsts.push((this.clone(), scan.by_id));
                        this.clone()
                    }
                };
                self.set(
                    scan.event_id,
                    k,
                    Some(Admission {
                        record: first,
                        inside: true,
                    }),
                    1,
                );
                Ok(Passed {
                    status: scan.kind.passed_status(),
                    record: this,
                    ticket: holder,
                })
            }
            ScanKind::Pass(Direction::Exit) => match row {
                Some(r) if r.inside => {
                    let record = r.record.clone();
                    self.set(
                        scan.event_id,
                        k,
                        Some(Admission {
                            record: r.record,
                            inside: false,
                        }),
                        -1,
                    );
                    Ok(Passed {
                        status: scan.kind.passed_status(),
                        record,
                        ticket: holder,
                    })
                }
                _ => Err(refuse(Refusal::NotInside)),
            },
            ScanKind::Annul => match row {
                Some(r) => {
                    self.set(scan.event_id, k, None, if r.inside { -1 } else { 0 });
                    Ok(Passed {
                        status: scan.kind.passed_status(),
                        record: r.record,
                        ticket: holder,
                    })
                }
                None => Err(refuse(Refusal::NotCheckedIn)),
            },
        }
    }

    /// A replayed offline scan: what the log said then (`None`: it passed), with the
    /// ticket as it is now.
    pub fn replay(&self, scan: &Scan<'_>, refusal: Option<Refusal>) -> ScanResult {
        let k = key(scan.event_id, scan.ticket_id);
        let holder = self.tickets.get(&k).map(|t| t.holder.clone());
        let row = self.current(&k).map(|r| r.record.clone());
        match refusal {
            Some(reason) => Err(Box::new(Refused {
                reason,
                record: row,
                holder,
            })),
            None => Ok(Passed {
                status: scan.kind.passed_status(),
                record: row.unwrap_or_else(|| CheckInRecord {
                    event_id: scan.event_id.to_owned(),
                    ticket_id: scan.ticket_id.to_owned(),
                    checked_in_by: scan.by.to_owned(),
                    checked_in_at: scan.at,
                }),
                ticket: holder,
            }),
        }
    }

    /// A retried check-in (same Idempotency-Key): the ticket's admission, if it
    /// still has one.
    pub fn replay_admission(&self, scan: &Scan<'_>) -> Option<ScanResult> {
        let k = key(scan.event_id, scan.ticket_id);
        let row = self.current(&k)?;
        Some(Ok(Passed {
            status: "checked_in",
            record: row.record.clone(),
            ticket: self.tickets.get(&k).map(|t| t.holder.clone()),
        }))
    }

    /// The first admissions of this batch (announced as `attendance.checked_in`).
    pub fn firsts(&self) -> &[(CheckInRecord, Uuid)] {
        &self.firsts
    }

    /// Who made this first admission.
    pub fn admitted_by(&self, record: &CheckInRecord) -> Option<Uuid> {
        self.firsts
            .iter()
            .find(|(r, _)| r == record)
            .map(|(_, by)| *by)
    }

    /// What the event's ticket mode says of this ticket: a listed event knows its
    /// tickets; a signed one needs a code its key signed for this event and ticket.
    fn ticket_refusal(
        &self,
        rules: &EventRules,
        k: &TicketKey,
        code: Option<&str>,
    ) -> Option<Refusal> {
        let known = self.tickets.get(k);
        match rules.mode {
            TicketMode::Open => None,
            TicketMode::Listed if known.is_none() => Some(Refusal::UnknownTicket),
            TicketMode::Signed if !signed_for(rules, k, code) => Some(Refusal::InvalidSignature),
            _ if known.is_some_and(|t| t.revoked) => Some(Refusal::Revoked),
            _ => None,
        }
    }

    fn set(&mut self, event_id: &str, k: TicketKey, row: Option<Admission>, inside_delta: i32) {
        self.now.insert(k, row);
        if let Some(rules) = self.events.get_mut(event_id) {
            rules.inside += inside_delta;
        }
    }

    /// What the batch must write: for each ticket whose admission row changed, the
    /// row as the batch read it and as it leaves it (written only if the row is still
    /// as read), and the count inside of each event with a capacity.
    pub fn changes(&self) -> Changes {
        let mut rows = Vec::new();
        for (k, after) in &self.now {
            let before = self.before.get(k);
            if before != after.as_ref() {
                rows.push(RowChange {
                    event_id: k.0.clone(),
                    ticket_id: k.1.clone(),
                    before: before.cloned(),
                    after: after.clone(),
                    by_id: after.as_ref().and_then(|a| self.admitted_by(&a.record)),
                });
            }
        }
        let inside = self
            .events
            .iter()
            .filter(|(_, rules)| rules.capacity.is_some())
            .map(|(id, rules)| (id.clone(), rules.inside))
            .collect();
        Changes { rows, inside }
    }
}

/// The writes a decided batch needs.
#[derive(Debug, Default)]
pub struct Changes {
    pub rows: Vec<RowChange>,
    /// The count inside of the events with a capacity (kept under their locks).
    pub inside: Vec<(String, i32)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::attendance::TicketHolder;

    fn at(minute: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(minute)
    }

    fn scan(ticket: &str, kind: ScanKind, minute: i64) -> Scan<'_> {
        Scan {
            event_id: "e",
            ticket_id: ticket,
            kind,
            by: "gate",
            by_id: Uuid::nil(),
            at: at(minute),
            code: None,
        }
    }

    const IN: ScanKind = ScanKind::Pass(Direction::Entry);
    const OUT: ScanKind = ScanKind::Pass(Direction::Exit);

    fn event(capacity: Option<i32>, reentry: bool) -> Gate {
        let mut gate = Gate::default();
        gate.events.insert(
            "e".to_owned(),
            EventRules {
                mode: TicketMode::Open,
                starts_at: Some(at(10)),
                ends_at: Some(at(100)),
                capacity,
                reentry,
                inside: 0,
                public_key: None,
            },
        );
        gate
    }

    fn reason(result: ScanResult) -> Refusal {
        result.expect_err("refused").reason
    }

    #[test]
    fn a_batch_sees_its_own_scans_in_order_and_writes_only_the_net_change() {
        let mut gate = event(Some(1), true);
        assert!(gate.decide(&scan("a", IN, 20)).is_ok());
        assert_eq!(
            reason(gate.decide(&scan("b", IN, 21))),
            Refusal::CapacityReached
        );
        assert!(gate.decide(&scan("a", OUT, 22)).is_ok());
        assert!(
            gate.decide(&scan("b", IN, 23)).is_ok(),
            "room after the exit"
        );
        assert_eq!(
            reason(gate.decide(&scan("b", IN, 24))),
            Refusal::AlreadyCheckedIn
        );
        assert_eq!(reason(gate.decide(&scan("c", OUT, 25))), Refusal::NotInside);
        let changes = gate.changes();
        assert_eq!(changes.rows.len(), 2, "a and b");
        assert!(
            changes.rows.iter().all(|r| r.before.is_none()),
            "nothing before"
        );
        assert_eq!(changes.inside, [("e".to_owned(), 1)]);
        let a = changes.rows.iter().find(|r| r.ticket_id == "a").unwrap();
        let after = a.after.as_ref().unwrap();
        assert!(!after.inside, "a ended outside");
        assert_eq!(
            after.record.checked_in_at,
            at(20),
            "the first admission is kept"
        );
        assert_eq!(gate.firsts().len(), 2);
    }

    #[test]
    fn the_window_reentry_and_annulment_rules() {
        let mut gate = event(None, false);
        assert_eq!(reason(gate.decide(&scan("a", IN, 5))), Refusal::NotStarted);
        assert_eq!(reason(gate.decide(&scan("a", IN, 101))), Refusal::Ended);
        assert!(gate.decide(&scan("a", IN, 20)).is_ok());
        assert!(gate.decide(&scan("a", OUT, 21)).is_ok());
        assert_eq!(
            reason(gate.decide(&scan("a", IN, 22))),
            Refusal::AlreadyCheckedIn,
            "no re-entry"
        );
        assert!(gate.decide(&scan("a", ScanKind::Annul, 23)).is_ok());
        assert_eq!(
            reason(gate.decide(&scan("a", ScanKind::Annul, 24))),
            Refusal::NotCheckedIn
        );
        assert!(gate.decide(&scan("a", IN, 25)).is_ok(), "admitted again");
        let changes = gate.changes();
        let row = &changes.rows[0];
        assert_eq!(row.after.as_ref().unwrap().record.checked_in_at, at(25));
        assert!(changes.inside.is_empty(), "no capacity, no count kept");
    }

    #[test]
    fn a_listed_event_knows_its_tickets_and_an_unregistered_one_admits_any_once() {
        let mut gate = event(None, false);
        if let Some(rules) = gate.events.get_mut("e") {
            rules.mode = TicketMode::Listed;
        }
        let holder = TicketHolder {
            holder_name: "Ayu".to_owned(),
            category: "VIP".to_owned(),
        };
        for (id, revoked) in [("ok", false), ("gone", true)] {
            gate.tickets.insert(
                key("e", id),
                KnownTicket {
                    event_id: "e".to_owned(),
                    ticket_id: id.to_owned(),
                    holder: holder.clone(),
                    revoked,
                },
            );
        }
        assert_eq!(
            gate.decide(&scan("ok", IN, 20)).unwrap().ticket,
            Some(holder)
        );
        assert_eq!(
            reason(gate.decide(&scan("zz", IN, 20))),
            Refusal::UnknownTicket
        );
        assert_eq!(reason(gate.decide(&scan("gone", IN, 20))), Refusal::Revoked);
        let open = Scan {
            event_id: "free",
            ..scan("x", IN, 0)
        };
        assert!(gate.decide(&open).is_ok());
        assert_eq!(reason(gate.decide(&open)), Refusal::AlreadyCheckedIn);
    }
}
