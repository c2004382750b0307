//! Upload limits and thumbnail making.

use super::vars::{ConfigError, Vars};

/// `MAX_UPLOAD_BYTES`, `MAX_IMAGE_PIXELS`, `THUMBNAIL_*`, `GC_*`.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// Largest accepted upload in bytes (`MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// Images declaring more pixels are refused (`MAX_IMAGE_PIXELS`).
    pub max_image_pixels: u64,
    /// Thumbnails fit in this square (`THUMBNAIL_SIZE`).
    pub thumbnail_size: u32,
    /// JPEG quality of thumbnails, 1–100 (`THUMBNAIL_QUALITY`).
    pub thumbnail_quality: u8,
    /// Threads of the thumbnail pool (`THUMBNAIL_THREADS`; default: cores − 1, at least 1).
    pub thumbnail_threads: usize,
    /// Objects no row names are removed once older than this (`GC_GRACE_SECS`), so
    /// an upload in progress is never touched.
    pub gc_grace_secs: u64,
    /// How often a worker collects (`GC_INTERVAL_SECS`; 0: never, only `troupe gc`).
    pub gc_interval_secs: u64,
}

impl MediaSettings {
    pub(super) fn read(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(MediaSettings {
            max_upload_bytes: vars.number_in(
                "MAX_UPLOAD_BYTES",
                5 * 1024 * 1024,
                1..=1024 * 1024 * 1024,
                "from 1 byte to 1 GiB",
            )?,
            max_image_pixels: vars.number_in(
                "MAX_IMAGE_PIXELS",
                50_000_000,
                1..=1_000_000_000,
                "from 1 to 1000000000",
            )?,
            thumbnail_size: vars.number_in("THUMBNAIL_SIZE", 300, 16..=4096, "from 16 to 4096")?,
            thumbnail_quality: vars.number_in("THUMBNAIL_QUALITY", 85, 1..=100, "from 1 to 100")?,
            thumbnail_threads: vars
                .parse("THUMBNAIL_THREADS", super::default_cpu_pool_threads())?
                .max(1),
            gc_grace_secs: vars.parse("GC_GRACE_SECS", 3600)?,
            gc_interval_secs: vars.parse("GC_INTERVAL_SECS", 3600)?,
        })
    }
}
