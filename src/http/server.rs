//! [`HttpServer`]: the `chronus-http` thread. It binds the address first (so a bad
//! `--http` is an error before play starts), then runs a single-threaded tokio runtime
//! serving axum's router ([`super::routes::router`]) until the server is dropped. Tokio
//! contains a panic in one connection's task; the dispatching part of each mutating
//! request runs inside [`Faults::contain`](crate::fault::Faults::contain) too, so it is
//! counted and logged like OSC's. A thread that dies anyway is restarted by
//! [`fault::supervise`].

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

use super::rate_limit::RateLimiter;
use super::routes::{router, App};
use super::sources::Sources;
use crate::fault;

/// Where and how the server listens.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpOptions {
    /// Address and port (`127.0.0.1:8080`; port 0 picks a free one).
    pub bind: SocketAddr,
    /// Given with `--http` (must bind) rather than the default (busy: a warning).
    pub explicit: bool,
    /// Mutating requests per second per client, on average.
    pub rate: f64,
    /// Mutating requests a client may send at once.
    pub burst: u32,
    /// Largest request body, in bytes.
    pub max_body: usize,
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The address cannot be bound.
    #[error("cannot serve HTTP on {addr}: {error}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// The thread or its runtime could not start.
    #[error("cannot start the HTTP thread: {0}")]
    Thread(std::io::Error),
}

impl HttpError {
    /// The address is in use (another program, or a second `chronus play`).
    pub fn is_busy(&self) -> bool {
        matches!(self, HttpError::Bind { error, .. } if error.kind() == std::io::ErrorKind::AddrInUse)
    }
}

/// A running HTTP server; stops when dropped.
pub struct HttpServer {
    local: SocketAddr,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Binds `options.bind` and starts serving `sources`.
    pub fn start(options: &HttpOptions, sources: Sources) -> Result<HttpServer, HttpError> {
        let bind_error = |error| HttpError::Bind {
            addr: options.bind,
            error,
        };
        let listener = TcpListener::bind(options.bind).map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        let local = listener.local_addr().map_err(bind_error)?;
        let faults = sources.control.lock().faults().clone();
        let app = Arc::new(App {
            limiter: RateLimiter::new(options.rate, options.burst),
            max_body: options.max_body,
            faults: faults.clone(),
            sources,
        });
        let (stop, stopped) = watch::channel(false);
        let thread = fault::supervise("chronus-http", faults, move || {
            serve(&listener, app.clone(), stopped.clone())
        })
        .map_err(HttpError::Thread)?;
        Ok(HttpServer {
            local,
            stop,
            thread: Some(thread),
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The thread's body: a runtime serving until `stop` says so (then at most 1 s more for
/// requests in flight; WebSockets are closed).
fn serve(listener: &TcpListener, app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("http: cannot start the runtime: {e}");
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match listener
            .try_clone()
            .and_then(tokio::net::TcpListener::from_std)
        {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("http: cannot listen: {e}");
                return;
            }
        };
        let mut stop_serving = stop.clone();
        let server = axum::serve(
            listener,
            router(app).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop_serving.wait_for(|s| *s).await;
        });
        tokio::select! {
            r = server => if let Err(e) = r {
                tracing::error!("http: the server stopped: {e}");
            },
            _ = async {
                let _ = stop.wait_for(|s| *s).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            } => {}
        }
    });
    // Dropping the runtime cancels what still runs (WebSocket tasks).
    drop(runtime);
}
