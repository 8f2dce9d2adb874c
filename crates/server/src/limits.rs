//! The limits that keep the server answering under hostile input (a leaf
//! module: every other module reads them, they depend on nothing).

use std::time::Duration;

/// Limits that keep the server answering whatever arrives from outside:
/// every one bounds memory, connections or time, and every refusal is
/// counted in `/metrics`.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open HTTP connections at most; more are closed at once (counted).
    pub max_connections: usize,
    /// Time to receive a request's headers (a half-open request is closed).
    pub header_timeout: Duration,
    /// Time to receive a request's body.
    pub body_timeout: Duration,
    /// Live-stream clients at most; more get 503.
    pub max_stream_clients: usize,
    /// Events of backlog one live-stream client gets on connecting (older
    /// ones are skipped with a `truncated` message naming where to page
    /// them from `/api/events`).
    pub stream_backlog_max: usize,
    /// Token required to read (`/api/*`, `/metrics`, the stream); none:
    /// reading is open.
    pub read_token: Option<String>,
    /// Receive buffer asked for each UDP socket, bytes (the kernel may
    /// grant less; `/metrics` shows what it granted).
    pub udp_recv_buffer: usize,
    /// A TCP feed silent this long is closed (and reconnected, for
    /// `--connect`).
    pub tcp_idle_timeout: Duration,
    /// Events kept in memory while the store refuses writes (disk full);
    /// beyond, the oldest are dropped and counted.
    pub spill_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_stream_clients: 1024,
            stream_backlog_max: 10_000,
            read_token: None,
            udp_recv_buffer: 8 << 20,
            tcp_idle_timeout: Duration::from_secs(300),
            spill_max: 200_000,
        }
    }
}
