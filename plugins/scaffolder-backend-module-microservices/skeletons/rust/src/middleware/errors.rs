//! Error responses that do not come from a handler: unknown routes and framework answers.

use axum::{
    http::{StatusCode, header},
    response::Response,
};

use crate::error::{ApiError, error_response};

/// Fallback for paths outside every route.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".to_owned())
}

/// The last touch on every response: CORS preflights are answered `204 No Content` (tower-http answers 200), and
/// error responses that are not JSON yet (405 from the router, with its `Allow` header) get the contract's error
/// shape, keeping status and headers.
pub fn finish(mut response: Response) -> Response {
    let status = response.status();
    // Only preflight answers carry Access-Control-Allow-Methods.
    if status == StatusCode::OK
        && response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_METHODS)
    {
        *response.status_mut() = StatusCode::NO_CONTENT;
        return response;
    }
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::UNAUTHORIZED => ("unauthorized", "authentication required"),
        StatusCode::NOT_FOUND => ("not_found", "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "request body is too large"),
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "service unavailable"),
        status if status.is_server_error() => ("internal", "internal server error"),
        _ => ("bad_request", "bad request"),
    };
    let (mut parts, _) = response.into_parts();
    let (json_parts, body) = error_response(status, code, message, None).into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, body)
}
