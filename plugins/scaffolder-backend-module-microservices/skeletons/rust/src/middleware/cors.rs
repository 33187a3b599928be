//! CORS for an explicit allow-list of origins (`CORS_ALLOWED_ORIGINS`).

use std::time::Duration;

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Listed origins get `Access-Control-Allow-Origin: <origin>` (with `Vary: Origin`); others get no CORS headers.
/// Preflights are answered here (turned into 204 by `errors::finish`).
pub fn layer(origins: &[HeaderValue]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
}
