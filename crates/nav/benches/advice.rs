//! Criterion bench: one avoidance plan (full ±90° search at 1°, and the
//! speed alternative) against 20 targets closing from every side — the
//! picture of `tests/advice_search.rs::twenty_targets_are_judged_against_every_one`.
//!
//!     cargo bench -p finisterra-nav --bench advice

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use finisterra_nav::advice::{plan, AdviceConfig, AdviceTarget, Permitted, Sides};
use finisterra_nav::colregs::Duty;
use finisterra_nav::cpa::Kinematic;
use finisterra_nav::geo::{destination, initial_bearing_deg, METRES_PER_NM};

/// A target on `cog_deg` at `kn` that meets own ship after `tcpa_s`.
fn meeting(o: &Kinematic, cog_deg: f64, kn: f64, tcpa_s: f64) -> Kinematic {
    let run = |k: f64| k * tcpa_s / 3600.0 * METRES_PER_NM;
    let (plat, plon) = destination(o.lat_deg, o.lon_deg, o.cog_deg, run(o.sog_kn));
    let (lat, lon) = destination(plat, plon, cog_deg + 180.0, run(kn));
    Kinematic::new(lat, lon, kn, initial_bearing_deg(lat, lon, plat, plon))
}

fn bench(c: &mut Criterion) {
    let o = Kinematic::new(51.0, 1.5, 12.0, 0.0);
    let targets: Vec<AdviceTarget> = (0..20)
        .map(|i| AdviceTarget {
            kinematic: meeting(
                &o,
                100.0 + 8.0 * i as f64,
                8.0 + (i % 5) as f64,
                1200.0 + 60.0 * i as f64,
            ),
            pass_astern: true,
        })
        .collect();
    let permitted = Permitted {
        sides: Sides::Either,
        speed_reduction: true,
    };
    let cfg = AdviceConfig::default();
    c.bench_function("plan_20_targets", |b| {
        b.iter(|| {
            plan(
                black_box(&o),
                black_box(&targets),
                Duty::GiveWay,
                permitted,
                &cfg,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
