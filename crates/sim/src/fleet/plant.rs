//! The special cases planted among the background traffic, far out at sea,
//! each recorded in the truth: encounters, loitering, gaps, and spoofing
//! and identity problems.

use finisterra_nav::geo::destination;

use super::world::INLAND;
use super::{Builder, FleetConfig, Mode, Plan, M_PER_NM};

/// Plants what the configuration asks for (by default in proportion to the
/// fleet), in a fixed order: encounters, loitering, gaps, spoofers.
pub(super) fn plant_all(b: &mut Builder, cfg: &FleetConfig) {
    let n = cfg.vessels;
    let hours = cfg.hours;
    let enc = cfg.encounters.unwrap_or((n / 400).max(1));
    let loi = cfg.loitering.unwrap_or((n / 400).max(1));
    let gaps = cfg.gaps.unwrap_or((n / 300).max(1));
    let spf = cfg.spoofers.unwrap_or((n / 1000).max(1));
    // Each planted behaviour needs some hours; with short simulations they
    // are squeezed in as well as possible.
    for _ in 0..enc {
        plant_encounter(b);
    }
    for _ in 0..loi {
        plant_loitering(b, hours);
    }
    for _ in 0..gaps {
        plant_gap(b, hours);
    }
    for _ in 0..spf {
        plant_teleport(b);
        plant_identity_conflict(b);
        plant_invalid_mmsis(b);
        plant_on_land(b);
        plant_implausible_speed(b);
    }
}

/// An encounter: a carrier (cargo, reefer) and a fishing vessel meet, lie
/// together a couple of hundred metres apart for 2.5 to 3.2 h, and part.
fn plant_encounter(b: &mut Builder) {
    let p = b.open_sea();
    let dur_h = b.rng.range(2.5, 3.2);
    let from = b.random_time(2.0, 1.0, dur_h);
    let until = from + (dur_h * 3.6e6) as i64;
    let cog = b.rng.range(0.0, 360.0);
    let kn = b.rng.range(0.2, 0.8);
    let sep = b.rng.range(60.0, 250.0);
    let brg = b.rng.range(0.0, 360.0);
    let off = (sep * brg.to_radians().sin(), sep * brg.to_radians().cos());
    let (ma, mb) = (b.next_mmsi(), b.next_mmsi());
    let centre = p;
    let va = b.patrol(ma, 70, centre, 11.0);
    let vb = b.patrol(mb, 30, centre, 9.0);
    for (v, o) in [(va, (0.0, 0.0)), (vb, off)] {
        if let Mode::Patrol { plan, .. } = &mut b.vessels[v].mode {
            *plan = Some(Plan {
                lat: p.0,
                lon: p.1,
                from_ms: from,
                until_ms: until,
                drift_cog: cog,
                drift_kn: kn,
                off: o,
                wander: false,
            });
        }
        b.reachable(v);
    }
    let (lo, hi) = (ma.min(mb), ma.max(mb));
    b.plant(
        "encounters",
        None,
        vec![lo, hi],
        from,
        until,
        p,
        format!("rendezvous: together {sep:.0} m apart drifting {kn:.1} kn for {dur_h:.1} h"),
    );
}

/// Loitering: one vessel drifts below 2 kn for 5 to 10 h.
fn plant_loitering(b: &mut Builder, hours: f64) {
    let p = b.open_sea();
    let dur_h = b.rng.range(5.0, 10.0).min((hours - 2.0).max(4.5));
    let from = b.random_time(1.0, 0.5, dur_h);
    let until = from + (dur_h * 3.6e6) as i64;
    let kn = b.rng.range(0.3, 1.2);
    let m = b.next_mmsi();
    let v = b.patrol(m, 79, p, 12.0);
    let cog = b.rng.range(0.0, 360.0);
    if let Mode::Patrol { plan, .. } = &mut b.vessels[v].mode {
        *plan = Some(Plan {
            lat: p.0,
            lon: p.1,
            from_ms: from,
            until_ms: until,
            drift_cog: cog,
            drift_kn: kn,
            off: (0.0, 0.0),
            wander: true,
        });
    }
    b.reachable(v);
    b.plant(
        "loitering",
        None,
        vec![m],
        from,
        until,
        p,
        format!("drifting about {kn:.1} kn for {dur_h:.1} h"),
    );
}

/// A gap: a fishing vessel stops transmitting for 13 to 20 h, then
/// reappears.
fn plant_gap(b: &mut Builder, hours: f64) {
    let p = b.open_sea();
    let m = b.next_mmsi();
    let kn = b.rng.range(9.0, 13.0);
    let v = b.patrol(m, 30, p, kn);
    let dur_h = b.rng.range(13.0, 20.0).min((hours - 4.0).max(12.5));
    let from = b.random_time(3.0, 1.0, dur_h);
    let until = from + (dur_h * 3.6e6) as i64;
    b.vessels[v].silent = Some((from, until));
    b.plant(
        "gaps",
        None,
        vec![m],
        from,
        until,
        p,
        format!("transmitter off for {dur_h:.1} h"),
    );
}

/// GNSS spoofing: reported position 150 NM away for 20 minutes.
fn plant_teleport(b: &mut Builder) {
    let p = b.open_sea();
    let m = b.next_mmsi();
    let v = b.patrol(m, 80, p, 13.0);
    let from = b.random_time(1.0, 1.0, 0.5);
    let until = from + 20 * 60_000;
    let away = destination(p.0, p.1, b.rng.range(0.0, 360.0), 150.0 * M_PER_NM);
    b.vessels[v].spoof = Some((from, until, away.0, away.1));
    b.plant(
        "spoofing",
        Some("teleport"),
        vec![m],
        from,
        until,
        away,
        "reported position 150 NM away for 20 minutes".into(),
    );
}

/// Two ships, one MMSI, in different oceans.
fn plant_identity_conflict(b: &mut Builder) {
    let m = b.next_mmsi();
    let p1 = b.open_sea();
    let p2 = b.open_sea();
    b.patrol(m, 70, p1, 12.0);
    b.patrol(m, 70, p2, 14.0);
    let (s, e) = (b.start_ms, b.end_ms);
    b.plant(
        "spoofing",
        Some("identity_conflict"),
        vec![m],
        s,
        e,
        p1,
        "two ships transmitting the same MMSI".into(),
    );
}

/// Invalid MMSIs: not a ship station number; MID not allocated.
fn plant_invalid_mmsis(b: &mut Builder) {
    let (s, e) = (b.start_ms, b.end_ms);
    for bad in [
        123_456_789u32 + b.vessels.len() as u32 % 1000,
        217_000_000 + 1000 + b.vessels.len() as u32,
    ] {
        let p = b.open_sea();
        b.patrol(bad, 70, p, 12.0);
        b.plant(
            "spoofing",
            Some("invalid_mmsi"),
            vec![bad],
            s,
            e,
            p,
            "invalid MMSI".into(),
        );
    }
}

/// An AIS unit reporting from far inland.
fn plant_on_land(b: &mut Builder) {
    let (s, e) = (b.start_ms, b.end_ms);
    let m = b.next_mmsi();
    let j = (b.rng.range(-0.05, 0.05), b.rng.range(-0.05, 0.05));
    let at = (INLAND.0 + j.0, INLAND.1 + j.1);
    let v = b.vessel(
        m,
        37,
        true,
        at.0,
        at.1,
        0.0,
        Mode::Fixed {
            lat: at.0,
            lon: at.1,
        },
    );
    b.vessels[v].status = 5;
    b.plant(
        "spoofing",
        Some("on_land"),
        vec![m],
        s,
        e,
        at,
        "a transmitter on land, 250 km from the sea".into(),
    );
}

/// A cargo ship reporting 48 kn (below the 60 kn teleport limit).
fn plant_implausible_speed(b: &mut Builder) {
    let (s, e) = (b.start_ms, b.end_ms);
    let m = b.next_mmsi();
    let p = b.open_sea();
    b.patrol(m, 70, p, 48.0);
    b.plant(
        "spoofing",
        Some("implausible_speed"),
        vec![m],
        s,
        e,
        p,
        "a cargo ship making 48 kn".into(),
    );
}
