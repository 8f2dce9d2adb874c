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
