//! Error responses that do not come from a handler: unknown routes, framework rejections, panics.

use std::any::Any;

use axum::{
    BoxError,
    body::{Body, Bytes, HttpBody},
    http::{self, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::error::{ApiError, error_response};

/// Fallback for paths outside every route.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".to_owned())
}

/// Rewrites error responses that are not JSON yet (405 from the router, 413 from the body limit, the
/// timeout's 503, extractor rejections) into the contract's error shape, keeping status and headers.
pub async fn json_errors<B>(response: http::Response<B>) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response.map(Body::new);
    }
    let (code, message) = match status {
        StatusCode::UNAUTHORIZED => ("unauthorized", "authentication required"),
        StatusCode::NOT_FOUND => ("not_found", "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "request body is too large"),
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "request timed out"),
        status if status.is_server_error() => ("internal", "internal server error"),
        _ => ("bad_request", "bad request"),
    };
    let (mut parts, _) = response.into_parts();
    let (json_parts, body) = error_response(status, code, message, None).into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, body)
}

/// Turns a panic into `500 internal`; the panic message goes to the log only.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic payload");
    tracing::error!(panic = detail, "request handler panicked");
    ApiError::Internal.into_response()
}
