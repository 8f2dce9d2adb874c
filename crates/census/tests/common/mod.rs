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

/// A table's bytes, kept readable after the writer is done with it.
#[derive(Clone, Default)]
#[allow(dead_code)] // not every suite writes tables
pub struct Shared(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
