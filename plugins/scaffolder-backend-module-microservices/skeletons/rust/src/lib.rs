//! The service as a library: `main.rs` only wires it to the process, and the tests drive the same router.

pub mod app;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod handlers;
pub mod metrics;
pub mod middleware;
pub mod repository;
pub mod server;
pub mod service;
pub mod telemetry;

pub use app::{AppState, router};
pub use config::Config;
