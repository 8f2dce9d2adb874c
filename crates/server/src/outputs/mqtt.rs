//! Events and vessel updates as JSON over MQTT (`rumqttc`, MQTT 3.1.1):
//! each event to `<prefix>/events/<kind>` (QoS 1 unless `?qos=0`), each
//! vessel that moved to `<prefix>/vessels/<mmsi>` (QoS 0, once a second at
//! most). The prefix is the URL's path (`finisterra` when none); user and
//! password come from the URL. The client reconnects with backoff; while
//! the broker is away, messages wait in the output's queue.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, Outgoing, QoS};

use super::{Backoff, Item, Outage, OutputSpec, OutputStats, Queue};

/// Requests the client holds before `publish` waits (then the output's own
/// queue holds the rest).
const CLIENT_CAP: usize = 256;

/// Checks the MQTT output's own parameters.
pub fn check(spec: &OutputSpec) -> Result<(), String> {
    qos(spec).map(|_| ())
}

fn qos(spec: &OutputSpec) -> Result<QoS, String> {
    match spec.url.param("qos") {
        None | Some("1") => Ok(QoS::AtLeastOnce),
        Some("0") => Ok(QoS::AtMostOnce),
        Some(q) => Err(format!("output {}: qos={q:?}: 0 or 1", spec.name)),
    }
}

/// The topic prefix: the URL's path without its slashes.
fn prefix(spec: &OutputSpec) -> String {
    let p = spec.url.path.trim_matches('/');
    if p.is_empty() {
        "finisterra".into()
    } else {
        p.to_string()
    }
}

/// Runs the output until the server stops.
pub async fn run(spec: OutputSpec, mut q: Queue, stats: Arc<OutputStats>) {
    static CLIENTS: AtomicU64 = AtomicU64::new(0);
    let qos = qos(&spec).unwrap_or(QoS::AtLeastOnce);
    let prefix = prefix(&spec);
    let id = format!(
        "finisterra-{}-{}",
        std::process::id(),
        CLIENTS.fetch_add(1, Ordering::Relaxed)
    );
    let mut opts = MqttOptions::new(id, spec.url.host.clone(), spec.url.port.unwrap_or(1883));
    opts.set_keep_alive(Duration::from_secs(30));
    if let Some(u) = &spec.url.user {
        opts.set_credentials(u.clone(), spec.url.password.clone().unwrap_or_default());
    }
    let (client, mut events) = AsyncClient::new(opts, CLIENT_CAP);
    {
        // The event loop: connects, reconnects, writes; says what happens.
        let stats = stats.clone();
        let name = spec.name.clone();
        tokio::spawn(async move {
            let mut outage = Outage::new(&name);
            let mut backoff = Backoff::default();
            loop {
                match events.poll().await {
                    Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                        outage.up(&stats);
                        backoff.reset();
                    }
                    Ok(Event::Outgoing(Outgoing::Publish(_))) => {
                        stats.sent.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        outage.failed(&stats, format!("MQTT: {e}"));
                        backoff.wait().await;
                    }
                }
            }
        });
    }
    let filter = spec.filter.clone();
    while let Some(item) = q.next().await {
        let sent = match item {
            Item::Event(p) => {
                let topic = format!("{prefix}/events/{}", p.kind);
                client
                    .publish_bytes(topic, qos, false, Bytes::copy_from_slice(p.json.as_bytes()))
                    .await
            }
            Item::Vessels(u) => {
                let mut r = Ok(());
                for (mmsi, pos, json) in &u.vessels {
                    if !filter.vessel(*mmsi, Some(*pos)) {
                        continue;
                    }
                    let topic = format!("{prefix}/vessels/{mmsi}");
                    r = client
                        .publish_bytes(
                            topic,
                            QoS::AtMostOnce,
                            false,
                            Bytes::copy_from_slice(json.as_bytes()),
                        )
                        .await;
                    if r.is_err() {
                        break;
                    }
                }
                r
            }
            Item::Nmea(_) => Ok(()),
        };
        if sent.is_err() {
            // The event loop is gone: nothing more can be sent.
            stats.failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
    }
}
