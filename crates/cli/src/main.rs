//! The `finisterra` command.

mod archive;
mod census;
mod census_nats;
mod cluster;
mod decode;
mod decode_modes;
mod input;
mod land;
mod scan;
mod serve;
mod simulate;

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
    /// Decode AIS NMEA into gpsd-compatible JSON Lines (or Mode S / ADS-B,
    /// `--modes` / `--beast`, into readsb's names).
    Decode(decode::DecodeArgs),
    /// Replay NMEA through the engine and write events as JSON Lines.
    Scan(scan::ScanArgs),
    /// Turn a scenario (or a whole fleet, `--fleet N`) into timestamped AIS NMEA.
    Simulate(simulate::SimulateArgs),
    /// Find every near miss and suspicious behaviour in archived AIS.
    Census(Box<census::CensusArgs>),
    /// Scale out the census: take day shards queued by `census --nats` and
    /// judge them, until stopped.
    CensusWorker(Box<census_nats::CensusWorkerArgs>),
    /// The columnar position archive: inputs decoded once into Parquet by day.
    Archive(Box<archive::ArchiveArgs>),
    /// Turn a GeoJSON/TopoJSON land file into the compact indexed form.
    ImportLand(land::ImportLandArgs),
    /// Serve the live picture: inputs, API, live push, web map, metrics.
    Serve(Box<serve::ServeArgs>),
    /// Scale out: decode once and publish each message to its partitions
    /// (home and halo) on NATS JetStream.
    Ingest(Box<cluster::IngestArgs>),
    /// Scale out: judge the partitions this worker owns from NATS
    /// JetStream; publish the events it owns to the events stream.
    Worker(Box<cluster::WorkerArgs>),
}

fn main() {
    // `serve --config-file FILE`: the file's settings become flags (the
    // command line wins).
    let argv = match serve::expand_config_file(std::env::args_os().collect()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("finisterra: {e:#}");
            std::process::exit(2);
        }
    };
    let cli = Cli::parse_from(argv);
    let result = match &cli.command {
        Command::Decode(a) => decode::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Census(a) => census::run(a),
        Command::CensusWorker(a) => census_nats::run_worker(a),
        Command::Archive(a) => archive::run(a),
        Command::ImportLand(a) => land::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Ingest(a) => cluster::run_ingest(a),
        Command::Worker(a) => cluster::run_worker(a),
    };
    if let Err(e) = result {
        eprintln!("finisterra: {e:#}");
        std::process::exit(1);
    }
}
