//! `report.html`: one self-contained page (inline CSS, a few lines of
//! inline JS, inline SVG; no network) with a map of the findings drawn
//! over the bundled Natural Earth land (world-atlas `land-50m`), counts
//! over time, the closest near misses with their two tracks, and the
//! thresholds used.

use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::config::CensusConfig;
use crate::finding::{Kind, TimeMs};
use crate::summary::{Summary, TopNearMiss};

/// The bundled land for the map (world-atlas 2.0.2 `land-50m.json`, Natural
/// Earth, public domain).
pub const LAND_50M_TOPOJSON: &[u8] = include_bytes!("../../../data/land/land-50m.json");

/// What the report shows besides the summary.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// Page title.
    pub title: &'a str,
    /// The findings' summary.
    pub summary: &'a Summary,
    /// The thresholds used.
    pub config: &'a CensusConfig,
    /// Input and run counters (any JSON object; shown as a table).
    pub stats: &'a Json,
    /// Input files, as given.
    pub inputs: &'a [String],
}

fn color(k: Kind) -> &'static str {
    match k {
        Kind::NearMiss => "#d62728",
        Kind::Encounter => "#7b3fb8",
        Kind::Loitering => "#ff8c00",
        Kind::Gap => "#2a7ab0",
        Kind::Spoofing => "#111111",
    }
}

fn label(k: Kind) -> &'static str {
    match k {
        Kind::NearMiss => "Near misses",
        Kind::Encounter => "Encounters",
        Kind::Loitering => "Loitering",
        Kind::Gap => "AIS gaps",
        Kind::Spoofing => "Spoofing & identity",
    }
}

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Rings of the land as (lon, lat) lists, decoded from quantized TopoJSON.
pub fn land_rings(topojson: &[u8]) -> Vec<Vec<(f64, f64)>> {
    let Ok(doc) = serde_json::from_slice::<Json>(topojson) else {
        return Vec::new();
    };
    let scale = doc["transform"]["scale"].as_array();
    let translate = doc["transform"]["translate"].as_array();
    let (sx, sy, tx, ty) = match (scale, translate) {
        (Some(s), Some(t)) if s.len() == 2 && t.len() == 2 => (
            s[0].as_f64().unwrap_or(1.0),
            s[1].as_f64().unwrap_or(1.0),
            t[0].as_f64().unwrap_or(0.0),
            t[1].as_f64().unwrap_or(0.0),
        ),
        _ => (1.0, 1.0, 0.0, 0.0),
    };
    let quantized = doc["transform"].is_object();
    let arcs: Vec<Vec<(f64, f64)>> = doc["arcs"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|arc| {
                    let mut x = 0.0;
                    let mut y = 0.0;
                    arc.as_array()
                        .map(|pts| {
                            pts.iter()
                                .filter_map(|p| {
                                    let p = p.as_array()?;
                                    let (px, py) = (p.first()?.as_f64()?, p.get(1)?.as_f64()?);
                                    if quantized {
                                        x += px;
                                        y += py;
                                        Some((x * sx + tx, y * sy + ty))
                                    } else {
                                        Some((px, py))
                                    }
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    let mut rings = Vec::new();
    let ring_of = |idx: &Json| -> Vec<(f64, f64)> {
        let mut r: Vec<(f64, f64)> = Vec::new();
        for i in idx.as_array().map(|v| v.as_slice()).unwrap_or(&[]) {
            let Some(i) = i.as_i64() else { continue };
            let (k, rev) = if i < 0 {
                ((!i) as usize, true)
            } else {
                (i as usize, false)
            };
            let Some(arc) = arcs.get(k) else { continue };
            let pts: Vec<(f64, f64)> = if rev {
                arc.iter().rev().copied().collect()
            } else {
                arc.clone()
            };
            let skip = usize::from(!r.is_empty());
            r.extend(pts.into_iter().skip(skip));
        }
        r
    };
    if let Some(objects) = doc["objects"].as_object() {
        for obj in objects.values() {
            let geoms: Vec<&Json> = match obj["type"].as_str() {
                Some("GeometryCollection") => obj["geometries"]
                    .as_array()
                    .map(|g| g.iter().collect())
                    .unwrap_or_default(),
                _ => vec![obj],
            };
            for g in geoms {
                match g["type"].as_str() {
                    Some("Polygon") => {
                        for ring in g["arcs"].as_array().map(|v| v.as_slice()).unwrap_or(&[]) {
                            rings.push(ring_of(ring));
                        }
                    }
                    Some("MultiPolygon") => {
                        for poly in g["arcs"].as_array().map(|v| v.as_slice()).unwrap_or(&[]) {
                            for ring in poly.as_array().map(|v| v.as_slice()).unwrap_or(&[]) {
                                rings.push(ring_of(ring));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    rings.retain(|r| r.len() >= 3);
    rings
}

/// The map's projection: equirectangular, scaled by the cosine of the
/// middle latitude; longitudes shifted to 0..360 when the view crosses
/// ±180°.
#[derive(Debug, Clone, Copy)]
struct View {
    lon0: f64,
    lat1: f64,
    s: f64,
    kx: f64,
    w: f64,
    h: f64,
    shift: bool,
}

impl View {
    fn lon(&self, lon: f64) -> f64 {
        if self.shift && lon < 0.0 {
            lon + 360.0
        } else {
            lon
        }
    }
    fn x(&self, lon: f64) -> f64 {
        (self.lon(lon) - self.lon0) * self.s * self.kx
    }
    fn y(&self, lat: f64) -> f64 {
        (self.lat1 - lat) * self.s
    }
}

fn view_of(points: &[(f64, f64)]) -> View {
    let finite: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    let east = finite.iter().any(|p| p.1 > 150.0);
    let west = finite.iter().any(|p| p.1 < -150.0);
    let middle = finite.iter().any(|p| p.1.abs() < 30.0);
    let shift = east && west && !middle;
    let lonf = |l: f64| if shift && l < 0.0 { l + 360.0 } else { l };
    let (mut la0, mut la1, mut lo0, mut lo1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for &(lat, lon) in &finite {
        la0 = la0.min(lat);
        la1 = la1.max(lat);
        lo0 = lo0.min(lonf(lon));
        lo1 = lo1.max(lonf(lon));
    }
    if !la0.is_finite() {
        (la0, la1, lo0, lo1) = (-60.0, 75.0, -180.0, 180.0);
    }
    let pad_lat = ((la1 - la0) * 0.12).max(1.0);
    let pad_lon = ((lo1 - lo0) * 0.12).max(1.5);
    la0 = (la0 - pad_lat).max(-85.0);
    la1 = (la1 + pad_lat).min(85.0);
    lo0 -= pad_lon;
    lo1 += pad_lon;
    if lo1 - lo0 > 360.0 {
        lo0 = -180.0;
        lo1 = 180.0;
    }
    let mid = (la0 + la1) * 0.5;
    let kx = mid.to_radians().cos().max(0.2);
    let (max_w, max_h) = (1000.0, 620.0);
    let mut s = max_w / ((lo1 - lo0) * kx);
    if (la1 - la0) * s > max_h {
        s = max_h / (la1 - la0);
    }
    View {
        lon0: lo0,
        lat1: la1,
        s,
        kx,
        w: ((lo1 - lo0) * kx * s).round(),
        h: ((la1 - la0) * s).round(),
        shift,
    }
}

fn land_path(v: &View, rings: &[Vec<(f64, f64)>]) -> String {
    let mut d = String::new();
    let (w, h) = (v.w, v.h);
    for r in rings {
        // Rings across ±180° (Chukotka, Fiji, Antarctica) are unwrapped to
        // continuous longitudes and drawn once per copy that shows.
        let mut un: Vec<(f64, f64)> = Vec::with_capacity(r.len());
        for &(lon, lat) in r {
            let mut l = v.lon(lon);
            if let Some(&(p, _)) = un.last() {
                while l - p > 180.0 {
                    l -= 360.0;
                }
                while l - p < -180.0 {
                    l += 360.0;
                }
            }
            un.push((l, lat));
        }
        for shift in [0.0, 360.0, -360.0] {
            let pts: Vec<(f64, f64)> = un
                .iter()
                .map(|&(lon, lat)| ((lon + shift - v.lon0) * v.s * v.kx, v.y(lat)))
                .collect();
            let (mut x0, mut x1, mut y0, mut y1) = (
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
            );
            for &(x, y) in &pts {
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
            if x1 < -5.0 || x0 > w + 5.0 || y1 < -5.0 || y0 > h + 5.0 {
                continue;
            }
            if x1 - x0 < 0.6 && y1 - y0 < 0.6 {
                continue;
            }
            let mut last = (f64::NAN, f64::NAN);
            let mut n = 0;
            for (i, &(x, y)) in pts.iter().enumerate() {
                let near = (x - last.0).abs() < 0.7 && (y - last.1).abs() < 0.7;
                if near && i + 1 != pts.len() {
                    continue;
                }
                // Clamp far-off points (keeps the path small; the shape
                // inside the view is unchanged).
                let cx = x.clamp(-50.0, w + 50.0);
                let cy = y.clamp(-50.0, h + 50.0);
                let _ = write!(d, "{}{:.1} {:.1}", if n == 0 { "M" } else { "L" }, cx, cy);
                last = (x, y);
                n += 1;
            }
            if n > 0 {
                d.push('Z');
            }
        }
    }
    d
}

fn graticule(v: &View, out: &mut String) {
    let span = v.w / (v.s * v.kx);
    let step = [0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0]
        .into_iter()
        .find(|s| span / s <= 10.0)
        .unwrap_or(30.0);
    let lon_a = (v.lon0 / step).ceil() as i64;
    let lon_b = ((v.lon0 + span) / step).floor() as i64;
    for k in lon_a..=lon_b {
        let lon = k as f64 * step;
        let x = (lon - v.lon0) * v.s * v.kx;
        let shown = if lon > 180.0 { lon - 360.0 } else { lon };
        let _ = write!(
            out,
            r#"<line class="grat" x1="{x:.1}" y1="0" x2="{x:.1}" y2="{h}"/><text class="gl" x="{tx:.1}" y="{ty}">{lab}</text>"#,
            h = v.h,
            tx = x + 2.0,
            ty = v.h - 4.0,
            lab = deg_label(shown, 'E', 'W')
        );
    }
    let lat_lo = v.lat1 - v.h / v.s;
    let la = (lat_lo / step).ceil() as i64;
    let lb = (v.lat1 / step).floor() as i64;
    for k in la..=lb {
        let lat = k as f64 * step;
        let y = v.y(lat);
        let _ = write!(
            out,
            r#"<line class="grat" x1="0" y1="{y:.1}" x2="{w}" y2="{y:.1}"/><text class="gl" x="3" y="{ty:.1}">{lab}</text>"#,
            w = v.w,
            ty = y - 2.0,
            lab = deg_label(lat, 'N', 'S')
        );
    }
}

fn deg_label(v: f64, pos: char, neg: char) -> String {
    let a = v.abs();
    let t = if a.fract() == 0.0 {
        format!("{a:.0}")
    } else {
        format!("{a}")
    };
    if v == 0.0 {
        format!("{t}°")
    } else {
        format!("{t}°{}", if v > 0.0 { pos } else { neg })
    }
}

fn map_svg(inp: &ReportInput<'_>, rings: &[Vec<(f64, f64)>]) -> String {
    let s = inp.summary;
    let mut all: Vec<(f64, f64)> = Vec::new();
    for k in Kind::ALL {
        for p in s.points(k) {
            all.push((p.0 as f64, p.1 as f64));
            if p.2.is_finite() {
                all.push((p.2 as f64, p.3 as f64));
            }
        }
    }
    let v = view_of(&all);
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg id="map" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="map of the findings"><rect width="{w}" height="{h}" class="sea"/>"#,
        w = v.w,
        h = v.h
    );
    let _ = write!(o, r#"<path class="land" d="{}"/>"#, land_path(&v, rings));
    graticule(&v, &mut o);
    // Gaps first (lines under the points), near misses last (on top).
    for k in [
        Kind::Gap,
        Kind::Loitering,
        Kind::Encounter,
        Kind::Spoofing,
        Kind::NearMiss,
    ] {
        let pts = s.points(k);
        let _ = write!(
            o,
            r#"<g class="k-{}" fill="{}" stroke="{}">"#,
            k.name(),
            color(k),
            color(k)
        );
        for p in pts {
            let (x, y) = (v.x(p.1 as f64), v.y(p.0 as f64));
            match k {
                Kind::Gap => {
                    if p.2.is_finite() {
                        let (x2, y2) = (v.x(p.3 as f64), v.y(p.2 as f64));
                        let _ = write!(
                            o,
                            r#"<line x1="{x:.1}" y1="{y:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke-dasharray="3 3" stroke-width="1.2" opacity="0.7"/><circle cx="{x2:.1}" cy="{y2:.1}" r="2" opacity="0.8"/>"#
                        );
                    }
                    let _ = write!(
                        o,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="none" stroke-width="1.5"/>"#
                    );
                }
                Kind::Spoofing => {
                    let _ = write!(
                        o,
                        r#"<path d="M{:.1} {:.1}l6 6m0-6l-6 6" stroke-width="1.6"/>"#,
                        x - 3.0,
                        y - 3.0
                    );
                }
                Kind::Encounter => {
                    let _ = write!(
                        o,
                        r#"<rect x="{:.1}" y="{:.1}" width="6" height="6" opacity="0.85"/>"#,
                        x - 3.0,
                        y - 3.0
                    );
                }
                Kind::Loitering => {
                    let _ = write!(
                        o,
                        r#"<path d="M{:.1} {:.1}l3.5 6h-7z" opacity="0.85"/>"#,
                        x,
                        y - 3.5
                    );
                }
                Kind::NearMiss => {
                    let _ = write!(
                        o,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.6" opacity="0.8" stroke="none"/>"#
                    );
                }
            }
        }
        o.push_str("</g>");
    }
    // Numbered closest near misses.
    for (i, t) in s.top_near_misses().iter().enumerate() {
        let (x, y) = (v.x(t.row.lon), v.y(t.row.lat));
        let _ = write!(
            o,
            r##"<g class="k-near_misses"><circle cx="{x:.1}" cy="{y:.1}" r="7" fill="#fff" stroke="#d62728" stroke-width="2"/><text x="{x:.1}" y="{ty:.1}" class="num">{n}</text><title>#{n}: {d} NM, {a} × {b}</title></g>"##,
            ty = y + 3.5,
            n = i + 1,
            d = t.row.min_distance_nm,
            a = t.row.mmsi_a,
            b = t.row.mmsi_b
        );
    }
    o.push_str("</svg>");
    o
}

fn time_chart(s: &Summary) -> String {
    let hours: Vec<i64> = s.by_hour.keys().copied().collect();
    let (Some(&h0), Some(&h1)) = (hours.first(), hours.last()) else {
        return "<p>No findings.</p>".into();
    };
    // Bins of an hour, a day or a week, whichever gives at most ~120 bars.
    let span = h1 - h0 + 1;
    let bin = [1i64, 3, 6, 24, 168, 720]
        .into_iter()
        .find(|b| span / b <= 120)
        .unwrap_or(720);
    let b0 = h0.div_euclid(bin);
    let nb = (h1.div_euclid(bin) - b0 + 1) as usize;
    let mut bins = vec![[0u64; 5]; nb];
    for (h, m) in &s.by_hour {
        let i = (h.div_euclid(bin) - b0) as usize;
        for (ki, k) in Kind::ALL.iter().enumerate() {
            bins[i][ki] += m.get(k.name()).copied().unwrap_or(0);
        }
    }
    let max = bins
        .iter()
        .map(|b| b.iter().sum::<u64>())
        .max()
        .unwrap_or(1)
        .max(1);
    let (w, h, left, bottom) = (1000.0, 230.0, 46.0, 34.0);
    let bw = (w - left - 10.0) / nb as f64;
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="findings over time">"#
    );
    let plot_h = h - bottom - 10.0;
    for frac in [0.0, 0.5, 1.0] {
        let y = 10.0 + plot_h * (1.0 - frac);
        let _ = write!(
            o,
            r#"<line x1="{left}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{tx}" y="{ty:.1}" class="ax" text-anchor="end">{v}</text>"#,
            x2 = w - 10.0,
            tx = left - 4.0,
            ty = y + 4.0,
            v = (max as f64 * frac).round()
        );
    }
    let label_every = (nb / 8).max(1);
    for (i, b) in bins.iter().enumerate() {
        let x = left + i as f64 * bw;
        let mut y = 10.0 + plot_h;
        let t_ms = (b0 + i as i64) * bin * 3_600_000;
        for (ki, k) in Kind::ALL.iter().enumerate() {
            if b[ki] == 0 {
                continue;
            }
            let bh = plot_h * b[ki] as f64 / max as f64;
            y -= bh;
            let _ = write!(
                o,
                r#"<rect x="{x:.2}" y="{y:.2}" width="{bwv:.2}" height="{bh:.2}" fill="{c}"><title>{when}: {n} {lab}</title></rect>"#,
                bwv = (bw - 1.0).max(0.5),
                c = color(*k),
                when = TimeMs(t_ms).iso(),
                n = b[ki],
                lab = label(*k)
            );
        }
        if i % label_every == 0 {
            let iso = TimeMs(t_ms).iso();
            let lab = if bin < 24 {
                iso[5..16].replace('T', " ")
            } else {
                iso[..10].to_string()
            };
            let _ = write!(
                o,
                r#"<text x="{x:.1}" y="{ty}" class="ax">{lab}</text>"#,
                ty = h - 14.0
            );
        }
    }
    let unit = match bin {
        1 => "hour",
        3 => "3 hours",
        6 => "6 hours",
        24 => "day",
        168 => "week",
        _ => "30 days",
    };
    let _ = write!(
        o,
        r#"<text x="{left}" y="{ty}" class="ax">findings per {unit} (by start time)</text></svg>"#,
        ty = h - 1.0
    );
    o
}

fn track_svg(t: &TopNearMiss) -> String {
    let r = &t.row;
    let flat = crate::util::Flat::new(r.lat, r.lon);
    let pa: Vec<(f64, f64)> = t
        .tracks
        .a
        .iter()
        .map(|&(_, la, lo)| flat.xy(la, lo))
        .collect();
    let pb: Vec<(f64, f64)> = t
        .tracks
        .b
        .iter()
        .map(|&(_, la, lo)| flat.xy(la, lo))
        .collect();
    let at = |tr: &[(i64, f64, f64)], tm: i64| -> Option<(f64, f64)> {
        let i = tr.iter().position(|p| p.0 >= tm)?;
        if i == 0 {
            return Some(flat.xy(tr[0].1, tr[0].2));
        }
        let (p0, p1) = (tr[i - 1], tr[i]);
        let f = if p1.0 > p0.0 {
            (tm - p0.0) as f64 / (p1.0 - p0.0) as f64
        } else {
            1.0
        };
        let (la, lo) = crate::util::lerp_pos(p0.1, p0.2, p1.1, p1.2, f);
        Some(flat.xy(la, lo))
    };
    let ca = at(&t.tracks.a, r.cpa_time.0);
    let cb = at(&t.tracks.b, r.cpa_time.0);
    let ext = pa
        .iter()
        .chain(pb.iter())
        .fold(200.0f64, |m, p| m.max(p.0.abs()).max(p.1.abs()))
        .min(8000.0);
    let size = 280.0;
    let sc = (size * 0.5 - 14.0) / ext;
    let px = |p: (f64, f64)| (size * 0.5 + p.0 * sc, size * 0.5 - p.1 * sc);
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg viewBox="0 0 {size} {size}" width="{size}" height="{size}" xmlns="http://www.w3.org/2000/svg" class="trk">"#
    );
    let _ = write!(o, r#"<rect width="{size}" height="{size}" class="sea"/>"#);
    // Scale bar.
    let bar_m = [100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0]
        .into_iter()
        .find(|m| m * sc >= 40.0)
        .unwrap_or(5000.0);
    let _ = write!(
        o,
        r##"<line x1="10" y1="{y}" x2="{x2:.1}" y2="{y}" stroke="#333" stroke-width="2"/><text x="10" y="{ty}" class="ax">{lab}</text>"##,
        y = size - 12.0,
        ty = size - 16.0,
        x2 = 10.0 + bar_m * sc,
        lab = if bar_m >= 1000.0 {
            format!("{} km", bar_m / 1000.0)
        } else {
            format!("{bar_m} m")
        }
    );
    for (pts, c, name) in [(&pa, "#1f77b4", "a"), (&pb, "#e07b00", "b")] {
        if pts.is_empty() {
            continue;
        }
        let mut d = String::new();
        for (i, &p) in pts.iter().enumerate() {
            let (x, y) = px(p);
            let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        let _ = write!(
            o,
            r#"<path d="{d}" fill="none" stroke="{c}" stroke-width="2"/>"#
        );
        // Direction: an arrowhead at the end.
        if pts.len() >= 2 {
            let (x1, y1) = px(pts[pts.len() - 1]);
            let (x0, y0) = px(pts[pts.len() - 2]);
            let ang = (y1 - y0).atan2(x1 - x0).to_degrees();
            let _ = write!(
                o,
                r#"<path d="M0 0l-9 -4v8z" fill="{c}" transform="translate({x1:.1} {y1:.1}) rotate({ang:.1})"/><text x="{tx:.1}" y="{ty:.1}" class="ax" fill="{c}">{name}</text>"#,
                tx = x1 + 5.0,
                ty = y1 - 5.0
            );
        }
    }
    if let (Some(a), Some(b)) = (ca, cb) {
        let (xa, ya) = px(a);
        let (xb, yb) = px(b);
        let _ = write!(
            o,
            r##"<line x1="{xa:.1}" y1="{ya:.1}" x2="{xb:.1}" y2="{yb:.1}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="3 2"/><circle cx="{xa:.1}" cy="{ya:.1}" r="4" fill="#1f77b4"/><circle cx="{xb:.1}" cy="{yb:.1}" r="4" fill="#e07b00"/>"##
        );
    }
    o.push_str("</svg>");
    o
}

fn flatten(prefix: &str, v: &Json, out: &mut Vec<(String, String)>) {
    match v {
        Json::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Json::Null => out.push((prefix.to_string(), "—".into())),
        Json::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn kv_table(rows: &[(String, String)]) -> String {
    let mut o = String::from("<table class=\"kv\">");
    for (k, v) in rows {
        let _ = write!(o, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    }
    o.push_str("</table>");
    o
}

fn vessel(mmsi: u32, name: &Option<String>) -> String {
    match name {
        Some(n) => format!("{} ({})", esc(n), mmsi),
        None => mmsi.to_string(),
    }
}

/// The page.
pub fn html(inp: &ReportInput<'_>, land_topojson: &[u8]) -> String {
    let s = inp.summary;
    let rings = land_rings(land_topojson);
    let mut o = String::with_capacity(1 << 20);
    let _ = write!(
        o,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{t}</title><style>
body{{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1d2733;background:#f4f6f8}}
header{{background:#0f2d46;color:#fff;padding:14px 24px}}header h1{{margin:0;font-size:22px}}header p{{margin:4px 0 0;opacity:.85}}
main{{max-width:1060px;margin:0 auto;padding:12px 24px 40px}}section{{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:14px 18px;margin:14px 0}}
h2{{font-size:17px;margin:0 0 10px}}.cards{{display:flex;gap:10px;flex-wrap:wrap}}.card{{flex:1 1 150px;border-radius:6px;padding:10px 12px;color:#fff}}
.card b{{display:block;font-size:26px}}.sea{{fill:#dfeef8}}.land{{fill:#efe9dc;stroke:#b9ad95;stroke-width:.6}}.grat{{stroke:#9ab;stroke-width:.4;stroke-dasharray:2 3}}
.gl{{font-size:10px;fill:#678}}.num{{font-size:9px;font-weight:700;text-anchor:middle;fill:#d62728}}.ax{{font-size:11px;fill:#445}}.grid{{stroke:#dde;stroke-width:1}}
table{{border-collapse:collapse;width:100%}}td,th{{padding:3px 6px;border-bottom:1px solid #e6e9ee;text-align:left;vertical-align:top}}th{{font-weight:600;color:#345}}
table.kv th{{width:45%;font-weight:500}}.legend label{{margin-right:14px;cursor:pointer;user-select:none}}.sw{{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;vertical-align:-1px}}
.nm{{display:grid;grid-template-columns:290px 1fr;gap:12px;border-top:1px solid #e6e9ee;padding:10px 0}}.nm:first-of-type{{border-top:0}}.nm h3{{margin:0 0 4px;font-size:15px}}
.small{{color:#567;font-size:12px}}.two{{display:grid;grid-template-columns:1fr 1fr;gap:16px}}svg{{max-width:100%;height:auto}}
</style></head><body><header><h1>{t}</h1><p>Finisterra census: close-quarters situations and suspicious behaviour, with the field's definitions.</p></header><main>"#,
        t = esc(inp.title)
    );
    // Cards.
    o.push_str("<section><div class=\"cards\">");
    for k in Kind::ALL {
        let _ = write!(
            o,
            r#"<div class="card" style="background:{}"><b>{}</b>{}</div>"#,
            color(k),
            s.counts.get(k.name()).copied().unwrap_or(0),
            label(k)
        );
    }
    o.push_str("</div>");
    let first = inp.stats.pointer("/census/first_ms").and_then(Json::as_i64);
    let last = inp.stats.pointer("/census/last_ms").and_then(Json::as_i64);
    let msgs = inp
        .stats
        .pointer("/census/messages")
        .and_then(Json::as_u64)
        .unwrap_or(0);
    let vessels = inp
        .stats
        .pointer("/census/vessels")
        .and_then(Json::as_u64)
        .unwrap_or(0);
    let _ = write!(
        o,
        r#"<p class="small">{msgs} messages from {vessels} vessels{span} · inputs: {inputs}</p></section>"#,
        span = match (first, last) {
            (Some(a), Some(b)) => format!(", {} to {}", TimeMs(a).iso(), TimeMs(b).iso()),
            _ => String::new(),
        },
        inputs = esc(&inp.inputs.join(", "))
    );
    // Map.
    o.push_str("<section><h2>Map of the findings</h2><div class=\"legend\">");
    for k in Kind::ALL {
        let _ = write!(
            o,
            r#"<label><input type="checkbox" checked data-k="{n}"><span class="sw" style="background:{c}"></span>{l}</label>"#,
            n = k.name(),
            c = color(k),
            l = label(k)
        );
    }
    o.push_str("</div>");
    o.push_str(&map_svg(inp, &rings));
    o.push_str("<p class=\"small\">Near misses ● at the closest point (numbered: the closest ones, below); encounters ■ and loitering ▲ at their mean position; gaps ○ where the vessel went silent, dashed to where it reappeared; spoofing ✕ at the first position concerned. Land: Natural Earth 1:50m (world-atlas).</p></section>");
    // Over time.
    o.push_str("<section><h2>Findings over time</h2>");
    o.push_str(&time_chart(s));
    o.push_str("</section>");
    // Near misses.
    o.push_str("<section><h2>Closest near misses</h2>");
    if s.top_near_misses().is_empty() {
        o.push_str("<p>No near miss.</p>");
    }
    for (i, t) in s.top_near_misses().iter().enumerate() {
        let r = &t.row;
        let man = |m: bool, c: f64, sp: f64| {
            if m {
                format!("manoeuvred (course {c:.0}°, speed {:.0} %)", sp * 100.0)
            } else {
                format!("no manoeuvre (course {c:.0}°, speed {:.0} %)", sp * 100.0)
            }
        };
        let _ = write!(
            o,
            r#"<div class="nm">{svg}<div><h3>#{n} · {d:.3} NM ({m:.0} m) · {when}</h3>
<p><span style="color:#1f77b4">■</span> a: {va}, {sa} kn, {ca}° — {mana}<br><span style="color:#e07b00">■</span> b: {vb}, {sb} kn, {cb}° — {manb}</p>
<p>Relative speed {rel} kn. At the start ({start}, range {sr} NM): <b>{enc}</b> — {ruling}.</p>
<p class="small">Closest point {lat:.5}, {lon:.5}; followed {start} to {end}; domain ratio {dom}.</p></div></div>"#,
            svg = track_svg(t),
            n = i + 1,
            d = r.min_distance_nm,
            m = r.min_distance_m,
            when = r.cpa_time.iso(),
            va = vessel(r.mmsi_a, &r.name_a),
            vb = vessel(r.mmsi_b, &r.name_b),
            sa = r.sog_a_kn,
            ca = r.cog_a_deg,
            sb = r.sog_b_kn,
            cb = r.cog_b_deg,
            mana = man(r.manoeuvre_a, r.course_change_a_deg, r.speed_change_a),
            manb = man(r.manoeuvre_b, r.course_change_b_deg, r.speed_change_b),
            rel = r.rel_speed_kn,
            start = r.start_time.iso(),
            end = r.end_time.iso(),
            sr = r.start_range_nm,
            enc = r.encounter.replace('_', "-"),
            ruling = esc(&r.ruling),
            lat = r.lat,
            lon = r.lon,
            dom = r
                .domain_ratio
                .map_or("n/a".to_string(), |d| format!("{d:.2}"))
        );
    }
    o.push_str("</section>");
    // Breakdown.
    o.push_str("<section class=\"two\"><div><h2>Near misses</h2>");
    let mut rows: Vec<(String, String)> = Vec::new();
    for (k, v) in &s.near_miss_bands {
        rows.push((
            format!("closer than {} NM", k.trim_start_matches('<')),
            v.to_string(),
        ));
    }
    for (k, v) in &s.near_miss_encounters {
        rows.push((format!("encounter: {}", k.replace('_', "-")), v.to_string()));
    }
    rows.push((
        "either vessel manoeuvred".into(),
        s.near_miss_with_manoeuvre.to_string(),
    ));
    o.push_str(&kv_table(&rows));
    o.push_str("</div><div><h2>Spoofing and identity</h2>");
    let rows: Vec<(String, String)> = s
        .spoofing_kinds
        .iter()
        .map(|(k, v)| (k.replace('_', " "), v.to_string()))
        .collect();
    o.push_str(&kv_table(&rows));
    o.push_str("<h2 style=\"margin-top:14px\">By month</h2>");
    let mut rows: Vec<(String, String)> = Vec::new();
    for k in Kind::ALL {
        if let Some(m) = s.by_month.get(k.name()) {
            for (month, n) in m {
                rows.push((format!("{month} {}", label(k)), n.to_string()));
            }
        }
    }
    o.push_str(&kv_table(&rows));
    o.push_str("</div></section>");
    // Thresholds and input.
    o.push_str("<section class=\"two\"><div><h2>Thresholds used</h2>");
    let mut rows = Vec::new();
    flatten(
        "",
        &serde_json::to_value(inp.config).unwrap_or(Json::Null),
        &mut rows,
    );
    o.push_str(&kv_table(&rows));
    o.push_str("</div><div><h2>Input and run</h2>");
    let mut rows = Vec::new();
    flatten("", inp.stats, &mut rows);
    o.push_str(&kv_table(&rows));
    o.push_str("</div></section>");
    o.push_str(r#"<p class="small">Definitions: near miss — actual (interpolated) distance between two vessels under way below the threshold, ruling from the states when they first came within the ruling range; encounter, loitering and gaps — Global Fishing Watch definitions (see the README's census section). Generated by finisterra census; no network needed to view this page.</p></main>
<script>for(const c of document.querySelectorAll('.legend input')){c.addEventListener('change',()=>{for(const g of document.querySelectorAll('#map .k-'+c.dataset.k)){g.style.display=c.checked?'':'none'}})}</script></body></html>
"#);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn land_decodes() {
        let rings = land_rings(LAND_50M_TOPOJSON);
        assert!(rings.len() > 1000, "{}", rings.len());
        // Some ring covers Iberia (around 40N 4W).
        let near = rings.iter().any(|r| {
            r.iter()
                .any(|&(lon, lat)| (lon + 9.0).abs() < 0.3 && (lat - 43.0).abs() < 0.3)
        });
        assert!(near);
        assert!(land_rings(b"not json").is_empty());
    }

    #[test]
    fn empty_report_is_a_page() {
        let s = Summary::default();
        let cfg = CensusConfig::default();
        let stats = serde_json::json!({"census": {"messages": 0}});
        let page = html(
            &ReportInput {
                title: "t <x>",
                summary: &s,
                config: &cfg,
                stats: &stats,
                inputs: &[],
            },
            LAND_50M_TOPOJSON,
        );
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("t &lt;x&gt;"));
        // Nothing fetched from anywhere: no src/href to a network address.
        assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
        assert!(!page.contains("https://"));
    }
}
