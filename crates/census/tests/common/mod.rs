//! Shared helpers: a simulated fleet decoded into timed messages.

use finisterra_ais::{AisMessage, Event, StreamDecoder};
use finisterra_sim::fleet::{simulate_fleet, FleetConfig, Truth};

/// Runs the fleet simulation and decodes every line (as the CLI does).
pub fn fleet_messages(cfg: &FleetConfig) -> (Vec<(AisMessage, i64)>, Truth) {
    let mut dec = StreamDecoder::default();
    let mut out = Vec::new();
    let mut n = 0u64;
    let mut errors = 0u64;
    let truth = simulate_fleet(cfg, &mut |line| {
        n += 1;
        dec.feed(n, line.as_bytes(), &mut |ev| match ev {
            Event::Message(m) => out.push((m.message.clone(), m.time.expect("timed").unix_ms)),
            Event::Error(_) => errors += 1,
        });
    })
    .expect("simulation");
    dec.finish(&mut |ev| {
        if let Event::Message(m) = ev {
            out.push((m.message.clone(), m.time.expect("timed").unix_ms));
        }
    });
    assert_eq!(errors, 0, "the simulator's NMEA decodes cleanly");
    (out, truth)
}
