//! The fleet's geography is real: lanes, anchorages, fishing grounds and
//! the open-sea centres of the planted behaviours are where the bundled
//! coastline says they can be.

use finisterra_geofence::Land;
use finisterra_sim::fleet::{lane_samples, FISHING_GROUNDS, LANES, OPEN_SEA, PORTS};

const NM: f64 = 1852.0;

fn land() -> Land {
    Land::world().expect("bundled land")
}

#[test]
fn lanes_stay_at_sea() {
    let land = land();
    let mut bad = Vec::new();
    for (i, lane) in LANES.iter().enumerate() {
        let ends = [
            (PORTS[lane.from].lat, PORTS[lane.from].lon),
            (PORTS[lane.to].lat, PORTS[lane.to].lon),
        ];
        for (lat, lon) in lane_samples(i, 1000.0) {
            // Near the ports ships come close to the coast by design.
            let near_port = ends
                .iter()
                .any(|e| finisterra_nav::geo::distance_m(lat, lon, e.0, e.1) < 15_000.0);
            if land.is_land(lat, lon) {
                bad.push(format!("{}: on land at {lat:.3},{lon:.3}", lane.name));
                continue;
            }
            if !near_port {
                if let Some(d) = land.distance_to_coast_within_m(lat, lon, 0.5 * NM) {
                    bad.push(format!(
                        "{}: {d:.0} m from the coast at {lat:.3},{lon:.3}",
                        lane.name
                    ));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn anchorages_are_near_the_coast_but_at_sea() {
    let land = land();
    let mut bad = Vec::new();
    for p in PORTS {
        if land.is_land(p.lat, p.lon) {
            bad.push(format!("{} on land", p.name));
            continue;
        }
        let d = land
            .distance_to_coast_m(p.lat, p.lon)
            .unwrap_or(f64::INFINITY);
        // Anchored ships spread 1.8 km round the anchorage: all within
        // 10 km of the coast (no "encounter" between ships at anchor).
        if !(d > 1200.0 && d < 8000.0) {
            bad.push(format!("{}: {d:.0} m from the coast", p.name));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn fishing_grounds_and_open_sea_are_far_out() {
    let land = land();
    let mut bad = Vec::new();
    for &(lat, lon) in FISHING_GROUNDS {
        let d = land
            .distance_to_coast_within_m(lat, lon, 1_000_000.0)
            .unwrap_or(f64::INFINITY);
        if d <= 19.0 * NM {
            bad.push(format!("fishing ground {lat},{lon}: {:.1} NM", d / NM));
        }
    }
    for &(lat, lon) in OPEN_SEA {
        let d = land
            .distance_to_coast_within_m(lat, lon, 1_000_000.0)
            .unwrap_or(f64::INFINITY);
        if d <= 260.0 * NM {
            bad.push(format!("open sea {lat},{lon}: {:.0} NM", d / NM));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
