//! Pagination shared by every list (SPEC §0), and the keyset positions the lists
//! ordered newest first (`created_at DESC, id DESC`) also take.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// A validated page request: `page` ≥ 1, 1 ≤ `size` ≤ the list's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
}

impl PageRequest {
    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.size)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.size)
    }
}

/// A row's place in a newest-first list: its creation time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListKey {
    pub created_at: OffsetDateTime,
    pub id: Uuid,
}

impl ListKey {
    /// The opaque cursor text: base64url of the time in microseconds and the id.
    pub fn encode(&self) -> String {
        let micros = i64::try_from(self.created_at.unix_timestamp_nanos() / 1000).unwrap_or(0);
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&micros.to_be_bytes());
        bytes[8..].copy_from_slice(self.id.as_bytes());
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// `None` for text that no `encode` made.
    pub fn decode(text: &str) -> Option<ListKey> {
        let bytes: [u8; 24] = URL_SAFE_NO_PAD.decode(text).ok()?.try_into().ok()?;
        let micros = i64::from_be_bytes(bytes[..8].try_into().ok()?);
        let created_at =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok()?;
        Some(ListKey {
            created_at,
            id: Uuid::from_bytes(bytes[8..].try_into().ok()?),
        })
    }
}

/// Where a list page starts: a page number (`?page=`), or just after a cursor
/// (`?cursor=`), which costs the same at any depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Position {
    Page(u32),
    After(ListKey),
}

/// A validated request for a list that also takes cursors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListRequest {
    pub size: u32,
    pub position: Position,
}

impl ListRequest {
    /// Rows to skip from the start of the list (0 after a cursor).
    pub fn offset(&self) -> i64 {
        match self.position {
            Position::Page(page) => i64::from(page - 1) * i64::from(self.size),
            Position::After(_) => 0,
        }
    }

    /// Rows to read: one more than the page, to know whether another follows.
    pub fn limit_with_lookahead(&self) -> i64 {
        i64::from(self.size) + 1
    }
}

/// `{items, total, page, size, pages}`; lists that take cursors add `next_cursor`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Exact.
    pub total: u64,
    /// Absent when the page was asked for by cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    pub size: u32,
    pub pages: u64,
    /// Lists ordered newest first: the `cursor` of the next page, `null` on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<Option<String>>,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, request: PageRequest) -> Self {
        Page {
            items,
            total,
            page: Some(request.page),
            size: request.size,
            pages: total.div_ceil(u64::from(request.size)),
            next_cursor: None,
        }
    }

    /// The same page with each item turned into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            size: self.size,
            pages: self.pages,
            next_cursor: self.next_cursor,
        }
    }

    /// The same page with each item turned into another, by reference.
    pub fn map_ref<U>(&self, f: impl FnMut(&T) -> U) -> Page<U> {
        Page {
            items: self.items.iter().map(f).collect(),
            total: self.total,
            page: self.page,
            size: self.size,
            pages: self.pages,
            next_cursor: self.next_cursor.clone(),
        }
    }

    /// A page of a keyset list read with one row of lookahead: `rows` holds up to
    /// `size + 1` items; the extra one only says that a next page exists.
    pub fn keyset(
        mut rows: Vec<T>,
        total: u64,
        request: ListRequest,
        key: impl Fn(&T) -> ListKey,
    ) -> Self {
        let size = request.size as usize;
        let more = rows.len() > size;
        rows.truncate(size);
        let next_cursor = Some(
            more.then(|| rows.last().map(|last| key(last).encode()))
                .flatten(),
        );
        Page {
            items: rows,
            total,
            page: match request.position {
                Position::Page(page) => Some(page),
                Position::After(_) => None,
            },
            size: request.size,
            pages: total.div_ceil(u64::from(request.size)),
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_its_key_and_junk_is_refused() {
        let key = ListKey {
            created_at: OffsetDateTime::from_unix_timestamp_nanos(1_764_000_000_123_456_000)
                .unwrap(),
            id: Uuid::now_v7(),
        };
        let text = key.encode();
        assert_eq!(text.len(), 32);
        assert_eq!(ListKey::decode(&text), Some(key));
        for junk in ["", "abc", "!!!!", &text[..31], &format!("{text}A")] {
            assert_eq!(ListKey::decode(junk), None, "{junk}");
        }
    }

    #[test]
    fn a_keyset_page_offers_a_cursor_only_when_more_rows_follow() {
        let key = |n: &i64| ListKey {
            created_at: OffsetDateTime::from_unix_timestamp(*n).unwrap(),
            id: Uuid::nil(),
        };
        let request = ListRequest {
            size: 2,
            position: Position::Page(1),
        };
        let page = Page::keyset(vec![3, 2, 1], 3, request, key);
        assert_eq!(page.items, vec![3, 2]);
        assert_eq!(page.next_cursor, Some(Some(key(&2).encode())));
        assert_eq!((page.page, page.pages), (Some(1), 2));
        let last = Page::keyset(vec![1], 3, request, key);
        assert_eq!(last.next_cursor, Some(None));
    }
}
