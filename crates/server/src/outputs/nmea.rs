//! NMEA forwarding over UDP (one datagram per message or line) and TCP (a
//! connection it opens and reopens), for OpenCPN, aggregators and other
//! decoders. In order; what cannot be sent waits in the output's queue.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;

use super::{Backoff, Item, Kind, Outage, OutputSpec, OutputStats, Queue};
use crate::hub::Nmea;

/// The bytes of an item (`None` for what this output does not carry).
fn bytes(i: &Item) -> Option<&[u8]> {
    match i {
        Item::Nmea(n) => Some(match &**n {
            Nmea::Raw(b) => b,
            Nmea::Message { sentences, .. } => sentences,
        }),
        _ => None,
    }
}

/// Runs the output until the server stops.
pub async fn run(spec: OutputSpec, mut q: Queue, stats: Arc<OutputStats>) {
    let addr = spec.url.host_port(0);
    let mut outage = Outage::new(&spec.name);
    let mut backoff = Backoff::default();
    match spec.kind {
        Kind::Udp => {
            let mut sock: Option<tokio::net::UdpSocket> = None;
            while let Some(item) = q.next().await {
                let Some(b) = bytes(&item) else { continue };
                loop {
                    if sock.is_none() {
                        sock = match udp_socket(&addr).await {
                            Ok(s) => Some(s),
                            Err(e) => {
                                outage.failed(&stats, e);
                                backoff.wait().await;
                                continue;
                            }
                        };
                    }
                    let Some(s) = &sock else { continue };
                    match s.send(b).await {
                        Ok(_) => {
                            outage.up(&stats);
                            backoff.reset();
                            stats.sent.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        // ICMP port unreachable from an earlier datagram
                        // and the like: a datagram is not retried.
                        Err(e) => {
                            outage.failed(&stats, format!("cannot send to {addr}: {e}"));
                            stats.failed.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    }
                }
            }
        }
        _ => {
            let mut conn: Option<tokio::net::TcpStream> = None;
            while let Some(item) = q.next().await {
                let Some(b) = bytes(&item) else { continue };
                send_tcp(&addr, &mut conn, b, &stats, &mut outage, &mut backoff).await;
            }
        }
    }
}

/// A UDP socket connected to `addr` (resolved now).
pub async fn udp_socket(addr: &str) -> Result<tokio::net::UdpSocket, String> {
    let target = tokio::net::lookup_host(addr)
        .await
        .map_err(|e| format!("cannot resolve {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("{addr} resolves to no address"))?;
    let local = if target.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let s = tokio::net::UdpSocket::bind(local)
        .await
        .map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    s.connect(target)
        .await
        .map_err(|e| format!("cannot reach {addr}: {e}"))?;
    Ok(s)
}

/// Writes `b` on the connection, (re)connecting with backoff until it is
/// written: a line is never half-sent and then skipped.
pub async fn send_tcp(
    addr: &str,
    conn: &mut Option<tokio::net::TcpStream>,
    b: &[u8],
    stats: &OutputStats,
    outage: &mut Outage,
    backoff: &mut Backoff,
) {
    loop {
        if conn.is_none() {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(c) => {
                    let _ = c.set_nodelay(true);
                    outage.up(stats);
                    *conn = Some(c);
                }
                Err(e) => {
                    outage.failed(stats, format!("cannot connect to {addr}: {e}"));
                    backoff.wait().await;
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        match c.write_all(b).await {
            Ok(()) => {
                backoff.reset();
                stats.sent.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Err(e) => {
                outage.failed(stats, format!("connection to {addr} lost: {e}"));
                *conn = None;
                backoff.wait().await;
            }
        }
    }
}
