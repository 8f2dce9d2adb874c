//! `finisterra simulate`: a scenario in, timestamped AIS NMEA out.

use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use finisterra_sim::{simulate_into, Scenario};

/// Options of the `simulate` command.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// The scenario (JSON: start, duration_s, vessels, atons).
    pub scenario: String,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<String>,
}

/// Reads a scenario file.
pub fn load_scenario(path: &str) -> Result<Scenario> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    serde_json::from_str(&text).with_context(|| format!("bad scenario in {path}"))
}

/// Runs the command.
pub fn run(args: &SimulateArgs) -> Result<()> {
    let scenario = load_scenario(&args.scenario)?;
    let mut w: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {p}"))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let mut err: Option<io::Error> = None;
    simulate_into(&scenario, &mut |line| {
        if err.is_none() {
            if let Err(e) = writeln!(w, "{line}") {
                err = Some(e);
            }
        }
    })
    .with_context(|| format!("cannot simulate {}", args.scenario))?;
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
    Ok(())
}
