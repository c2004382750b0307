//! The web app (issue 20), served by Troupe itself: `/` leads to `/app/`, every page
//! route under `/app/` answers the one HTML shell (the pages route on the client),
//! and the scripts and styles are embedded in the binary and served under names that
//! carry a hash of their bytes (`/app/assets/app.3f2a9c1e0b.js`), cached for a year
//! as immutable. There is no build step: the files in `web/` are plain ES modules and
//! CSS, so `cargo run --release` serves the app on a fresh clone. Modules import each
//! other by plain relative names; an import map in the shell points those names at
//! the hashed ones, and the Content-Security-Policy allows exactly that inline map
//! (by its SHA-256) and scripts of this origin — nothing inline otherwise.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::http::compression::{Encoding, negotiate};
use crate::http::problem;

const ASSET_PATH: &str = "/app/assets/";

struct Asset {
    name: &'static str,
    bytes: &'static [u8],
    content_type: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every embedded file, from `web/`: (name, content type).
macro_rules! assets {
    ($($name:literal => $kind:expr),* $(,)?) => {
        &[$(Asset {
            name: $name,
            bytes: include_bytes!(concat!("../../web/", $name)),
            content_type: $kind,
        }),*]
    };
}

const CSS: &str = "text/css; charset=utf-8";

const ASSETS: &[Asset] = assets![
    "app.js" => JS,
    "api.js" => JS,
    "dom.js" => JS,
    "cards.js" => JS,
    "gallery.js" => JS,
    "project.js" => JS,
    "profile.js" => JS,
    "auth.js" => JS,
    "account.js" => JS,
    "portfolio.js" => JS,
    "admin.js" => JS,
    "gate.js" => JS,
    "live.js" => JS,
    "scanner.js" => JS,
    // npm jsqr 1.4.0's dist/jsQR.js as published (a browser test compares the
    // bytes), loaded by the gate only where the browser has no QR detector.
    "vendor/jsQR.js" => JS,
    "app.css" => CSS,
];

const SHELL: &str = include_str!("../../web/index.html");

/// An asset with its bytes encoded once, at start, for clients that take brotli or
/// gzip (`None` where encoding would not make it smaller).
struct Served {
    asset: &'static Asset,
    brotli: Option<Vec<u8>>,
    gzip: Option<Vec<u8>>,
}

impl Served {
    fn new(asset: &'static Asset) -> Self {
        let smaller = |encoding: Encoding| {
            encoding
                .encode(asset.bytes)
                .ok()
                .filter(|encoded| encoded.len() < asset.bytes.len())
        };
        Served {
            asset,
            brotli: smaller(Encoding::Brotli),
            gzip: smaller(Encoding::Gzip),
        }
    }

    fn encoded(&self, encoding: Encoding) -> Option<&[u8]> {
        match encoding {
            Encoding::Brotli => self.brotli.as_deref(),
            Encoding::Gzip => self.gzip.as_deref(),
        }
    }
}

struct WebApp {
    /// Hashed name → asset.
    assets: HashMap<String, Served>,
    shell: String,
    csp: String,
}

/// `app.js` → `app.<10 hex digits of SHA-256>.js`; `vendor/jsQR.js` → `jsQR.<hex>.js`.
fn hashed_name(asset: &Asset) -> String {
    let digest = Sha256::digest(asset.bytes);
    let hex: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
    let name = asset.name.rsplit('/').next().unwrap_or(asset.name);
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hex}.{ext}"),
        None => format!("{name}.{hex}"),
    }
}

static APP: LazyLock<WebApp> = LazyLock::new(|| {
    let mut assets = HashMap::new();
    let mut shell = SHELL.to_owned();
    let mut imports = serde_json::Map::new();
    for asset in ASSETS {
        let hashed = hashed_name(asset);
        let url = format!("{ASSET_PATH}{hashed}");
        shell = shell.replace(&format!("{{{{{}}}}}", asset.name), &url);
        if asset.content_type == JS {
            imports.insert(format!("{ASSET_PATH}{}", asset.name), url.into());
        }
        assets.insert(hashed, Served::new(asset));
    }
    let import_map = serde_json::json!({ "imports": imports }).to_string();
    let map_hash = STANDARD.encode(Sha256::digest(import_map.as_bytes()));
    let shell = shell.replace("{{importmap}}", &import_map);
    let csp = format!(
        "default-src 'none'; script-src 'self' 'sha256-{map_hash}'; style-src 'self'; \
         img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
         font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    WebApp { assets, shell, csp }
});

/// `GET /`: to the app.
pub async fn root() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/app/"))
        .finish()
}

/// `GET /app`, `/app/…`: the shell; the page routes on the client.
pub async fn page() -> HttpResponse {
    let app = &*APP;
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, app.csp.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header(("Permissions-Policy", "camera=(self), microphone=()"))
        .body(app.shell.clone())
}

/// `GET /app/assets/{name}`: an embedded file by its hashed name, immutable, brotli-
/// or gzip-encoded when the client takes it.
pub async fn asset(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let Some(served) = APP.assets.get(name.as_str()) else {
        return problem::for_status(actix_web::http::StatusCode::NOT_FOUND);
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(served.asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::VARY, "accept-encoding"));
    let encoded = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .and_then(negotiate)
        .and_then(|encoding| Some((encoding, served.encoded(encoding)?)));
    match encoded {
        Some((encoding, bytes)) => response
            .insert_header((header::CONTENT_ENCODING, encoding.token()))
            .body(bytes),
        None => response.body(served.asset.bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_referenced_by_its_hashed_name_and_the_csp_allows_only_the_import_map() {
        let app = &*APP;
        assert!(!app.shell.contains("{{"), "every placeholder is filled");
        for asset in ASSETS {
            let hashed = hashed_name(asset);
            assert!(app.assets.contains_key(&hashed));
            assert!(
                app.assets[&hashed].brotli.is_some(),
                "{hashed} is worth encoding"
            );
            if asset.name != "api.js" {
                assert!(
                    app.shell.contains(&format!("{ASSET_PATH}{hashed}")),
                    "{hashed}"
                );
            }
        }
        let start = app.shell.find(r#"<script type="importmap">"#).unwrap() + 25;
        let end = start + app.shell[start..].find("</script>").unwrap();
        let map = &app.shell[start..end];
        let hash = STANDARD.encode(Sha256::digest(map.as_bytes()));
        assert!(app.csp.contains(&format!("'sha256-{hash}'")));
        assert!(!app.csp.contains("unsafe"));
    }
}
