//! `finisterra simulate`: a scenario (or a whole fleet) in, timestamped AIS
//! NMEA out.

use std::io::{self, BufWriter, Write};

use anyhow::{bail, Context, Result};
use finisterra_sim::fleet::{simulate_fleet, FleetConfig};
use finisterra_sim::{simulate_into, Scenario};

/// Options of the `simulate` command.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// The scenario (JSON: start, duration_s, vessels, atons). Not with
    /// `--fleet`.
    pub scenario: Option<String>,
    /// Write to this file instead of standard output (gzip when the name
    /// ends in `.gz`).
    #[arg(short, long, value_name = "FILE", alias = "out")]
    pub output: Option<String>,
    /// Simulate a fleet of this many vessels on real lanes, with planted
    /// encounters, loitering, gaps and spoofers (see `--truth`).
    #[arg(long, value_name = "N")]
    pub fleet: Option<usize>,
    /// Length of the fleet simulation, hours.
    #[arg(long, value_name = "H", default_value_t = 24.0)]
    pub hours: f64,
    /// Random seed of the fleet simulation (same seed, same bytes).
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Start time of the fleet simulation (ISO 8601 UTC).
    #[arg(long, value_name = "TIME", default_value = "2026-01-05T00:00:00Z")]
    pub start: String,
    /// Seconds between received position reports of a vessel under way.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    pub report_interval: f64,
    /// Write what the fleet simulation planted (JSON) to this file.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<String>,
    /// Write the scenario's aircraft to this file as Mode S: `time,hex`
    /// lines (read by `decode --modes` and by `serve` on any line input),
    /// or Beast binary when the name ends in `.beast`.
    #[arg(long, value_name = "FILE")]
    pub air: Option<String>,
}

/// Reads a scenario file.
pub fn load_scenario(path: &str) -> Result<Scenario> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    serde_json::from_str(&text).with_context(|| format!("bad scenario in {path}"))
}

fn open_output(path: Option<&str>) -> Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) if p.ends_with(".gz") => Box::new(flate2::write::GzEncoder::new(
            BufWriter::with_capacity(
                1 << 20,
                std::fs::File::create(p).with_context(|| format!("cannot create {p}"))?,
            ),
            flate2::Compression::fast(),
        )),
        Some(p) => Box::new(BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(p).with_context(|| format!("cannot create {p}"))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

fn finish(mut w: Box<dyn Write>, err: Option<io::Error>) -> Result<()> {
    if let Some(e) = err {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(e).context("cannot write output");
        }
        return Ok(());
    }
    w.flush().or_else(|e| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Ok(())
        } else {
            Err(e)
        }
    })?;
    // Dropping a gzip writer writes its trailer.
    drop(w);
    Ok(())
}

/// Runs the command.
pub fn run(args: &SimulateArgs) -> Result<()> {
    if let Some(n) = args.fleet {
        if args.scenario.is_some() {
            bail!("give either a scenario file or --fleet, not both");
        }
        return run_fleet(args, n);
    }
    let Some(path) = args.scenario.as_deref() else {
        bail!("give a scenario file, or --fleet N --hours H for a fleet");
    };
    let scenario = load_scenario(path)?;
    if let Some(air) = &args.air {
        write_air(&scenario, air)?;
    } else if !scenario.aircraft.is_empty() {
        eprintln!(
            "finisterra: the scenario has {} aircraft: give --air FILE to write their Mode S frames",
            scenario.aircraft.len()
        );
    }
    let mut w = open_output(args.output.as_deref())?;
    let mut err: Option<io::Error> = None;
    simulate_into(&scenario, &mut |line| {
        if err.is_none() {
            if let Err(e) = writeln!(w, "{line}") {
                err = Some(e);
            }
        }
    })
    .with_context(|| format!("cannot simulate {path}"))?;
    finish(w, err)
}

/// The scenario's aircraft as Mode S frames: `time,hex` lines, or Beast
/// binary (a 12 MHz counter from the start) for a `.beast` file.
fn write_air(scenario: &Scenario, path: &str) -> Result<()> {
    use finisterra_sim::air::{air_frames, beast_bytes, csv_line};
    let start_ms = finisterra_sim::parse_iso8601_ms(&scenario.start)
        .with_context(|| format!("bad start time {:?}", scenario.start))?;
    let frames = air_frames(&scenario.aircraft, start_ms, scenario.duration_s)?;
    let mut w = open_output(Some(path))?;
    let mut bytes = Vec::new();
    for f in &frames {
        if path.ends_with(".beast") {
            bytes.clear();
            let ticks = (f.time_ms - start_ms).max(0) as u64 * 12_000;
            beast_bytes(ticks, 0x80, &f.frame, &mut bytes);
            w.write_all(&bytes)
        } else {
            writeln!(w, "{}", csv_line(f))
        }
        .with_context(|| format!("cannot write {path}"))?;
    }
    finish(w, None)?;
    eprintln!(
        "finisterra: {} aircraft: {} frames to {path}",
        scenario.aircraft.len(),
        frames.len()
    );
    Ok(())
}

fn run_fleet(args: &SimulateArgs, n: usize) -> Result<()> {
    let cfg = FleetConfig {
        vessels: n,
        hours: args.hours,
        seed: args.seed,
        start: args.start.clone(),
        report_interval_s: args.report_interval,
        ..FleetConfig::default()
    };
    let mut w = open_output(args.output.as_deref())?;
    let mut err: Option<io::Error> = None;
    let started = std::time::Instant::now();
    let truth = simulate_fleet(&cfg, &mut |line| {
        if err.is_none() {
            let r = w
                .write_all(line.as_bytes())
                .and_then(|_| w.write_all(b"\n"));
            if let Err(e) = r {
                err = Some(e);
            }
        }
    })
    .context("cannot simulate the fleet")?;
    finish(w, err)?;
    if let Some(p) = &args.truth {
        let text = serde_json::to_string_pretty(&truth)?;
        std::fs::write(p, text + "\n").with_context(|| format!("cannot write {p}"))?;
    }
    eprintln!(
        "finisterra: {} vessels, {} h: {} position and {} static messages ({} lines), {} planted, in {:.1} s",
        n,
        args.hours,
        truth.position_messages,
        truth.static_messages,
        truth.lines,
        truth.planted.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
