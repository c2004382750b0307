//! SPEC §6 over HTTP, on both object stores: uploads, thumbnails, serving, deletion.

use std::time::Duration;

use crate::support::media_fixtures::{Store, app_on, pdf, png, png_bomb, stored_objects};
use crate::support::{TestApp, wait_for};

async fn media_rows(app: &TestApp) -> i64 {
    let db = app.pool.get().await.unwrap();
    db.query_one("SELECT count(*) FROM media", &[])
        .await
        .unwrap()
        .get(0)
}

async fn an_image_goes_all_the_way_to_search(store: Store) {
    let (app, _s3) = app_on(store, &[]).await;
    let ana = app.user("ana").await;
    let project_id = app.project(&ana, "Harbour lights").await;
    let bytes = png(640, 480);

    let reply = app
        .upload(
            &ana.access,
            "../../My Photo.PNG",
            bytes.clone(),
            Some(&project_id),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let media = reply.json();
    let id = media["id"].as_str().unwrap();
    let stored = format!("uploads/{}/{id}.png", ana.id);
    assert_eq!(media["file_path"], stored);
    assert_eq!(media["file_url"], format!("/media/{stored}"));
    assert_eq!(media["filename"], format!("{id}.png"));
    assert_eq!(media["original_filename"], "My Photo.PNG");
    assert_eq!(media["file_size"], bytes.len());
    assert_eq!(media["mime_type"], "image/png");
    assert_eq!(media["project_id"], project_id.as_str());
    assert_eq!(media["user_id"], ana.id.as_str());
    assert_eq!(media["thumbnail_status"], "pending");
    assert!(media["thumbnail_url"].is_null());
    assert!(media["created_at"].is_string());

    let (status, headers, body) = app.fetch(&format!("/media/{stored}")).await;
    assert_eq!(status, 200);
    assert_eq!(body, bytes);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    let again = app
        .client
        .get(app.url(&format!("/api/v1/media/{stored}")))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);

    let done = app.settled(id).await;
    assert_eq!(done["thumbnail_status"], "done", "{done}");
    let thumb_path = format!("thumbnails/{}/{id}_thumb.jpg", ana.id);
    assert_eq!(done["thumbnail_url"], format!("/media/{thumb_path}"));
    let (status, headers, jpeg) = app.fetch(&format!("/media/{thumb_path}")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    let thumb = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (300, 225));
    let metrics = app.metrics().await.text;
    assert!(
        metrics.contains(r#"thumbnail_duration_seconds_count{outcome="made"} 1"#),
        "{metrics}"
    );
    let api = app.openapi().await.json();
    for path in [
        "/media/upload",
        "/media/{id}",
        "/media",
        "/media/thumbnails/{path}",
    ] {
        assert!(
            api["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }

    // The project shows it, and so does search (project.updated → index).
    let url = done["thumbnail_url"].clone();
    let reply = app.get_project(&project_id).await;
    assert_eq!(reply.json()["thumbnail_url"], url);
    let found = wait_for(Duration::from_secs(10), || {
        let reply = app.search("query=harbour");
        let url = url.clone();
        async move { reply.await.json()["results"][0]["thumbnail_url"] == url }
    })
    .await;
    assert!(found, "search never showed the thumbnail");

    let listed = app
        .list_media(&format!("project_id={project_id}"))
        .await
        .json();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["id"], id);

    let reply = app.delete_media(&ana.access, &id).await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    app.get_media(&id).await.problem(404, "not_found");
    for path in [&stored, &thumb_path] {
        let (status, _, _) = app.fetch(&format!("/media/{path}")).await;
        assert_eq!(status, 404, "{path} still served after delete");
    }
    // The project no longer shows the deleted thumbnail, and neither does search.
    let reply = app.get_project(&project_id).await;
    assert!(reply.json()["thumbnail_url"].is_null(), "{}", reply.text);
    let cleared = wait_for(Duration::from_secs(10), || {
        let reply = app.search("query=harbour");
        async move { reply.await.json()["results"][0]["thumbnail_url"].is_null() }
    })
    .await;
    assert!(cleared, "search still shows the deleted thumbnail");
    assert_eq!(media_rows(&app).await, 0);
}

#[actix_web::test]
async fn an_image_goes_all_the_way_to_search_on_the_filesystem() {
    an_image_goes_all_the_way_to_search(Store::Fs).await;
}

#[actix_web::test]
async fn an_image_goes_all_the_way_to_search_on_s3() {
    an_image_goes_all_the_way_to_search(Store::S3).await;
}

#[actix_web::test]
async fn an_image_goes_all_the_way_to_search_on_seaweedfs() {
    an_image_goes_all_the_way_to_search(Store::SeaweedFs).await;
}

async fn refused_uploads_store_nothing(store: Store) {
    let (app, s3) = app_on(store, &[("MAX_IMAGE_PIXELS", "50000000")]).await;
    let ana = app.user("ana").await;
    let fake_png = b"<html><script>alert(1)</script></html>".to_vec();
    app.upload(&ana.access, "cat.png", fake_png, None)
        .await
        .problem(415, "unsupported_media_type");
    app.upload(&ana.access, "cat.jpg", png(8, 8), None)
        .await
        .problem(415, "unsupported_media_type");
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec();
    app.upload(&ana.access, "logo.svg", svg, None)
        .await
        .problem(415, "unsupported_media_type");
    app.upload(&ana.access, "empty.png", Vec::new(), None)
        .await
        .problem(415, "unsupported_media_type");
    let doc = app
        .upload(&ana.access, "bomb.png", png_bomb(), None)
        .await
        .problem(422, "image_too_large");
    assert!(
        doc["detail"].as_str().unwrap().contains("8000×8000"),
        "{doc}"
    );
    let mut broken = png(8, 8);
    broken.truncate(12);
    app.upload(&ana.access, "broken.png", broken, None)
        .await
        .problem(422, "undecodable_image");
    assert_eq!(media_rows(&app).await, 0);
    assert_eq!(stored_objects(&app, s3.s3s_root()), Vec::<String>::new());
    // The check sees objects when there are some.
    let kept = app
        .upload(&ana.access, "ok.png", png(8, 8), None)
        .await
        .json();
    let listed = stored_objects(&app, s3.s3s_root());
    assert!(
        listed
            .iter()
            .any(|p| p == kept["file_path"].as_str().unwrap()),
        "{listed:?}"
    );
}

#[actix_web::test]
async fn refused_uploads_store_nothing_on_the_filesystem() {
    refused_uploads_store_nothing(Store::Fs).await;
}

#[actix_web::test]
async fn refused_uploads_store_nothing_on_s3() {
    refused_uploads_store_nothing(Store::S3).await;
}

#[actix_web::test]
async fn a_pdf_is_kept_without_a_thumbnail() {
    let (app, _s3) = app_on(Store::Fs, &[]).await;
    let ana = app.user("ana").await;
    let reply = app.upload(&ana.access, "cv.pdf", pdf(), None).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let media = reply.json();
    assert_eq!(media["mime_type"], "application/pdf");
    assert_eq!(media["thumbnail_status"], "skipped");
    let (status, headers, body) = app.fetch(media["file_url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body, pdf());
    assert_eq!(headers["content-type"], "application/pdf");
    // A name without an extension is fine: the bytes decide.
    let reply = app.upload(&ana.access, "scan", pdf(), None).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["original_filename"], "scan");
}

#[actix_web::test]
async fn every_accepted_image_type_gets_a_thumbnail() {
    use crate::support::media_fixtures::{encode, halves};
    use image::{DynamicImage, ImageFormat};
    let (app, _s3) = app_on(Store::Fs, &[]).await;
    let ana = app.user("ana").await;
    let picture = DynamicImage::ImageRgb8(halves(900, 300));
    for (name, format, mime) in [
        ("a.jpeg", ImageFormat::Jpeg, "image/jpeg"),
        ("a.png", ImageFormat::Png, "image/png"),
        ("a.gif", ImageFormat::Gif, "image/gif"),
        ("a.webp", ImageFormat::WebP, "image/webp"),
    ] {
        let bytes = encode(picture.clone(), format);
        let reply = app.upload(&ana.access, name, bytes, None).await;
        assert_eq!(reply.status, 201, "{name}: {}", reply.text);
        let media = reply.json();
        assert_eq!(media["mime_type"], mime);
        let done = app.settled(media["id"].as_str().unwrap()).await;
        assert_eq!(done["thumbnail_status"], "done", "{name}: {done}");
        let (_, _, jpeg) = app.fetch(done["thumbnail_url"].as_str().unwrap()).await;
        let thumb = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (300, 100), "{name}");
    }
}

#[actix_web::test]
async fn urls_carry_the_public_base_url_when_it_is_set() {
    let (app, _s3) = app_on(Store::Fs, &[("PUBLIC_BASE_URL", "https://cdn.example/")]).await;
    let ana = app.user("ana").await;
    let project_id = app.project(&ana, "Prefixed").await;
    let media = app
        .upload(&ana.access, "a.png", png(400, 200), Some(&project_id))
        .await
        .json();
    let path = media["file_path"].as_str().unwrap();
    assert_eq!(
        media["file_url"],
        format!("https://cdn.example/media/{path}")
    );
    let done = app.settled(media["id"].as_str().unwrap()).await;
    let thumbnail = done["thumbnail_url"].as_str().unwrap().to_owned();
    assert!(
        thumbnail.starts_with("https://cdn.example/media/thumbnails/"),
        "{thumbnail}"
    );
    let reply = app.get_project(&project_id).await;
    assert_eq!(reply.json()["thumbnail_url"], thumbnail.as_str());
    // The files themselves are still served under /media/ on this server.
    let local = thumbnail.trim_start_matches("https://cdn.example");
    assert_eq!(app.fetch(local).await.0, 200);
}
