//! What an uploaded file is, decided from its bytes (SPEC §6), how large an image
//! claims to be (read from its header only), and how its thumbnail is made.

pub mod thumbnail;

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

/// The accepted file types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Gif,
    Webp,
    Pdf,
}

const ALL: [FileKind; 5] = [
    FileKind::Jpeg,
    FileKind::Png,
    FileKind::Gif,
    FileKind::Webp,
    FileKind::Pdf,
];

impl FileKind {
    /// The type the leading bytes (magic numbers) announce, if accepted.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        let kind = match bytes {
            [0xFF, 0xD8, 0xFF, ..] => FileKind::Jpeg,
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => FileKind::Png,
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => FileKind::Gif,
            [
                b'R',
                b'I',
                b'F',
                b'F',
                _,
                _,
                _,
                _,
                b'W',
                b'E',
                b'B',
                b'P',
                ..,
            ] => FileKind::Webp,
            [b'%', b'P', b'D', b'F', b'-', ..] => FileKind::Pdf,
            _ => return None,
        };
        Some(kind)
    }

    /// The extension stored files get.
    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Gif => "gif",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
        }
    }

    pub fn mime_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
        }
    }

    pub fn is_image(self) -> bool {
        self != FileKind::Pdf
    }

    /// Whether a file name's extension (any case) fits this type.
    pub fn matches_extension(self, extension: &str) -> bool {
        let extension = extension.to_ascii_lowercase();
        match self {
            FileKind::Jpeg => matches!(extension.as_str(), "jpg" | "jpeg" | "jpe" | "jfif"),
            _ => extension == self.extension(),
        }
    }

    /// The type of a stored object, from the extension its key was given.
    pub fn of_key(key: &str) -> Option<Self> {
        let extension = key.rsplit_once('.')?.1;
        ALL.into_iter().find(|k| k.extension() == extension)
    }

    fn image_format(self) -> Option<ImageFormat> {
        match self {
            FileKind::Jpeg => Some(ImageFormat::Jpeg),
            FileKind::Png => Some(ImageFormat::Png),
            FileKind::Gif => Some(ImageFormat::Gif),
            FileKind::Webp => Some(ImageFormat::WebP),
            FileKind::Pdf => None,
        }
    }
}

/// An image's width and height as its header declares them, without decoding
/// any pixels (the decompression-bomb guard runs on this).
pub fn declared_dimensions(bytes: &[u8], kind: FileKind) -> Result<(u32, u32), String> {
    let format = kind
        .image_format()
        .ok_or_else(|| "not an image".to_owned())?;
    ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::FileKind;

    #[test]
    fn types_come_from_magic_numbers_only() {
        assert_eq!(
            FileKind::sniff(b"\xFF\xD8\xFF\xE0rest"),
            Some(FileKind::Jpeg)
        );
        assert_eq!(
            FileKind::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(FileKind::Png)
        );
        assert_eq!(FileKind::sniff(b"GIF89a..."), Some(FileKind::Gif));
        assert_eq!(FileKind::sniff(b"GIF87a..."), Some(FileKind::Gif));
        assert_eq!(
            FileKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(FileKind::Webp)
        );
        assert_eq!(FileKind::sniff(b"%PDF-1.7"), Some(FileKind::Pdf));
        for other in [
            &b""[..],
            b"\x89PN",
            b"RIFF\0\0\0\0WAVEfmt ",
            b"<svg xmlns=",
            b"<html>",
            b"GIF88a",
            b"PK\x03\x04",
        ] {
            assert_eq!(FileKind::sniff(other), None, "{other:?}");
        }
    }

    #[test]
    fn extensions_match_case_insensitively_and_keys_map_back() {
        assert!(FileKind::Jpeg.matches_extension("JPEG"));
        assert!(FileKind::Jpeg.matches_extension("jpg"));
        assert!(!FileKind::Png.matches_extension("jpg"));
        assert!(FileKind::Webp.matches_extension("WebP"));
        assert_eq!(FileKind::of_key("uploads/u/f.webp"), Some(FileKind::Webp));
        assert_eq!(
            FileKind::of_key("thumbnails/u/f_thumb.jpg"),
            Some(FileKind::Jpeg)
        );
        assert_eq!(FileKind::of_key("uploads/u/f.exe"), None);
        assert_eq!(FileKind::of_key("uploads/u/f"), None);
    }
}
