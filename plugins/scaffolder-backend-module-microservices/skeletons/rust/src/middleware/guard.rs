//! Bounds every request: a time limit for reading its body and answering, and a panic becomes `500 internal`.

use std::{
    any::Any,
    convert::Infallible,
    future::Future,
    panic::{AssertUnwindSafe, catch_unwind},
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    extract::Request,
    http::StatusCode,
    response::{IntoResponse as _, Response},
};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep, sleep_until};
use tower::{Layer, Service};

use crate::error::{ApiError, error_response};

#[derive(Clone, Copy)]
pub struct GuardLayer {
    pub timeout: Duration,
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            timeout: self.timeout,
        }
    }
}

#[derive(Clone)]
pub struct Guard<S> {
    inner: S,
    timeout: Duration,
}

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        match catch_unwind(AssertUnwindSafe(|| self.inner.call(req))) {
            Ok(future) => GuardFuture::Running {
                future,
                timeout: self.timeout,
                deadline: None,
            },
            Err(panic) => GuardFuture::Done {
                response: Some(panic_response(panic)),
            },
        }
    }
}

pin_project! {
    #[project = GuardProjection]
    pub enum GuardFuture<F> {
        Running {
            #[pin]
            future: F,
            timeout: Duration,
            // Armed only once the request has to wait: most answers need no timer at all.
            #[pin]
            deadline: Option<Sleep>,
        },
        Done {
            response: Option<Response>,
        },
    }
}

impl<F> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GuardProjection::Running {
                future,
                timeout,
                mut deadline,
            } => match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                Ok(Poll::Ready(result)) => Poll::Ready(result),
                Ok(Poll::Pending) => {
                    if deadline.is_none() {
                        deadline.set(Some(sleep_until(Instant::now() + *timeout)));
                    }
                    match deadline.as_pin_mut().map(|deadline| deadline.poll(cx)) {
                        Some(Poll::Ready(())) => Poll::Ready(Ok(error_response(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "unavailable",
                            "request timed out",
                            None,
                        ))),
                        _ => Poll::Pending,
                    }
                }
                Err(panic) => Poll::Ready(Ok(panic_response(panic))),
            },
            GuardProjection::Done { response } => Poll::Ready(Ok(response
                .take()
                .unwrap_or_else(|| ApiError::Internal.into_response()))),
        }
    }
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::{ServiceExt as _, service_fn};

    use super::*;

    async fn status_and_body(response: Response) -> (StatusCode, serde_json::Value) {
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn guarded<F, Fut>(
        handler: F,
    ) -> Guard<impl Service<Request, Response = Response, Error = Infallible>>
    where
        F: Fn() -> Fut + Clone,
        Fut: Future<Output = Response>,
    {
        GuardLayer {
            timeout: Duration::from_millis(50),
        }
        .layer(service_fn(move |_: Request| {
            let handler = handler.clone();
            async move { Ok::<_, Infallible>(handler().await) }
        }))
    }

    #[tokio::test]
    async fn a_panic_becomes_500_internal_without_its_detail() {
        let service = guarded(|| async { panic!("secret detail") });
        let response = service.oneshot(Request::new(Body::empty())).await.unwrap();
        let (status, body) = status_and_body(response).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            body,
            serde_json::json!({ "error": { "code": "internal", "message": "internal server error" } })
        );
    }

    #[tokio::test]
    async fn a_request_over_its_time_is_answered_503() {
        let service = guarded(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Response::new(Body::empty())
        });
        let response = service.oneshot(Request::new(Body::empty())).await.unwrap();
        let (status, body) = status_and_body(response).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["error"]["code"], "unavailable");
    }

    #[tokio::test]
    async fn quick_answers_pass_through() {
        let service = guarded(|| async { Response::new(Body::from("ok")) });
        let response = service.oneshot(Request::new(Body::empty())).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}
