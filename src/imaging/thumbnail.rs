//! Making a thumbnail: decode under limits, fit in a square keeping the aspect
//! (never enlarging), apply the EXIF orientation, flatten transparency onto white,
//! and encode a JPEG that carries no metadata. Pure CPU work: the caller runs it on
//! the `ThumbnailerPool`'s threads.

use std::io::Cursor;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{PixelType, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageReader, Limits, RgbImage};

/// What a thumbnail must be.
#[derive(Debug, Clone, Copy)]
pub struct ThumbnailSpec {
    /// The square it must fit in (`THUMBNAIL_SIZE`).
    pub size: u32,
    /// JPEG quality 1–100 (`THUMBNAIL_QUALITY`).
    pub quality: u8,
    /// Images declaring more pixels are refused before decoding (`MAX_IMAGE_PIXELS`).
    pub max_pixels: u64,
}

/// Which resampler shrinks the image. Production uses `FastImageResize`; the other
/// is kept so the benchmark can show what the choice buys (BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resampler {
    FastImageResize,
    ImageCrate,
}

/// A finished thumbnail.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

pub fn make_thumbnail(bytes: &[u8], spec: &ThumbnailSpec) -> Result<Thumbnail, String> {
    make_thumbnail_with(bytes, spec, Resampler::FastImageResize)
}

pub fn make_thumbnail_with(
    bytes: &[u8],
    spec: &ThumbnailSpec,
    resampler: Resampler,
) -> Result<Thumbnail, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = Limits::default();
    // Room for the decoded pixels at up to 8 bytes each (16-bit RGBA).
    limits.max_alloc = Some(spec.max_pixels.saturating_mul(8));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > spec.max_pixels {
        return Err(format!(
            "{width}×{height} exceeds {} pixels",
            spec.max_pixels
        ));
    }
    // A broken orientation tag is not worth failing over: show the image as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    let (target_w, target_h) = fit(width, height, spec.size);
    // Shrink first, rotate the small result: the same picture for far less work.
    let small = match resampler {
        Resampler::FastImageResize => shrink_fast(image, target_w, target_h)?,
        Resampler::ImageCrate => {
            flatten(image.resize_exact(target_w, target_h, FilterType::Lanczos3))
        }
    };
    let mut oriented = DynamicImage::ImageRgb8(small);
    oriented.apply_orientation(orientation);
    let rgb = oriented.into_rgb8();
    let mut jpeg = Vec::with_capacity(32 * 1024);
    JpegEncoder::new_with_quality(&mut jpeg, spec.quality.clamp(1, 100))
        .encode(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            ExtendedColorType::Rgb8,
        )
        .map_err(|e| e.to_string())?;
    Ok(Thumbnail {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// The size that fits `width`×`height` in a `size` square, keeping the aspect;
/// images that already fit keep their size.
pub fn fit(width: u32, height: u32, size: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= size {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(size) / f64::from(longest);
    let side = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, size);
    (side(width), side(height))
}

fn shrink_fast(image: DynamicImage, width: u32, height: u32) -> Result<RgbImage, String> {
    let has_alpha = image.color().has_alpha();
    let (src_w, src_h) = (image.width(), image.height());
    let (pixels, pixel_type) = if has_alpha {
        (image.into_rgba8().into_raw(), PixelType::U8x4)
    } else {
        (image.into_rgb8().into_raw(), PixelType::U8x3)
    };
    let src = ImageRef::new(src_w, src_h, &pixels, pixel_type).map_err(|e| e.to_string())?;
    let mut dst = Image::new(width, height, pixel_type);
    // Alpha is premultiplied during the resize (the crate's default), so transparent
    // pixels do not bleed their colour into the edges.
    Resizer::new()
        .resize(&src, &mut dst, &ResizeOptions::new())
        .map_err(|e| e.to_string())?;
    let buffer = dst.into_vec();
    let small = if has_alpha {
        image::RgbaImage::from_raw(width, height, buffer).map(DynamicImage::ImageRgba8)
    } else {
        RgbImage::from_raw(width, height, buffer).map(DynamicImage::ImageRgb8)
    };
    small
        .map(flatten)
        .ok_or_else(|| "resized buffer has the wrong size".to_owned())
}

/// RGB, with any transparency composited onto white (JPEG has no alpha).
fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let mut rgb = RgbImage::new(rgba.width(), rgba.height());
    for (out, px) in rgb.pixels_mut().zip(rgba.pixels()) {
        let alpha = u32::from(px[3]);
        for c in 0..3 {
            let blended = (u32::from(px[c]) * alpha + 255 * (255 - alpha) + 127) / 255;
            out[c] = blended as u8;
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgba, RgbaImage};

    fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    const SPEC: ThumbnailSpec = ThumbnailSpec {
        size: 300,
        quality: 85,
        max_pixels: 50_000_000,
    };

    #[test]
    fn fitting_keeps_the_aspect_and_never_enlarges() {
        assert_eq!(fit(1200, 600, 300), (300, 150));
        assert_eq!(fit(600, 1200, 300), (150, 300));
        assert_eq!(fit(100, 40, 300), (100, 40));
        assert_eq!(fit(10_000, 1, 300), (300, 1));
    }

    #[test]
    fn both_resamplers_make_the_same_sized_opaque_jpeg() {
        let mut source = RgbaImage::from_pixel(800, 400, Rgba([0, 0, 255, 0]));
        for x in 0..400 {
            for y in 0..400 {
                source.put_pixel(x, y, Rgba([255, 0, 0, 255]));
            }
        }
        let png = encode(DynamicImage::ImageRgba8(source), ImageFormat::Png);
        for resampler in [Resampler::FastImageResize, Resampler::ImageCrate] {
            let thumb = make_thumbnail_with(&png, &SPEC, resampler).unwrap();
            assert_eq!((thumb.width, thumb.height), (300, 150));
            let decoded = image::load_from_memory(&thumb.jpeg).unwrap().into_rgb8();
            let left = decoded.get_pixel(40, 75);
            let right = decoded.get_pixel(260, 75);
            assert!(left[0] > 200 && left[2] < 60, "{resampler:?} left {left:?}");
            // Transparent pixels become white, not black.
            assert!(
                right.0.iter().all(|&c| c > 220),
                "{resampler:?} right {right:?}"
            );
        }
    }

    #[test]
    fn images_declaring_too_many_pixels_are_refused_before_decoding() {
        let png = encode(
            DynamicImage::ImageLuma8(image::GrayImage::new(2000, 2000)),
            ImageFormat::Png,
        );
        let small = ThumbnailSpec {
            max_pixels: 1_000_000,
            ..SPEC
        };
        let error = make_thumbnail(&png, &small).unwrap_err();
        assert!(error.contains("exceeds"), "{error}");
    }

    #[test]
    fn undecodable_bytes_are_an_error_not_a_panic() {
        let mut png = encode(
            DynamicImage::ImageRgb8(RgbImage::new(64, 64)),
            ImageFormat::Png,
        );
        png.truncate(png.len() / 2);
        assert!(make_thumbnail(&png, &SPEC).is_err());
        assert!(make_thumbnail(b"\xFF\xD8\xFF garbage", &SPEC).is_err());
    }
}
