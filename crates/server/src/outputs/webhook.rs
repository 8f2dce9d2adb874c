//! Webhooks: each alert POSTed as JSON to an HTTP endpoint (a phone
//! gateway, a chat bot, an incident system), so alarms reach people when
//! no console is open.
//!
//! Each request carries `X-Finisterra-Event` (the kind),
//! `X-Finisterra-Delivery` (the event id: a receiver drops repeats) and,
//! with `?secret=`, `X-Finisterra-Signature-256: sha256=<hex>`, the
//! HMAC-SHA256 of the body under the secret (as GitHub signs its webhooks).
//! A refused connection, a 5xx, 408 or 429 is retried with backoff
//! (`?retries=`, default 5); other answers are final. Deliveries are in
//! order, one at a time.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use sha2::Sha256;

use super::{Backoff, Item, Outage, OutputSpec, OutputStats, Queue};

/// Retries after the first attempt, by default.
const DEFAULT_RETRIES: u32 = 5;
/// Most time for one attempt (connect, send, answer).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Checks the webhook's own parameters.
pub fn check(spec: &OutputSpec) -> Result<(), String> {
    retries(spec)?;
    if spec.url.param("secret").is_some_and(str::is_empty) {
        return Err(format!("output {}: secret= is empty", spec.name));
    }
    Ok(())
}

fn retries(spec: &OutputSpec) -> Result<u32, String> {
    match spec.url.param("retries") {
        None => Ok(DEFAULT_RETRIES),
        Some(r) => r
            .parse::<u32>()
            .ok()
            .filter(|&n| n <= 100)
            .ok_or_else(|| format!("output {}: retries={r:?}: 0 to 100", spec.name)),
    }
}

/// `sha256=<hex>`: the HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256=");
    for b in tag {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// Why one attempt failed, and whether to try again.
enum Failure {
    Retry(String),
    Final(String),
}

/// Runs the output until the server stops.
pub async fn run(spec: OutputSpec, mut q: Queue, stats: Arc<OutputStats>) {
    let retries = retries(&spec).unwrap_or(DEFAULT_RETRIES);
    let secret = spec.url.param("secret").map(String::from);
    let addr = spec.url.host_port(80);
    let host = match spec.url.port {
        Some(p) => format!("{}:{p}", spec.url.host),
        None => spec.url.host.clone(),
    };
    let mut outage = Outage::new(&spec.name);
    while let Some(item) = q.next().await {
        let Item::Event(p) = item else { continue };
        let body = Bytes::copy_from_slice(p.json.as_bytes());
        let sig = secret.as_deref().map(|s| signature(s, &body));
        let mut backoff = Backoff::default();
        let mut attempt = 0;
        loop {
            let once = tokio::time::timeout(
                ATTEMPT_TIMEOUT,
                post(
                    &addr,
                    &host,
                    &spec.url.path,
                    p.kind,
                    p.id,
                    sig.as_deref(),
                    body.clone(),
                ),
            )
            .await
            .unwrap_or_else(|_| Err(Failure::Retry("no answer within 10 s".into())));
            match once {
                Ok(()) => {
                    outage.up(&stats);
                    stats.sent.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Err(Failure::Retry(why)) if attempt < retries => {
                    outage.failed(&stats, why);
                    attempt += 1;
                    backoff.wait().await;
                }
                Err(Failure::Retry(why) | Failure::Final(why)) => {
                    stats.errors.fetch_add(1, Ordering::Relaxed);
                    stats.failed.fetch_add(1, Ordering::Relaxed);
                    eprintln!(
                        "finisterra: output {}: event {} ({}) not delivered after {} attempts: {why}; counted in finisterra_output_failed_total",
                        spec.name,
                        p.id,
                        p.kind,
                        attempt + 1
                    );
                    break;
                }
            }
        }
    }
}

/// One POST on a fresh connection.
async fn post(
    addr: &str,
    host: &str,
    path: &str,
    kind: &str,
    id: u64,
    sig: Option<&str>,
    body: Bytes,
) -> Result<(), Failure> {
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| Failure::Retry(format!("cannot connect to {addr}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| Failure::Retry(format!("HTTP handshake with {addr}: {e}")))?;
    let driver = tokio::spawn(conn);
    let mut req = hyper::Request::post(path)
        .header(hyper::header::HOST, host)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, "finisterra")
        .header("x-finisterra-event", kind)
        .header("x-finisterra-delivery", id.to_string());
    if let Some(s) = sig {
        req = req.header("x-finisterra-signature-256", s);
    }
    let req = req
        .body(Full::new(body))
        .map_err(|e| Failure::Final(format!("cannot build the request: {e}")))?;
    let res = send
        .send_request(req)
        .await
        .map_err(|e| Failure::Retry(format!("POST to {addr}{path}: {e}")));
    driver.abort();
    let status = res?.status();
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(Failure::Retry(format!("{addr}{path} answered {status}")))
    } else {
        Err(Failure::Final(format!("{addr}{path} answered {status}")))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_is_the_rfc_4231_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
