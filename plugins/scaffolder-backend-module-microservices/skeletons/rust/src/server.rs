//! Process lifecycle: database, HTTP server with connection timeouts, graceful shutdown.
//!
//! `axum::serve` has no timeouts, so connections are served here with hyper directly: each socket is wrapped
//! in [`TimedIo`], which enforces the header-read, idle and write timeouts, and each connection is closed
//! gracefully (see [`linger`]).

use std::{
    convert::Infallible,
    future::{Future, pending, poll_fn},
    io,
    net::{Ipv4Addr, SocketAddr},
    pin::{Pin, pin},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll, ready},
    time::Duration,
};

use axum::{Router, response::Response, routing::future::RouteFuture};
use hyper::{
    body::{Body as _, Bytes, Frame, Incoming, SizeHint},
    server::conn::http1,
};
use hyper_util::rt::TokioIo;
use pin_project_lite::pin_project;
use sqlx::PgPool;
use tokio::{
    io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::watch,
    time::{Instant, Sleep, sleep, timeout, timeout_at},
};
use tower::Service as _;

use crate::{
    app::{AppState, Readiness, router},
    config::Config,
    db,
    repository::PgRepository,
    telemetry::Telemetry,
};

type RouterFuture = RouteFuture<Infallible>;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot connect to the database (DATABASE_URL): {0}")]
    Database(#[from] sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database migrations did not finish within {} s", db::MIGRATION_WAIT.as_secs())]
    MigrateTimeout,
    #[error("cannot listen on port {port} (PORT): {source}")]
    Bind { port: u16, source: io::Error },
}

/// Connection timeouts. The request timeout (`REQUEST_TIMEOUT` in `app.rs`, 15 s) bounds reading the body and
/// running the handler.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From a request's first byte (the connection's start, for the first request) to its last header byte; a
    /// client that trickles its headers is cut off. Also how often a connection checks its deadlines, so the
    /// cut comes within one to two of these.
    pub header_read: Duration,
    /// A keep-alive connection with no request for this long is closed.
    pub idle: Duration,
    /// A response write that makes no progress for this long ends the connection.
    pub write: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(5),
            idle: Duration::from_secs(60),
            write: Duration::from_secs(15),
        }
    }
}

/// How [`serve`] stops: at `signal`, `/ready` turns 503 while requests are still served for `delay` (so the
/// load balancer stops routing here first); then the listener closes and open connections get `drain_timeout`
/// to finish their requests.
pub struct Shutdown<F> {
    pub signal: F,
    pub readiness: Readiness,
    pub delay: Duration,
    pub drain_timeout: Duration,
}

/// Runs until SIGTERM or SIGINT, then shuts down as [`Shutdown`] describes, flushes traces and closes the pool.
pub async fn run(config: Config, telemetry: Telemetry) -> Result<(), ServerError> {
    // Polled first, so the signal handlers are in place before start-up: a signal then ends it cleanly too.
    let mut signal = pin!(shutdown_signal());
    let started = tokio::select! {
        biased;
        () = &mut signal => None,
        started = start(&config) => Some(started?),
    };
    let Some(Started {
        listener,
        app,
        readiness,
        pool,
    }) = started
    else {
        tracing::info!("shutdown signal received during start-up");
        telemetry.shutdown().await;
        return Ok(());
    };

    let shutdown = Shutdown {
        signal,
        readiness,
        delay: config.shutdown_delay,
        drain_timeout: config.shutdown_timeout,
    };
    if !serve(listener, app, Timeouts::default(), shutdown).await {
        tracing::warn!(
            timeout_seconds = config.shutdown_timeout.as_secs(),
            "in-flight requests did not finish in time, stopping anyway"
        );
    }

    telemetry.shutdown().await;
    // Connections still held by requests that outlived the drain would keep `close` waiting.
    if timeout(Duration::from_secs(5), pool.close()).await.is_err() {
        tracing::warn!("database connections still in use at exit");
    }
    tracing::info!("shutdown complete");
    Ok(())
}

struct Started {
    listener: TcpListener,
    app: Router,
    readiness: Readiness,
    pool: PgPool,
}

/// Connects to the database, applies the migrations, builds the application and binds the port.
async fn start(config: &Config) -> Result<Started, ServerError> {
    let pool = db::connect(config).await?;
    timeout(db::MIGRATION_WAIT, db::migrate(&pool))
        .await
        .map_err(|_| ServerError::MigrateTimeout)??;
    tracing::info!("database ready, migrations applied");

    let state = AppState::new(config, PgRepository::new(pool.clone()));
    let readiness = state.readiness.clone();
    let metrics = state.metrics.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            metrics.run_upkeep();
        }
    });
    let app = router(config, state);

    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, config.port));
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind {
            port: config.port,
            source,
        })?;
    tracing::info!(port = config.port, "listening");
    Ok(Started {
        listener,
        app,
        readiness,
        pool,
    })
}

/// Serves HTTP/1.1 on `listener` until `shutdown.signal`, then stops as [`Shutdown`] describes. Returns whether
/// every connection finished within the drain timeout.
pub async fn serve<F>(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: Shutdown<F>,
) -> bool
where
    F: Future<Output = ()>,
{
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut http = http1::Builder::new();
    // Without a timer hyper enforces no timeouts of its own: `TimedIo` does.
    http.header_read_timeout(None);
    let server = Server {
        listener,
        app,
        timeouts,
        http,
        closing: closing_rx,
    };

    server.accept_until(shutdown.signal).await;
    shutdown.readiness.begin_shutdown();
    tracing::info!(
        delay_seconds = shutdown.delay.as_secs(),
        "shutdown signal received; /ready answers 503, requests are still served"
    );
    server.accept_until(sleep(shutdown.delay)).await;

    // From here on new connections are refused; open ones finish their current request and close.
    drop(server);
    tracing::info!(
        timeout_seconds = shutdown.drain_timeout.as_secs(),
        "listener closed, draining in-flight requests"
    );
    let _ = closing_tx.send(true);
    timeout(shutdown.drain_timeout, closing_tx.closed())
        .await
        .is_ok()
}

struct Server {
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    http: http1::Builder,
    /// Every connection holds a receiver: the sender sees them all gone once the drain is over.
    closing: watch::Receiver<bool>,
}

impl Server {
    async fn accept_until(&self, until: impl Future<Output = ()>) {
        let mut until = pin!(until);
        loop {
            tokio::select! {
                () = &mut until => return,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => self.spawn_connection(stream),
                    // A client that gave up before being accepted.
                    Err(err) if matches!(
                        err.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                    ) => {}
                    Err(err) => {
                        // Out of file descriptors and the like: back off rather than spin.
                        tracing::warn!(error = %err, "cannot accept a connection");
                        sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
    }

    fn spawn_connection(&self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let clock = Arc::new(ConnClock::new());
        let io = TokioIo::new(TimedIo::new(stream, Arc::clone(&clock), self.timeouts));
        let service = AppService {
            app: self.app.clone(),
            clock: Arc::clone(&clock),
        };
        let conn = self.http.serve_connection(io, service);
        tokio::spawn(serve_connection(conn, clock, self.closing.clone()));
    }
}

type Connection = http1::Connection<TokioIo<TimedIo>, AppService>;

async fn serve_connection(
    mut conn: Connection,
    clock: Arc<ConnClock>,
    mut closing: watch::Receiver<bool>,
) {
    let mut closing_seen = false;
    let outcome = loop {
        tokio::select! {
            outcome = poll_fn(|cx| conn.poll_without_shutdown(cx)) => break outcome,
            _ = closing.changed(), if !closing_seen => {
                closing_seen = true;
                clock.closing.store(true, Ordering::Relaxed);
                // Idle connections close now; busy ones after their current response.
                Pin::new(&mut conn).graceful_shutdown();
            }
        }
    };
    match outcome {
        Ok(()) if clock.unread_body.load(Ordering::Relaxed) => {
            let stream = conn.into_parts().io.into_inner().stream;
            Box::pin(linger(stream)).await;
        }
        Ok(()) => {}
        Err(err) => tracing::debug!(error = %err, "connection closed"),
    }
}

/// Closes a connection whose last request was answered before its body was read (413, 401) without resetting
/// it. After sending FIN it reads, and discards, what the client is still sending: closing a socket with unread
/// data makes the kernel send a reset, which can destroy the answer before the client has read it.
async fn linger(mut stream: TcpStream) {
    const QUIET: Duration = Duration::from_secs(2);
    const TOTAL: Duration = Duration::from_secs(10);
    const MAX_BYTES: usize = 64 << 20;
    if stream.shutdown().await.is_err() {
        return;
    }
    let deadline = Instant::now() + TOTAL;
    let mut buf = [0u8; 8192];
    let mut discarded = 0;
    while discarded < MAX_BYTES {
        let quiet = (Instant::now() + QUIET).min(deadline);
        match timeout_at(quiet, stream.read(&mut buf)).await {
            Ok(Ok(read)) if read > 0 => discarded += read,
            _ => return,
        }
    }
}

/// The application as a hyper service, telling the connection's clock when a request starts and ends.
#[derive(Clone)]
struct AppService {
    app: Router,
    clock: Arc<ConnClock>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for AppService {
    type Response = Response;
    type Error = Infallible;
    type Future = AppFuture;

    fn call(&self, req: hyper::Request<Incoming>) -> Self::Future {
        self.clock.request_started(req.body().is_end_stream());
        let req = req.map(|body| TrackedBody {
            body,
            clock: Arc::clone(&self.clock),
        });
        AppFuture {
            // A router is always ready.
            inner: self.app.clone().call(req),
            clock: Arc::clone(&self.clock),
        }
    }
}

pin_project! {
    struct AppFuture {
        #[pin]
        inner: RouterFuture,
        clock: Arc<ConnClock>,
    }
}

impl Future for AppFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx));
        this.clock.response_ready();
        Poll::Ready(response)
    }
}

/// A request body that tells the connection's clock once it has been read to the end.
struct TrackedBody {
    body: Incoming,
    clock: Arc<ConnClock>,
}

impl hyper::body::Body for TrackedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.body.is_end_stream() {
            self.clock.unread_body.store(false, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A connection's state for its timeouts, shared by the socket and the service (which run in one task, hence
/// relaxed atomics). Times are milliseconds since the connection began, plus one; zero means unset.
struct ConnClock {
    began: Instant,
    /// No request is in progress: the next bytes are a new request's head.
    awaiting_head: AtomicBool,
    head_started: AtomicU64,
    last_activity: AtomicU64,
    write_blocked: AtomicU64,
    closing: AtomicBool,
    /// The current (or last) request's body has not been read to the end.
    unread_body: AtomicBool,
}

impl ConnClock {
    fn new() -> Self {
        // The first request's header timeout runs from the connection's start.
        Self {
            began: Instant::now(),
            awaiting_head: AtomicBool::new(true),
            head_started: AtomicU64::new(1),
            last_activity: AtomicU64::new(1),
            write_blocked: AtomicU64::new(0),
            closing: AtomicBool::new(false),
            unread_body: AtomicBool::new(false),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.began.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    fn bytes_read(&self) {
        if self.awaiting_head.load(Ordering::Relaxed)
            && self.head_started.load(Ordering::Relaxed) == 0
        {
            self.head_started.store(self.now(), Ordering::Relaxed);
        }
    }

    fn request_started(&self, without_body: bool) {
        self.awaiting_head.store(false, Ordering::Relaxed);
        self.head_started.store(0, Ordering::Relaxed);
        self.unread_body.store(!without_body, Ordering::Relaxed);
    }

    fn response_ready(&self) {
        self.last_activity.store(self.now(), Ordering::Relaxed);
        self.awaiting_head.store(true, Ordering::Relaxed);
    }

    fn wrote(&self) {
        self.write_blocked.store(0, Ordering::Relaxed);
        self.last_activity.store(self.now(), Ordering::Relaxed);
    }

    fn write_pending(&self) {
        if self.write_blocked.load(Ordering::Relaxed) == 0 {
            self.write_blocked.store(self.now(), Ordering::Relaxed);
        }
    }

    /// During shutdown a request that has not finished arriving is dropped rather than waited for.
    fn abandon_partial_head(&self) -> bool {
        self.closing.load(Ordering::Relaxed)
            && self.awaiting_head.load(Ordering::Relaxed)
            && self.head_started.load(Ordering::Relaxed) != 0
    }

    /// The timeout that has expired, if any.
    fn expired(&self, timeouts: &Timeouts) -> Option<&'static str> {
        let now = self.now();
        let elapsed = |since: &AtomicU64| {
            Duration::from_millis(now.saturating_sub(since.load(Ordering::Relaxed)))
        };
        if self.write_blocked.load(Ordering::Relaxed) != 0
            && elapsed(&self.write_blocked) >= timeouts.write
        {
            return Some("response write timed out");
        }
        if !self.awaiting_head.load(Ordering::Relaxed) {
            return None;
        }
        if self.head_started.load(Ordering::Relaxed) != 0 {
            (elapsed(&self.head_started) >= timeouts.header_read)
                .then_some("request header read timed out")
        } else {
            (elapsed(&self.last_activity) >= timeouts.idle).then_some("idle connection closed")
        }
    }
}

/// The socket, failing reads and writes once a deadline of [`Timeouts`] has passed. The deadlines are checked
/// whenever the socket is not ready, and on a timer that fires every `header_read`.
struct TimedIo {
    stream: TcpStream,
    clock: Arc<ConnClock>,
    timeouts: Timeouts,
    tick: Pin<Box<Sleep>>,
}

impl TimedIo {
    fn new(stream: TcpStream, clock: Arc<ConnClock>, timeouts: Timeouts) -> Self {
        Self {
            stream,
            clock,
            timeouts,
            tick: Box::pin(sleep(timeouts.header_read)),
        }
    }

    /// Called when the socket is not ready: the error to end the connection with, or `None` to keep waiting
    /// (with the timer armed to check again).
    fn check(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        while self.tick.as_mut().poll(cx).is_ready() {
            if let Some(reason) = self.clock.expired(&self.timeouts) {
                return Some(io::Error::new(io::ErrorKind::TimedOut, reason));
            }
            self.tick
                .as_mut()
                .reset(Instant::now() + self.timeouts.header_read);
        }
        None
    }
}

impl AsyncRead for TimedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let filled = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > filled {
                    this.clock.bytes_read();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if this.clock.abandon_partial_head() => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "server shutting down",
            ))),
            Poll::Pending => this
                .check(cx)
                .map_or(Poll::Pending, |err| Poll::Ready(Err(err))),
            ready => ready,
        }
    }
}

impl TimedIo {
    fn after_write(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match polled {
            Poll::Ready(Ok(written)) => {
                self.clock.wrote();
                Poll::Ready(Ok(written))
            }
            Poll::Pending => {
                self.clock.write_pending();
                self.check(cx)
                    .map_or(Poll::Pending, |err| Poll::Ready(Err(err)))
            }
            ready => ready,
        }
    }
}

impl AsyncWrite for TimedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.after_write(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.after_write(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for SIGINT");
            pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
