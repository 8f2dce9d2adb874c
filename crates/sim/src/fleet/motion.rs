//! Moving the vessels: each mode (fixed, at anchor, on a lane route,
//! fishing, patrolling with or without a plan) takes a vessel from its
//! last time to the next.

use finisterra_nav::geo::{destination, distance_m, initial_bearing_deg};

use super::world::{lane_route, step_toward};
use super::{Mode, Plan, Vessel, MPS_PER_KN, M_PER_NM};

impl Vessel {
    /// Moves the vessel to `t_ms`.
    pub(super) fn advance(&mut self, t_ms: i64) {
        let dt_s = (t_ms - self.t_ms) as f64 / 1000.0;
        self.t_ms = t_ms;
        if dt_s <= 0.0 {
            return;
        }
        match self.mode {
            Mode::Fixed { lat, lon } => {
                self.lat = lat;
                self.lon = lon;
                self.sog = 0.0;
            }
            Mode::Anchored { .. } => self.ride_at_anchor(t_ms),
            Mode::Route { .. } => self.follow_route(t_ms, dt_s),
            Mode::Fishing { .. } => self.fish(t_ms, dt_s),
            Mode::Patrol { .. } => {
                if !self.keep_plan(t_ms, dt_s) {
                    self.patrol_square(dt_s);
                }
            }
        }
    }

    /// At anchor: swinging round the anchor; when the time is up, back on
    /// the lane the other way, to a new anchoring spot.
    fn ride_at_anchor(&mut self, t_ms: i64) {
        let Mode::Anchored {
            lat,
            lon,
            until_ms,
            lane,
        } = self.mode
        else {
            return;
        };
        // Swinging round the anchor.
        let a = (t_ms / 1000) as f64 / 1800.0;
        let (la, lo) = destination(lat, lon, a.to_degrees().rem_euclid(360.0), 40.0);
        self.lat = la;
        self.lon = lo;
        self.sog = 0.1;
        self.cog = (a.to_degrees() + 90.0).rem_euclid(360.0);
        self.status = 1;
        if t_ms >= until_ms {
            if let Some((l, fwd)) = lane {
                let offset = self.rng.range(0.5, 2.5);
                let mut wps = lane_route(l, fwd, offset);
                // Each voyage ends at its own anchoring spot.
                let n = wps.len();
                let spot = destination(
                    wps[n - 1].0,
                    wps[n - 1].1,
                    self.rng.range(0.0, 360.0),
                    self.rng.range(0.0, 1800.0),
                );
                wps[n - 1] = spot;
                self.mode = Mode::Route {
                    wps,
                    next: 1,
                    lane: l,
                    forward: fwd,
                };
                self.status = 0;
                self.sog = self.cruise_kn;
            }
        }
    }

    /// On a lane route: at cruising speed from waypoint to waypoint; at the
    /// end, anchor a few hours.
    fn follow_route(&mut self, t_ms: i64, dt_s: f64) {
        let Mode::Route {
            wps,
            next,
            lane,
            forward,
            ..
        } = &mut self.mode
        else {
            return;
        };
        self.sog = self.cruise_kn;
        self.status = 0;
        let mut d = self.sog * MPS_PER_KN * dt_s;
        while d > 0.0 {
            if *next >= wps.len() {
                // Arrived: anchor a few hours, then go back.
                let hours = self.rng.range(3.0, 12.0);
                let (l, f) = (*lane, !*forward);
                self.mode = Mode::Anchored {
                    lat: self.lat,
                    lon: self.lon,
                    until_ms: t_ms + (hours * 3.6e6) as i64,
                    lane: Some((l, f)),
                };
                self.sog = 0.1;
                self.status = 1;
                return;
            }
            let w = wps[*next];
            let (a, b, c, left) = step_toward(self.lat, self.lon, w.0, w.1, d);
            self.lat = a;
            self.lon = b;
            if c.is_finite() && (a != w.0 || b != w.1 || left > 0.0) {
                self.cog = c;
            }
            if left > 0.0 || (a == w.0 && b == w.1) {
                *next += 1;
            }
            d = left;
        }
    }

    /// Fishing: a new random course every 20 to 90 minutes, heading back
    /// towards the centre of the ground when far out.
    fn fish(&mut self, t_ms: i64, dt_s: f64) {
        let Mode::Fishing {
            c,
            radius_m,
            next_turn_ms,
        } = &mut self.mode
        else {
            return;
        };
        if t_ms >= *next_turn_ms {
            *next_turn_ms = t_ms + (self.rng.range(20.0, 90.0) * 60_000.0) as i64;
            let home = initial_bearing_deg(self.lat, self.lon, c.0, c.1);
            let far = distance_m(self.lat, self.lon, c.0, c.1) > *radius_m * 0.7;
            self.cog = if far {
                (home + self.rng.range(-40.0, 40.0)).rem_euclid(360.0)
            } else {
                self.rng.range(0.0, 360.0)
            };
            self.sog = self.cruise_kn * self.rng.range(0.8, 1.2);
        }
        let (a, b) = destination(self.lat, self.lon, self.cog, self.sog * MPS_PER_KN * dt_s);
        if a.is_finite() {
            self.lat = a;
            self.lon = b;
        }
    }

    /// Keeps a patrolling vessel's plan, if it has one: on the way to the
    /// meeting point in time to be there, then drifting there; a plan that
    /// is over is dropped. Whether the plan moved the vessel.
    fn keep_plan(&mut self, t_ms: i64, dt_s: f64) -> bool {
        let Mode::Patrol { plan: Some(p), .. } = self.mode else {
            return false;
        };
        let mut target = destination(p.lat, p.lon, 0.0, 0.0);
        if p.off != (0.0, 0.0) {
            let brg = p.off.0.atan2(p.off.1).to_degrees();
            target = destination(p.lat, p.lon, brg, p.off.0.hypot(p.off.1));
        }
        if t_ms >= p.from_ms && t_ms < p.until_ms {
            self.drift(&p, target, t_ms);
            true
        } else if t_ms < p.from_ms {
            self.approach(&p, target, t_ms, dt_s)
        } else {
            // t_ms >= p.until_ms: the plan is over.
            if let Mode::Patrol { plan, .. } = &mut self.mode {
                *plan = None;
            }
            false
        }
    }

    /// Together at the meeting point (`target`), drifting.
    fn drift(&mut self, p: &Plan, target: (f64, f64), t_ms: i64) {
        let el = (t_ms - p.from_ms) as f64 / 1000.0;
        let (la, lo) = destination(
            target.0,
            target.1,
            p.drift_cog,
            p.drift_kn * MPS_PER_KN * el,
        );
        let mut la = la;
        let mut lo = lo;
        if p.wander {
            // A slow random walk around the drift line.
            let w = (el / 1800.0).sin() * 300.0;
            let (a, b) = destination(la, lo, p.drift_cog + 90.0, w);
            la = a;
            lo = b;
        }
        self.cog = p.drift_cog;
        self.sog = p.drift_kn;
        self.lat = la;
        self.lon = lo;
    }

    /// Heads for the meeting point (`target`) once it is time to leave to
    /// be there on time, slowing down over the last two miles; whether the
    /// vessel moved.
    fn approach(&mut self, p: &Plan, target: (f64, f64), t_ms: i64, dt_s: f64) -> bool {
        let dist = distance_m(self.lat, self.lon, target.0, target.1);
        // Time to get there, slowing down over the last
        // two miles (early is fine: she waits there).
        let ramp_kn = (0.3 * self.cruise_kn).max(1.5);
        let need_s = dist / (self.cruise_kn * MPS_PER_KN) + 2.0 * M_PER_NM / (ramp_kn * MPS_PER_KN);
        if (p.from_ms - t_ms) as f64 / 1000.0 <= need_s + 120.0 {
            let kn = if dist < 2.0 * M_PER_NM {
                (self.cruise_kn * (dist - 0.2 * M_PER_NM) / (1.8 * M_PER_NM))
                    .clamp(1.5, self.cruise_kn)
            } else {
                self.cruise_kn
            };
            let (a, b, c, _) = step_toward(
                self.lat,
                self.lon,
                target.0,
                target.1,
                kn * MPS_PER_KN * dt_s,
            );
            self.lat = a;
            self.lon = b;
            if dist > 1.0 {
                self.cog = c;
            }
            self.sog = if dist < 1.0 { 0.3 } else { kn };
            true
        } else {
            false
        }
    }

    /// Patrolling round the square at cruising speed.
    fn patrol_square(&mut self, dt_s: f64) {
        let Mode::Patrol { corners, next, .. } = &mut self.mode else {
            return;
        };
        self.sog = self.cruise_kn;
        let mut d = self.sog * MPS_PER_KN * dt_s;
        let mut guard = 0;
        while d > 0.0 && guard < 8 {
            guard += 1;
            let w = corners[*next];
            let (a, b, c, left) = step_toward(self.lat, self.lon, w.0, w.1, d);
            self.lat = a;
            self.lon = b;
            if c.is_finite() && (a != w.0 || b != w.1) {
                self.cog = c;
            }
            if left > 0.0 || (a == w.0 && b == w.1) {
                *next = (*next + 1) % 4;
            }
            d = left;
        }
    }
}
