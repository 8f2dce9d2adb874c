//! A whole census run through the library alone, as the CLI drives it but
//! from bytes in memory: inputs sniffed from their heads and ordered by
//! first time, lines split at arbitrary chunk boundaries, NMEA decoded and
//! CSV put in time order, findings and `summary.json` written into
//! buffers. The same bytes come out whatever the chunking.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use finisterra_census::csv::{CsvMapping, TimeFormat};
use finisterra_census::{
    report_stats, summary_json, write_positions_csv, Census, CensusConfig, CsvInput, Finding,
    FindingWriter, InputFormat, InputStats, NmeaInput, Sniffer, POSITIONS_CSV_HEADER,
};
use finisterra_geofence::Land;
use finisterra_nmea::LineSplitter;

/// A table's bytes, kept readable after the writer is done with it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file written: (name, bytes), the ten tables, then `summary.json`
/// and the accepted positions.
fn run(inputs: &[(&str, Vec<u8>)], chunk: usize) -> Vec<(String, Vec<u8>)> {
    let mapping =
        CsvMapping::parse("mmsi=ID,time=ais_pos_timestamp,lat=latitude,lon=longitude").unwrap();
    let tf = TimeFormat::parse("%d/%m/%Y %H:%M").unwrap();
    let mut cfg = CensusConfig::default();
    cfg.spoofing.invalid_mmsi = false;
    let mut planned: Vec<(&str, &[u8], InputFormat, Option<i64>)> = Vec::new();
    for (name, bytes) in inputs {
        let s = Sniffer::new(name, None, &mapping, &tf)
            .read(io::BufReader::with_capacity(chunk, &bytes[..]))
            .unwrap();
        planned.push((name, bytes, s.format, s.first_time_ms));
    }
    if planned.iter().any(|p| p.2 == InputFormat::Csv) {
        cfg.time_resolution_s = cfg.time_resolution_s.max(tf.resolution_s());
    }
    planned.sort_by_key(|p| p.3.unwrap_or(i64::MAX));
    let mut census = Census::new(cfg, Land::world().unwrap()).unwrap();
    census.export_positions(true);
    let mut tables: Vec<(String, Shared)> = Vec::new();
    let mut sinks = FindingWriter::new(false, |name| {
        let s = Shared::default();
        tables.push((name.to_string(), s.clone()));
        Ok::<_, io::Error>(s)
    })
    .unwrap();
    let mut positions = POSITIONS_CSV_HEADER.as_bytes().to_vec();
    let mut accepted = Vec::new();
    let mut found: Vec<Finding> = Vec::new();
    let mut msgs = Vec::new();
    let mut ist = InputStats::default();
    for (name, bytes, format, _) in planned {
        let mut sp = LineSplitter::new();
        match format {
            InputFormat::Nmea => {
                let mut input = NmeaInput::new();
                for c in bytes.chunks(chunk) {
                    sp.push(c, |n, l| input.line(n, l, &mut msgs));
                }
                if let Some((n, l)) = sp.finish() {
                    input.line(n, l, &mut msgs);
                }
                input.finish(&mut msgs);
                ist.add_nmea(name, input.stats());
            }
            InputFormat::Csv => {
                let mut input = CsvInput::new(&mapping, &tf, true);
                for c in bytes.chunks(chunk) {
                    sp.push(c, |_, l| input.line(l, &mut msgs).unwrap());
                }
                if let Some((_, l)) = sp.finish() {
                    input.line(l, &mut msgs).unwrap();
                }
                msgs.extend(input.finish());
                ist.add_csv(name, input.lines(), &input.stats());
            }
        }
        for (m, t) in msgs.drain(..) {
            census.push(&m, t, &mut found);
            sinks.write_all(&mut found);
        }
    }
    census.finish(&mut found);
    sinks.write_all(&mut found);
    census.drain_positions(&mut accepted);
    write_positions_csv(&mut positions, &accepted).unwrap();
    let summary = sinks.finish().unwrap();
    let stats = census.stats();
    let input = ist.to_json();
    assert!(report_stats(&input, &stats).unwrap()["census"]["messages"].as_u64() > Some(0));
    let doc = summary_json(&summary, census.config(), &input, &stats).unwrap();
    let mut out: Vec<(String, Vec<u8>)> = tables
        .into_iter()
        .map(|(name, s)| (name, s.0.lock().unwrap().clone()))
        .collect();
    assert_eq!(out.len(), 10);
    out.push(("summary.json".into(), doc.into_bytes()));
    out.push(("positions.csv".into(), positions));
    out
}

#[test]
fn nmea_and_csv_inputs_give_the_same_bytes_whatever_the_chunks() {
    let nmea = std::fs::read(root().join("data/ais/kystverket-2024-12.nmea")).unwrap();
    let csv = std::fs::read(
        root().join("crates/census/tests/fixtures/evergiven/boat-positions-excerpt.csv"),
    )
    .unwrap();
    // The CSV is recognised by its header line, not its name.
    let inputs = [("capture.nmea", nmea), ("suez.txt", csv)];
    let whole = run(&inputs, 1 << 20);
    let summary: serde_json::Value = serde_json::from_slice(&whole[10].1).unwrap();
    let files = summary["input"]["files"].as_array().unwrap();
    // In the order of their first times: Suez (2021) before the capture (2024).
    assert_eq!(files[0]["file"], "suez.txt");
    assert_eq!(files[0]["format"], "csv");
    assert_eq!(files[1]["format"], "nmea");
    assert_eq!(summary["input"]["csv"]["rows"], 279);
    assert_eq!(summary["census"]["duplicates"], 9);
    assert!(
        summary["counts"]["spoofing"].as_u64() > Some(0),
        "findings in the tables"
    );
    for chunk in [1, 7, 4096] {
        assert!(run(&inputs, chunk) == whole, "chunks of {chunk} bytes");
    }
}
