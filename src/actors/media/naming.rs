//! Where files live and how clients see them: object keys, public URLs, the
//! display name of an upload, and a row turned into the API's `Media`.

use uuid::Uuid;

use crate::db::media::MediaRow;
use crate::imaging::FileKind;
use crate::messages::media::Media;

/// Longest kept `original_filename`, in characters.
const ORIGINAL_NAME_MAX: usize = 255;

/// The key prefixes every stored object lives under (uploads and thumbnails).
pub const OBJECT_PREFIXES: [&str; 2] = ["uploads/", "thumbnails/"];

/// `uploads/<user_id>/<file_id>.<ext>`.
pub fn upload_key(user_id: Uuid, file_id: Uuid, kind: FileKind) -> String {
    format!("uploads/{user_id}/{file_id}.{}", kind.extension())
}

/// `thumbnails/<user_id>/<file_id>_thumb.jpg`: derived from the ids, so making a
/// thumbnail twice writes the same object.
pub fn thumbnail_key(user_id: Uuid, file_id: Uuid) -> String {
    format!("thumbnails/{user_id}/{file_id}_thumb.jpg")
}

/// Public URLs of stored objects: `/media/<key>`, behind `PUBLIC_BASE_URL` if set.
#[derive(Debug, Clone, Default)]
pub struct MediaUrls {
    pub base: Option<String>,
}

impl MediaUrls {
    pub fn of(&self, key: &str) -> String {
        format!("{}/media/{key}", self.base.as_deref().unwrap_or(""))
    }

    pub fn media(&self, row: MediaRow) -> Media {
        let filename = row
            .file_path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        Media {
            id: row.id,
            user_id: row.user_id,
            project_id: row.project_id,
            filename,
            original_filename: row.original_filename,
            file_url: self.of(&row.file_path),
            file_path: row.file_path,
            file_size: u64::try_from(row.file_size).unwrap_or(0),
            mime_type: row.mime_type,
            thumbnail_url: row.thumbnail_path.as_deref().map(|key| self.of(key)),
            thumbnail_status: row.thumbnail_status,
            created_at: row.created_at,
        }
    }
}

/// The uploader's file name for display: its last path segment, without control
/// characters, trimmed, at most 255 characters; `upload` when nothing is left.
pub fn display_name(raw: Option<&str>) -> String {
    let last = raw
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(ORIGINAL_NAME_MAX)
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        "upload".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The extension of a display name, if it has one.
pub fn extension(name: &str) -> Option<&str> {
    name.rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_never_carry_a_path_or_control_characters() {
        assert_eq!(display_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(display_name(Some("C:\\Users\\me\\cat.png")), "cat.png");
        assert_eq!(display_name(Some("a\u{0}b\u{7}\n.png")), "ab.png");
        assert_eq!(display_name(Some("  ")), "upload");
        assert_eq!(display_name(Some("dir/..")), "upload");
        assert_eq!(display_name(None), "upload");
        assert_eq!(display_name(Some(&"x".repeat(300))).chars().count(), 255);
        assert_eq!(display_name(Some("Ünïcødé 📷.jpg")), "Ünïcødé 📷.jpg");
    }

    #[test]
    fn urls_follow_the_public_base() {
        let plain = MediaUrls::default();
        assert_eq!(plain.of("uploads/u/f.png"), "/media/uploads/u/f.png");
        let cdn = MediaUrls {
            base: Some("https://cdn.example".into()),
        };
        assert_eq!(
            cdn.of("thumbnails/u/f_thumb.jpg"),
            "https://cdn.example/media/thumbnails/u/f_thumb.jpg"
        );
        assert_eq!(extension("a.tar.gz"), Some("gz"));
        assert_eq!(extension("noext"), None);
        assert_eq!(extension("trailing."), None);
    }
}
