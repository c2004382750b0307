//! Compressed JSON answers (issue 17): a JSON body of at least `COMPRESS_MIN_BYTES`
//! travels brotli- or gzip-encoded when the client's `Accept-Encoding` allows it,
//! with `Vary: Accept-Encoding`. Smaller bodies, streamed bodies (media files) and
//! other types are left alone: below about a kilobyte the encoded body saves less
//! than the work costs, and images are compressed already.

use std::io::Write;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

/// Fast levels (brotli's default is 11, gzip's 6): a page of projects is written once
/// per request, so the encoder's time counts more than the last few per cent of bytes;
/// BENCHMARKS.md has the cost and the sizes.
const BROTLI_QUALITY: u32 = 4;
const BROTLI_WINDOW_BITS: u32 = 20;
const GZIP_LEVEL: u32 = 5;

/// The smallest JSON body worth compressing; `None` turns compression off.
#[derive(Debug, Clone, Copy)]
pub struct CompressionPolicy {
    pub min_bytes: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
        }
    }

    pub fn encode(self, body: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Encoding::Brotli => {
                let mut out = Vec::with_capacity(body.len() / 4);
                {
                    let mut writer = brotli::CompressorWriter::new(
                        &mut out,
                        4096,
                        BROTLI_QUALITY,
                        BROTLI_WINDOW_BITS,
                    );
                    writer.write_all(body)?;
                    writer.flush()?;
                }
                Ok(out)
            }
            Encoding::Gzip => {
                let out = Vec::with_capacity(body.len() / 4);
                let mut writer =
                    flate2::write::GzEncoder::new(out, flate2::Compression::new(GZIP_LEVEL));
                writer.write_all(body)?;
                writer.finish()
            }
        }
    }
}

/// The encoding `Accept-Encoding` prefers among brotli and gzip (RFC 9110 §12.5.3):
/// the highest non-zero `q`, brotli on a tie; `*` stands for a coding not named;
/// `x-gzip` is gzip. `None` when neither is acceptable.
pub fn negotiate(accept_encoding: &str) -> Option<Encoding> {
    let (mut br, mut gzip, mut any) = (None, None, None);
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = 1.0_f32;
        for param in parts {
            if let Some((name, value)) = param.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                q = value.trim().parse().unwrap_or(0.0);
            }
        }
        match coding.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => any = Some(q),
            _ => {}
        }
    }
    let br = br.or(any).unwrap_or(0.0);
    let gzip = gzip.or(any).unwrap_or(0.0);
    if br <= 0.0 && gzip <= 0.0 {
        None
    } else if br >= gzip {
        Some(Encoding::Brotli)
    } else {
        Some(Encoding::Gzip)
    }
}

fn is_json(content_type: Option<&HeaderValue>) -> bool {
    content_type
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim())
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"))
}

/// The middleware: compresses an eligible answer after the handler has made it.
pub async fn compress_json(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let min_bytes = req
        .app_data::<web::Data<CompressionPolicy>>()
        .and_then(|policy| policy.min_bytes);
    let wanted = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .and_then(negotiate);
    let res = next.call(req).await?;
    let Some(min_bytes) = min_bytes else {
        return Ok(res.map_into_boxed_body());
    };
    if !is_json(res.headers().get(header::CONTENT_TYPE))
        || res.headers().contains_key(header::CONTENT_ENCODING)
    {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(bytes) if bytes.len() >= min_bytes => bytes,
        Ok(small) => return Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(small)))),
        Err(streamed) => return Ok(ServiceResponse::new(req, res.set_body(streamed.boxed()))),
    };
    // Whether or not this client gets it compressed, another would: caches must key
    // on the header.
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let encoded = wanted.and_then(|encoding| {
        let encoded = encoding.encode(&bytes).ok()?;
        (encoded.len() < bytes.len()).then_some((encoding, encoded))
    });
    let body = match encoded {
        Some((encoding, encoded)) => {
            res.headers_mut().insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static(encoding.token()),
            );
            BoxBody::new(encoded)
        }
        None => BoxBody::new(bytes),
    };
    Ok(ServiceResponse::new(req, res.set_body(body)))
}

#[cfg(test)]
mod tests {
    use super::{Encoding, negotiate};

    #[test]
    fn accept_encoding_picks_the_preferred_of_brotli_and_gzip() {
        assert_eq!(negotiate("gzip, deflate, br"), Some(Encoding::Brotli));
        assert_eq!(negotiate("gzip"), Some(Encoding::Gzip));
        assert_eq!(negotiate("x-gzip"), Some(Encoding::Gzip));
        assert_eq!(negotiate("br;q=0.5, gzip;q=0.8"), Some(Encoding::Gzip));
        assert_eq!(negotiate("br;q=0, gzip"), Some(Encoding::Gzip));
        assert_eq!(negotiate("*"), Some(Encoding::Brotli));
        assert_eq!(negotiate("*;q=0.1, br;q=0"), Some(Encoding::Gzip));
        assert_eq!(negotiate("identity"), None);
        assert_eq!(negotiate("gzip;q=0, br;Q=0"), None);
        assert_eq!(negotiate("deflate, zstd"), None);
        assert_eq!(negotiate("gzip;q=nonsense"), None);
        assert_eq!(negotiate(""), None);
    }

    #[test]
    fn both_encodings_round_trip() {
        use std::io::Read;
        let body = br#"{"items":[{"title":"kiln"}],"total":1}"#.repeat(50);
        let br = Encoding::Brotli.encode(&body).unwrap();
        let mut back = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, body);
        let gz = Encoding::Gzip.encode(&body).unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, body);
        assert!(br.len() < body.len() / 5 && gz.len() < body.len() / 5);
    }
}
