//! `JsonObject<T>`: a JSON body that must be an object. serde's derived structs also
//! accept a JSON array (fields by position), so `[null, null]` sent to
//! `PUT /profile/me` would clear the first two fields; here it is a 400 instead, and
//! nothing changes. Size limit, content type and their problem answers are those of
//! `web::Json` (the app's `JsonConfig`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::http::problem;

pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let value = value.await?.into_inner();
            if !value.is_object() {
                return Err(AppError::Validation {
                    detail: "the JSON body must be an object".to_owned(),
                    errors: Default::default(),
                }
                .into());
            }
            // A wrong type or a missing field: answered as `web::Json` answers it.
            serde_json::from_value(value)
                .map(JsonObject)
                .map_err(|e| problem::json_error(JsonPayloadError::Deserialize(e), &req))
        })
    }
}
