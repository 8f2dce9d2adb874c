//! The `finisterra` command.

mod decode;
mod input;

use clap::{Parser, Subcommand};

/// Finisterra: AIS decoding, the traffic picture, collision judgement.
#[derive(Parser, Debug)]
#[command(name = "finisterra", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decode AIS NMEA into gpsd-compatible JSON Lines.
    Decode(decode::DecodeArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Decode(a) => decode::run(a),
    };
    if let Err(e) = result {
        eprintln!("finisterra: {e:#}");
        std::process::exit(1);
    }
}
