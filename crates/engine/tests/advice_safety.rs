//! Advice safe against every ship its new track can reach, as ships make
//! their manoeuvres: random multi-ship situations (3–8 ships) in which the
//! first-choice manoeuvre is blocked by a third ship, run through the whole
//! path (simulate → NMEA → decode → engine); every advice the engine calls
//! sufficient is then carried out in the simulator, which turns the ship at
//! her rate of turn and slows her at her deceleration one second at a time,
//! every other ship keeping her course, and the passing distance to every
//! ship is checked; where both ships of a pair are advised, both follow
//! their advice together.

use finisterra_ais::{Body, Event as DecodeEvent, StreamDecoder};
use finisterra_engine::{AdviceItem, Config, Engine, Event, EventBody};
use finisterra_nav::advice::Action;
use finisterra_nav::geo::{destination, distance_nm, normalize_deg_360};
use finisterra_nav::manoeuvre::Handling;
use finisterra_sim::{simulate, Manoeuvre, Scenario, VesselSpec};

const START: &str = "2026-11-26T10:00:00Z";
const T0_MS: i64 = 1_795_687_200_000;

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn f(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }
}

#[derive(Clone, Debug)]
struct Ship {
    mmsi: u32,
    lat: f64,
    lon: f64,
    cog: f64,
    sog: f64,
    length_m: f64,
}

fn spec(s: &Ship, interval_s: f64) -> VesselSpec {
    // Own ship and her give-way target start reporting after every other
    // ship has been heard (with her static data): the risk is raised on
    // their arrival, and the advice can only know the ships already heard.
    let start_s = if s.mmsi <= 224_000_002 { 7.0 } else { 0.0 };
    serde_json::from_value(serde_json::json!({
        "start_s": start_s,
        "mmsi": s.mmsi, "name": format!("SHIP {}", s.mmsi), "lat": s.lat, "lon": s.lon,
        "cog_deg": s.cog, "sog_kn": s.sog, "length_m": s.length_m,
        "beam_m": (s.length_m / 7.0).round(),
        "report_interval_s": interval_s,
    }))
    .expect("a vessel spec")
}

fn scenario(vessels: Vec<VesselSpec>, duration_s: f64) -> Scenario {
    Scenario {
        start: START.into(),
        duration_s,
        station: "test".into(),
        description: String::new(),
        vessels,
        atons: vec![],
        aircraft: vec![],
    }
}

/// One situation: own ship 1 gives way to ship 2 crossing from starboard
/// (her first choice is a turn to starboard); ship 3 lies where a
/// moderate starboard turn would take her; 0–5 more ships around.
fn situation(rng: &mut Rng) -> Vec<Ship> {
    let (lat, lon) = (43.0 + rng.range(-0.5, 0.5), -11.5 + rng.range(-0.5, 0.5));
    let own = Ship {
        mmsi: 224_000_001,
        lat,
        lon,
        cog: rng.range(0.0, 360.0),
        sog: rng.range(8.0, 18.0),
        length_m: rng.range(60.0, 280.0),
    };
    let mut ships = vec![own.clone()];
    // The give-way target: meets own ship after 8–11 minutes, crossing
    // from 30–100° on her starboard side.
    let tcpa = rng.range(480.0, 660.0);
    let run = |kn: f64, t: f64| kn * 1852.0 / 3600.0 * t;
    let meet = destination(own.lat, own.lon, own.cog, run(own.sog, tcpa));
    let rel = rng.range(30.0, 100.0);
    let t_cog = normalize_deg_360(own.cog - 180.0 + rel);
    let t_sog = rng.range(8.0, 16.0);
    let start = destination(meet.0, meet.1, t_cog + 180.0, run(t_sog, tcpa));
    ships.push(Ship {
        mmsi: 224_000_002,
        lat: start.0,
        lon: start.1,
        cog: t_cog,
        sog: t_sog,
        length_m: rng.range(60.0, 280.0),
    });
    // The blocker: on the track of a 20–45° starboard turn, 2.5–5 NM out,
    // slow or heading back along that track.
    let turn = rng.range(20.0, 45.0);
    let b_range_nm = rng.range(2.5, 5.0);
    let b = destination(own.lat, own.lon, own.cog + turn, b_range_nm * 1852.0);
    let (b_cog, b_sog) = if rng.f() < 0.5 {
        (
            normalize_deg_360(own.cog + turn + 180.0),
            rng.range(4.0, 12.0),
        )
    } else {
        // Stopped, or slow (the engine takes under half a knot as
        // stopped: AIS speed noise, not motion).
        let kn = rng.range(-1.0, 4.0);
        (rng.range(0.0, 360.0), if kn < 1.0 { 0.0 } else { kn })
    };
    ships.push(Ship {
        mmsi: 224_000_003,
        lat: b.0,
        lon: b.1,
        cog: b_cog,
        sog: b_sog,
        length_m: rng.range(30.0, 200.0),
    });
    let others = (rng.f() * 6.0) as u32;
    for k in 0..others {
        let p = destination(
            own.lat,
            own.lon,
            rng.range(0.0, 360.0),
            rng.range(2.0, 9.0) * 1852.0,
        );
        ships.push(Ship {
            mmsi: 224_000_004 + k,
            lat: p.0,
            lon: p.1,
            cog: rng.range(0.0, 360.0),
            sog: {
                let kn = rng.range(-2.0, 16.0);
                if kn < 1.0 {
                    0.0
                } else {
                    kn
                }
            },
            length_m: rng.range(20.0, 250.0),
        });
    }
    ships
}

/// Runs lines through the decoder and the engine: the events, and the
/// decoded positions `(second, mmsi, lat, lon)`.
/// Decoded positions: (second from the start, MMSI, latitude, longitude).
type Tracks = Vec<(i64, u32, f64, f64)>;

fn run(lines: &[String], engine: Option<&mut Engine>) -> (Vec<Event>, Tracks) {
    let mut dec = StreamDecoder::default();
    let mut events = Vec::new();
    let mut tracks = Vec::new();
    let mut engine = engine;
    for (i, l) in lines.iter().enumerate() {
        dec.feed(i as u64 + 1, l.as_bytes(), &mut |ev| {
            if let DecodeEvent::Message(m) = ev {
                let t = m.time.expect("timed").unix_ms;
                if let Body::Position(p) = &m.message.body {
                    if let (Some(la), Some(lo)) = (p.lat_deg, p.lon_deg) {
                        tracks.push(((t - T0_MS) / 1000, m.message.mmsi, la, lo));
                    }
                } else if matches!(m.message.body, Body::StaticVoyage(_)) {
                    // Static data: marked with a NaN position.
                    tracks.push(((t - T0_MS) / 1000, m.message.mmsi, f64::NAN, f64::NAN));
                }
                if let Some(e) = engine.as_deref_mut() {
                    let _ = e.ingest(m.message, t, &mut events);
                }
            }
        });
    }
    (events, tracks)
}

/// The smallest distance from each advised ship to every other ship, with
/// the advised ships making their manoeuvres at `at_s` in the simulator.
fn carried_out(
    ships: &[Ship],
    length_known: &dyn Fn(u32) -> bool,
    orders: &[(u32, &AdviceItem)],
    at_s: f64,
    horizon_s: f64,
    cfg: &Config,
) -> f64 {
    let adv = cfg.advice();
    let vessels: Vec<VesselSpec> = ships
        .iter()
        .map(|s| {
            let mut v = spec(s, 1.0);
            if let Some((_, item)) = orders.iter().find(|(m, _)| *m == s.mmsi) {
                // The handling the engine assumed: her length once her
                // static data was heard, else the unknown length.
                let length = length_known(s.mmsi).then_some(s.length_m);
                let h = Handling::for_ship(length, s.sog, &adv);
                v.max_turn_deg_per_min = h.turn_deg_s * 60.0;
                v.decel_kn_per_min = Some(adv.deceleration_kn_per_min);
                v.manoeuvres = vec![Manoeuvre {
                    at_s,
                    cog_deg: item.new_cog_deg,
                    sog_kn: item.new_sog_kn,
                    nav_status: None,
                }];
            }
            v
        })
        .collect();
    let lines = simulate(&scenario(vessels, at_s + horizon_s)).expect("simulates");
    let (_, tracks) = run(&lines, None);
    let mut by_second: std::collections::BTreeMap<i64, Vec<(u32, f64, f64)>> = Default::default();
    for (t, m, la, lo) in tracks {
        if !la.is_finite() {
            continue;
        }
        if t as f64 >= at_s {
            by_second.entry(t).or_default().push((m, la, lo));
        }
    }
    let mut best = f64::INFINITY;
    for list in by_second.values() {
        for &(m, la, lo) in list {
            if !orders.iter().any(|(o, _)| *o == m) {
                continue;
            }
            for &(n, lb, lob) in list {
                if n != m {
                    best = best.min(distance_nm(la, lo, lb, lob));
                }
            }
        }
    }
    best
}

#[test]
fn sufficient_advice_keeps_clear_of_every_ship_as_ships_manoeuvre() {
    let cfg = Config::default();
    let pass_nm = cfg.advice().pass_nm;
    let horizon_s = cfg.advice().horizon_s;
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let (mut cases, mut checked, mut both, mut blocked, mut insufficient) = (0, 0, 0, 0, 0);
    let mut worst = f64::INFINITY;
    for case in 0..80 {
        let ships = situation(&mut rng);
        cases += 1;
        // Two reports from every ship, 6 s apart: the risks are raised.
        let specs: Vec<VesselSpec> = ships.iter().map(|s| spec(s, 6.0)).collect();
        let lines = simulate(&scenario(specs, 13.0)).expect("simulates");
        let mut engine = Engine::new(cfg);
        let (events, heard) = run(&lines, Some(&mut engine));
        // The ships the engine had heard by a time (advice can only be
        // safe against what is known: the others report later).
        let known = |at_s: f64| -> Vec<Ship> {
            ships
                .iter()
                .filter(|s| heard.iter().any(|h| h.1 == s.mmsi && h.0 as f64 <= at_s))
                .cloned()
                .collect()
        };
        let static_known = |mmsi: u32, at_s: f64| {
            heard
                .iter()
                .any(|h| h.1 == mmsi && h.2.is_nan() && h.0 as f64 <= at_s)
        };
        // Without the blocker, for comparison: how often it changed the
        // first choice.
        let without: Vec<VesselSpec> = ships
            .iter()
            .filter(|s| s.mmsi != 224_000_003)
            .map(|s| spec(s, 6.0))
            .collect();
        let mut e2 = Engine::new(cfg);
        let (events2, _) = run(
            &simulate(&scenario(without, 13.0)).expect("simulates"),
            Some(&mut e2),
        );
        let own_first = |evs: &[Event]| -> Option<(f64, f64)> {
            evs.iter().find_map(|e| match &e.body {
                EventBody::RiskRaised(r) => r
                    .advice
                    .iter()
                    .find(|a| a.mmsi == 224_000_001 && a.recommended)
                    .map(|a| (a.degrees.unwrap_or(0.0), a.new_sog_kn.unwrap_or(-1.0))),
                _ => None,
            })
        };
        if own_first(&events) != own_first(&events2) {
            blocked += 1;
        }
        for e in &events {
            let EventBody::RiskRaised(r) = &e.body else {
                continue;
            };
            let at_s = ((e.time_ms - T0_MS) as f64 / 1000.0).round();
            let good: Vec<&AdviceItem> = r
                .advice
                .iter()
                .filter(|a| a.sufficient && a.action != Action::KeepCourseAndSpeed)
                .collect();
            insufficient += r.advice.iter().filter(|a| !a.sufficient).count();
            for a in &good {
                let d = carried_out(
                    &known(at_s),
                    &|m| static_known(m, at_s),
                    &[(a.mmsi, a)],
                    at_s,
                    horizon_s,
                    &cfg,
                );
                checked += 1;
                worst = worst.min(d);
                assert!(
                    d >= pass_nm - 0.03,
                    "case {case}: {a:?} at {at_s} s leaves {d:.3} NM (pass {pass_nm}); ships {ships:?}"
                );
            }
            // Both ships of the pair following their recommended advice.
            let rec: Vec<&AdviceItem> = good.iter().copied().filter(|a| a.recommended).collect();
            if rec.len() == 2 && rec[0].mmsi != rec[1].mmsi {
                let d = carried_out(
                    &known(at_s),
                    &|m| static_known(m, at_s),
                    &[(rec[0].mmsi, rec[0]), (rec[1].mmsi, rec[1])],
                    at_s,
                    horizon_s,
                    &cfg,
                );
                both += 1;
                assert!(
                    d >= pass_nm - 0.03,
                    "case {case}: both following {rec:?} leaves {d:.3} NM; ships {ships:?}"
                );
            }
        }
    }
    println!(
        "{cases} situations, blocker changed own ship's first advice in {blocked}; \
         {checked} sufficient manoeuvres carried out (worst {worst:.3} NM, pass {pass_nm:.2} NM), \
         {both} pairs both following; {insufficient} pieces of advice honestly insufficient"
    );
    assert!(checked >= 60 && blocked >= 20, "{checked} {blocked}");
}
