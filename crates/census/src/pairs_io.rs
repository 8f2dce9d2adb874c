//! The archive's index on disk (feature `parquet`): plain Parquet tables
//! and CBOR near-miss candidates beside a JSON description, written and
//! read through the caller's files.
//!
//! ```text
//! ARCHIVE/index/index.json           PairIndexMeta (bands and their bounds among it)
//! ARCHIVE/index/pairs-B-C.parquet    time, mmsi_a, mmsi_b, distance_m, lat_a, lon_a, sog_a_kn,
//!                                    lat_b, lon_b, sog_b_kn, run
//! ARCHIVE/index/instants.parquet     time, msg
//! ARCHIVE/index/events.parquet       msg, mmsi, event (0 new, 1 static, 2 forget), name, ship_type
//! ARCHIVE/index/gaps.parquet         msg, mmsi, start_time, lat, lon, end_time, end_lat, end_lon,
//!                                    positions_12h_before, positions_48h_before
//! ARCHIVE/index/near-misses-N.cbor   NearMissCandidate arrays, by closest distance
//! ```
//!
//! The pairs are kept by distance band B (up to an eighth of the largest
//! distance, a quarter, a half, all of it) and by the shore class C of
//! their run, each file in time order, so that a rerun at the default 500 m
//! and 10 km from the coast of a 2 km index reads two small files. The
//! pair files are also what an analyst reads with DuckDB or pandas
//! (`read_parquet('ARCHIVE/index/pairs-*.parquet')`) to look at who came
//! close to whom (`sog_*_kn` is the speed made good between resampled
//! positions, NaN when unknown).

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float32Builder, Float64Builder, StringBuilder, TimestampMillisecondBuilder,
    UInt32Builder, UInt64Builder, UInt8Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, TimestampMillisecondType, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::file::reader::ChunkReader;

use crate::archive::{
    batch_reader, column, opt, pq_err, props, read_batches, ts, ArchiveError, ROW_GROUP_ROWS,
};
use crate::config::CensusConfig;
use crate::finding::Finding;
use crate::nearmiss::NearMissCandidate;
use crate::pairs::{
    within, Band, BandUse, GapEnds, GapRow, LoiterRow, NearMissBand, PairIndexMeta, PairIndexSpec,
    PairLog, PairRow, VesselEvent, VesselEventKind, NEAR_MISS_CHUNK, SHORE_CLASSES_M,
};
use crate::resample::LoiterSample;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

/// The directory of the index inside an archive.
pub const INDEX_DIR: &str = "index";
/// The description's file name in [`INDEX_DIR`].
pub const INDEX_META: &str = "index.json";
/// The other tables' file names in [`INDEX_DIR`].
pub const INSTANTS_FILE: &str = "instants.parquet";
/// Identity changes.
pub const EVENTS_FILE: &str = "events.parquet";
/// Gap candidates.
pub const GAPS_FILE: &str = "gaps.parquet";
/// The loitering detector's slow positions and run ends.
pub const LOITERING_FILE: &str = "loitering.parquet";
/// The building census's spoofing findings.
pub const SPOOFING_FILE: &str = "spoofing.cbor";

/// The file of pair band `i` as the first pass of a build writes it
/// (before [`split_by_shore`]).
pub fn band_file(i: usize) -> String {
    format!("pass1-pairs-{i}.parquet")
}

fn pairs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("time", ts(), false),
        Field::new("mmsi_a", DataType::UInt32, false),
        Field::new("mmsi_b", DataType::UInt32, false),
        Field::new("distance_m", DataType::Float64, false),
        Field::new("lat_a", DataType::Float64, false),
        Field::new("lon_a", DataType::Float64, false),
        Field::new("sog_a_kn", DataType::Float32, false),
        Field::new("lat_b", DataType::Float64, false),
        Field::new("lon_b", DataType::Float64, false),
        Field::new("sog_b_kn", DataType::Float32, false),
        Field::new("run", DataType::UInt32, false),
    ]))
}

fn instants_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("time", ts(), false),
        Field::new("msg", DataType::UInt64, false),
    ]))
}

fn events_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("msg", DataType::UInt64, false),
        Field::new("mmsi", DataType::UInt32, false),
        Field::new("event", DataType::UInt8, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("ship_type", DataType::UInt8, true),
    ]))
}

fn loitering_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("msg", DataType::UInt64, false),
        Field::new("events_before", DataType::UInt64, false),
        Field::new("mmsi", DataType::UInt32, false),
        Field::new("time", ts(), true),
        Field::new("lat", DataType::Float64, true),
        Field::new("lon", DataType::Float64, true),
        Field::new("sog_kn", DataType::Float32, true),
        Field::new("step_m", DataType::Float64, true),
        Field::new("contiguous", DataType::Boolean, true),
    ]))
}

fn loitering_batch(
    rows: &[LoiterRow],
    res_ms: i64,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let n = rows.len();
    let mut msg = UInt64Builder::with_capacity(n);
    let mut before = UInt64Builder::with_capacity(n);
    let mut mmsi = UInt32Builder::with_capacity(n);
    let mut time = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut f: [Float64Builder; 3] = std::array::from_fn(|_| Float64Builder::with_capacity(n));
    let mut sog = Float32Builder::with_capacity(n);
    let mut contiguous = BooleanBuilder::with_capacity(n);
    for r in rows {
        msg.append_value(r.msg);
        before.append_value(r.events_before);
        mmsi.append_value(r.mmsi);
        let s = r.sample.as_ref();
        time.append_option(s.map(|s| s.k * res_ms));
        f[0].append_option(s.map(|s| s.lat));
        f[1].append_option(s.map(|s| s.lon));
        sog.append_option(s.map(|s| s.speed_kn));
        f[2].append_option(s.map(|s| s.step_m));
        contiguous.append_option(s.map(|s| s.contiguous));
    }
    let [mut lat, mut lon, mut step] = f;
    let cols: Vec<ArrayRef> = vec![
        Arc::new(msg.finish()),
        Arc::new(before.finish()),
        Arc::new(mmsi.finish()),
        Arc::new(time.finish()),
        Arc::new(lat.finish()),
        Arc::new(lon.finish()),
        Arc::new(sog.finish()),
        Arc::new(step.finish()),
        Arc::new(contiguous.finish()),
    ];
    RecordBatch::try_new(loitering_schema(), cols)
}

/// Reads the loitering table (`rows` of it) into `out`.
fn read_loitering<R: ChunkReader + 'static>(
    r: R,
    rows: u64,
    res_ms: i64,
    out: &mut Vec<LoiterRow>,
) -> Result<(), ArchiveError> {
    let f = LOITERING_FILE;
    read_batches(f, r, rows, loitering_schema(), |b| {
        let u64s = |name: &'static str| -> Result<_, ArchiveError> {
            Ok(column(b, f, name, DataType::UInt64)?.as_primitive::<UInt64Type>())
        };
        let f64s = |name: &'static str| -> Result<_, ArchiveError> {
            Ok(column(b, f, name, DataType::Float64)?.as_primitive::<Float64Type>())
        };
        let (msg, before) = (u64s("msg")?, u64s("events_before")?);
        let mmsi = column(b, f, "mmsi", DataType::UInt32)?.as_primitive::<UInt32Type>();
        let time = column(b, f, "time", ts())?.as_primitive::<TimestampMillisecondType>();
        let (lat, lon, step) = (f64s("lat")?, f64s("lon")?, f64s("step_m")?);
        let sog = column(b, f, "sog_kn", DataType::Float32)?.as_primitive::<Float32Type>();
        let contiguous = column(b, f, "contiguous", DataType::Boolean)?.as_boolean();
        for i in 0..b.num_rows() {
            let sample = opt(time, i).map(|t| LoiterSample {
                k: t.div_euclid(res_ms),
                lat: lat.value(i),
                lon: lon.value(i),
                speed_kn: sog.value(i),
                step_m: step.value(i),
                contiguous: contiguous.value(i),
            });
            out.push(LoiterRow {
                msg: msg.value(i),
                events_before: before.value(i),
                mmsi: mmsi.value(i),
                sample,
            });
        }
        Ok(())
    })
}

/// Writes the building census's spoofing findings (one CBOR array).
pub fn write_spoofing<W: Write>(mut w: W, found: &[Finding]) -> Result<(), ArchiveError> {
    ciborium::into_writer(found, &mut w).map_err(|e| pq_err(SPOOFING_FILE, e))?;
    w.flush().map_err(|e| pq_err(SPOOFING_FILE, e))
}

/// Reads the spoofing findings an index keeps (as many as `meta` says, or
/// an error naming the file).
pub fn read_spoofing<R: std::io::Read>(
    meta: &PairIndexMeta,
    r: R,
) -> Result<Vec<Finding>, ArchiveError> {
    let found: Vec<Finding> =
        ciborium::from_reader(std::io::BufReader::new(r)).map_err(|e| pq_err(SPOOFING_FILE, e))?;
    if let Some(f) = found.iter().find(|f| !matches!(f, Finding::Spoofing(_))) {
        return Err(pq_err(
            SPOOFING_FILE,
            format!("holds a {} finding", f.kind().name()),
        ));
    }
    if found.len() as u64 != meta.spoofing {
        return Err(ArchiveError::Rows {
            file: SPOOFING_FILE.into(),
            expected: meta.spoofing,
            found: found.len() as u64,
        });
    }
    Ok(found)
}

fn gaps_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("msg", DataType::UInt64, false),
        Field::new("mmsi", DataType::UInt32, false),
        Field::new("start_time", ts(), false),
        Field::new("lat", DataType::Float64, false),
        Field::new("lon", DataType::Float64, false),
        Field::new("end_time", ts(), false),
        Field::new("end_lat", DataType::Float64, false),
        Field::new("end_lon", DataType::Float64, false),
        Field::new("positions_12h_before", DataType::UInt32, false),
        Field::new("positions_48h_before", DataType::UInt32, false),
    ]))
}

fn gaps_batch(rows: &[GapRow]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let n = rows.len();
    let mut msg = UInt64Builder::with_capacity(n);
    let mut mmsi = UInt32Builder::with_capacity(n);
    let mut t0 = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut t1 = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut f: [Float64Builder; 4] = std::array::from_fn(|_| Float64Builder::with_capacity(n));
    let mut p12 = UInt32Builder::with_capacity(n);
    let mut p48 = UInt32Builder::with_capacity(n);
    for r in rows {
        msg.append_value(r.msg);
        mmsi.append_value(r.mmsi);
        t0.append_value(r.ends.start.0);
        f[0].append_value(r.ends.start.1);
        f[1].append_value(r.ends.start.2);
        t1.append_value(r.ends.end.0);
        f[2].append_value(r.ends.end.1);
        f[3].append_value(r.ends.end.2);
        p12.append_value(r.ends.p12);
        p48.append_value(r.ends.p48);
    }
    let [mut lat, mut lon, mut end_lat, mut end_lon] = f;
    let cols: Vec<ArrayRef> = vec![
        Arc::new(msg.finish()),
        Arc::new(mmsi.finish()),
        Arc::new(t0.finish()),
        Arc::new(lat.finish()),
        Arc::new(lon.finish()),
        Arc::new(t1.finish()),
        Arc::new(end_lat.finish()),
        Arc::new(end_lon.finish()),
        Arc::new(p12.finish()),
        Arc::new(p48.finish()),
    ];
    RecordBatch::try_new(gaps_schema(), cols)
}

fn pairs_batch(rows: &[PairRow]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let n = rows.len();
    let mut time = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut ma = UInt32Builder::with_capacity(n);
    let mut mb = UInt32Builder::with_capacity(n);
    let mut d = Float64Builder::with_capacity(n);
    let (mut la, mut oa, mut lb, mut ob) = (
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
        Float64Builder::with_capacity(n),
    );
    let (mut sa, mut sb) = (
        Float32Builder::with_capacity(n),
        Float32Builder::with_capacity(n),
    );
    let mut run = UInt32Builder::with_capacity(n);
    for r in rows {
        run.append_value(r.run);
        time.append_value(r.time_ms);
        ma.append_value(r.mmsi_a);
        mb.append_value(r.mmsi_b);
        d.append_value(r.distance_m);
        la.append_value(r.a.0);
        oa.append_value(r.a.1);
        sa.append_value(r.a.2);
        lb.append_value(r.b.0);
        ob.append_value(r.b.1);
        sb.append_value(r.b.2);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(time.finish()),
        Arc::new(ma.finish()),
        Arc::new(mb.finish()),
        Arc::new(d.finish()),
        Arc::new(la.finish()),
        Arc::new(oa.finish()),
        Arc::new(sa.finish()),
        Arc::new(lb.finish()),
        Arc::new(ob.finish()),
        Arc::new(sb.finish()),
        Arc::new(run.finish()),
    ];
    RecordBatch::try_new(pairs_schema(), cols)
}

fn instants_batch(rows: &[(i64, u64)]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let mut time = TimestampMillisecondBuilder::with_capacity(rows.len()).with_timezone("UTC");
    let mut msg = UInt64Builder::with_capacity(rows.len());
    for &(t, m) in rows {
        time.append_value(t);
        msg.append_value(m);
    }
    let cols: Vec<ArrayRef> = vec![Arc::new(time.finish()), Arc::new(msg.finish())];
    RecordBatch::try_new(instants_schema(), cols)
}

fn events_batch(rows: &[VesselEvent]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let n = rows.len();
    let mut msg = UInt64Builder::with_capacity(n);
    let mut mmsi = UInt32Builder::with_capacity(n);
    let mut ev = UInt8Builder::with_capacity(n);
    let mut name = StringBuilder::new();
    let mut ty = UInt8Builder::with_capacity(n);
    for e in rows {
        msg.append_value(e.msg);
        mmsi.append_value(e.mmsi);
        ev.append_value(e.kind.code());
        name.append_option(e.name.as_deref());
        ty.append_option(e.ship_type);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(msg.finish()),
        Arc::new(mmsi.finish()),
        Arc::new(ev.finish()),
        Arc::new(name.finish()),
        Arc::new(ty.finish()),
    ];
    RecordBatch::try_new(events_schema(), cols)
}

/// A table being written by row groups.
struct Table<W: Write + Send, R> {
    file: String,
    writer: ArrowWriter<W>,
    rows: Vec<R>,
    written: u64,
    batch: BatchFn<R>,
}

type BatchFn<R> = Box<dyn Fn(&[R]) -> Result<RecordBatch, arrow_schema::ArrowError> + Send>;

impl<W: Write + Send, R> Table<W, R> {
    fn new(
        file: String,
        w: W,
        schema: SchemaRef,
        batch: impl Fn(&[R]) -> Result<RecordBatch, arrow_schema::ArrowError> + Send + 'static,
    ) -> Result<Self, ArchiveError> {
        let writer =
            ArrowWriter::try_new(w, schema, Some(props())).map_err(|e| pq_err(&file, e))?;
        Ok(Table {
            file,
            writer,
            rows: Vec::new(),
            written: 0,
            batch: Box::new(batch),
        })
    }

    fn flush(&mut self, all: bool) -> Result<(), ArchiveError> {
        if self.rows.is_empty() || (!all && self.rows.len() < ROW_GROUP_ROWS) {
            return Ok(());
        }
        let b = (self.batch)(&self.rows).map_err(|e| pq_err(&self.file, e))?;
        self.writer.write(&b).map_err(|e| pq_err(&self.file, e))?;
        self.written += self.rows.len() as u64;
        self.rows.clear();
        Ok(())
    }

    fn close(mut self) -> Result<u64, ArchiveError> {
        self.flush(true)?;
        self.writer.close().map_err(|e| pq_err(&self.file, e))?;
        Ok(self.written)
    }
}

/// Writes an index's tables as a building census logs them: rows are
/// buffered and written by row groups, so memory stays flat.
pub struct PairIndexWriter<W: Write + Send> {
    bands: Vec<(f64, f64, Table<W, PairRow>)>,
    /// Shore class by run number.
    classes: Vec<u8>,
    instants: Table<W, (i64, u64)>,
    events: Table<W, VesselEvent>,
    gaps: Table<W, GapRow>,
    loitering: Table<W, LoiterRow>,
}

/// What an index holds, counted.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexCounts {
    /// The pair bands.
    pub bands: Vec<Band>,
    /// The shore class of every run, by number.
    pub classes: Vec<u8>,
    /// Rows of the other tables.
    pub instants: u64,
    /// Identity changes.
    pub events: u64,
    /// Gap candidates.
    pub gaps: u64,
    /// Loitering rows.
    pub loitering: u64,
}

impl<W: Write + Send> PairIndexWriter<W> {
    /// Creates the tables: the first pass's pair bands ([`band_file`],
    /// read again by [`split_by_shore`]) through `open_pass1(file name)`,
    /// the others through `open(file name)`.
    pub fn new<E: From<ArchiveError>>(
        spec: &PairIndexSpec,
        resample_ms: i64,
        mut open_pass1: impl FnMut(&str) -> Result<W, E>,
        mut open: impl FnMut(&str) -> Result<W, E>,
    ) -> Result<Self, E> {
        let mut bands = Vec::new();
        let mut above = 0.0;
        for (i, upto) in spec.bands_m().into_iter().enumerate() {
            let f = band_file(i);
            let w = open_pass1(&f)?;
            bands.push((above, upto, Table::new(f, w, pairs_schema(), pairs_batch)?));
            above = upto;
        }
        let instants = Table::new(
            INSTANTS_FILE.into(),
            open(INSTANTS_FILE)?,
            instants_schema(),
            instants_batch,
        )?;
        let events = Table::new(
            EVENTS_FILE.into(),
            open(EVENTS_FILE)?,
            events_schema(),
            events_batch,
        )?;
        let gaps = Table::new(
            GAPS_FILE.into(),
            open(GAPS_FILE)?,
            gaps_schema(),
            gaps_batch,
        )?;
        let loitering = Table::new(
            LOITERING_FILE.into(),
            open(LOITERING_FILE)?,
            loitering_schema(),
            move |rows: &[LoiterRow]| loitering_batch(rows, resample_ms),
        )?;
        Ok(PairIndexWriter {
            bands,
            classes: Vec::new(),
            instants,
            events,
            gaps,
            loitering,
        })
    }

    /// Takes what was logged (emptying `log`); full row groups are written.
    pub fn write(&mut self, log: &mut PairLog) -> Result<(), ArchiveError> {
        for p in log.pairs.drain(..) {
            let i = self
                .bands
                .iter()
                .position(|(_, upto, _)| p.distance_m <= *upto)
                .unwrap_or(self.bands.len() - 1);
            self.bands[i].2.rows.push(p);
        }
        for (id, class) in log.run_classes.drain(..) {
            let i = id as usize;
            if self.classes.len() <= i {
                self.classes.resize(i + 1, SHORE_CLASSES_M.len() as u8);
            }
            self.classes[i] = class;
        }
        self.instants.rows.append(&mut log.instants);
        self.events.rows.append(&mut log.events);
        self.gaps.rows.append(&mut log.gaps);
        self.loitering.rows.append(&mut log.loiter);
        for (_, _, t) in &mut self.bands {
            t.flush(false)?;
        }
        self.instants.flush(false)?;
        self.events.flush(false)?;
        self.gaps.flush(false)?;
        self.loitering.flush(false)
    }

    /// Writes what is left and closes every file.
    pub fn finish(self) -> Result<IndexCounts, ArchiveError> {
        let mut bands = Vec::new();
        for (above, upto, t) in self.bands {
            let file = t.file.clone();
            bands.push(Band {
                file,
                above_m: above,
                upto_m: upto,
                shore_below_m: None,
                rows: t.close()?,
            });
        }
        Ok(IndexCounts {
            bands,
            classes: self.classes,
            instants: self.instants.close()?,
            events: self.events.close()?,
            gaps: self.gaps.close()?,
            loitering: self.loitering.close()?,
        })
    }
}

/// The second pass of a build: each distance band (as [`PairIndexWriter`]
/// wrote it, through `open_in`) split by the shore class of its runs into
/// `pairs-<band>-<class>.parquet` (through `open_out`), each still in
/// time order. Returns the new bands.
pub fn split_by_shore<R: ChunkReader + 'static, W: Write + Send, E: From<ArchiveError>>(
    bands: &[Band],
    classes: &[u8],
    mut open_in: impl FnMut(&str) -> Result<R, E>,
    mut open_out: impl FnMut(&str) -> Result<W, E>,
) -> Result<Vec<Band>, E> {
    let top = SHORE_CLASSES_M.len();
    let mut out = Vec::new();
    for (i, band) in bands.iter().enumerate() {
        let mut tables = Vec::new();
        for c in 0..=top {
            let f = format!("pairs-{i}-{c}.parquet");
            let w = open_out(&f)?;
            tables.push(Table::new(f, w, pairs_schema(), pairs_batch)?);
        }
        let mut rows = Vec::new();
        read_batches(
            &band.file,
            open_in(&band.file)?,
            band.rows,
            pairs_schema(),
            |b| {
                rows.clear();
                decode_pairs(b, &band.file, &mut rows)?;
                for r in rows.drain(..) {
                    let c = classes.get(r.run as usize).map_or(top, |&c| c as usize);
                    tables[c.min(top)].rows.push(r);
                }
                for t in &mut tables {
                    t.flush(false)?;
                }
                Ok(())
            },
        )?;
        for (c, t) in tables.into_iter().enumerate() {
            let file = t.file.clone();
            out.push(Band {
                file,
                above_m: band.above_m,
                upto_m: band.upto_m,
                shore_below_m: SHORE_CLASSES_M.get(c).copied(),
                rows: t.close()?,
            });
        }
    }
    Ok(out)
}

/// Reads what a census with `cfg` needs of an index but the pairs (the
/// instants for encounters, the gap candidates for gaps, the identity
/// changes for both; the pairs come through [`PairStream`]), opening files
/// through `open(file name)`; columns and row counts are checked against
/// `meta`, and errors name the file.
pub fn read_pair_index<R: ChunkReader + 'static, E: From<ArchiveError>>(
    meta: &PairIndexMeta,
    cfg: &CensusConfig,
    mut open: impl FnMut(&str) -> Result<R, E>,
) -> Result<PairLog, E> {
    let mut log = PairLog::default();
    if cfg.detectors.encounters {
        let f = INSTANTS_FILE;
        read_batches(f, open(f)?, meta.instants, instants_schema(), |b| {
            let time = column(b, f, "time", ts())?.as_primitive::<TimestampMillisecondType>();
            let msg = column(b, f, "msg", DataType::UInt64)?.as_primitive::<UInt64Type>();
            for i in 0..b.num_rows() {
                log.instants.push((time.value(i), msg.value(i)));
            }
            Ok(())
        })?;
    }
    let f = EVENTS_FILE;
    read_batches(f, open(f)?, meta.events, events_schema(), |b| {
        let msg = column(b, f, "msg", DataType::UInt64)?.as_primitive::<UInt64Type>();
        let mmsi = column(b, f, "mmsi", DataType::UInt32)?.as_primitive::<UInt32Type>();
        let ev = column(b, f, "event", DataType::UInt8)?.as_primitive::<UInt8Type>();
        let name = column(b, f, "name", DataType::Utf8)?.as_string::<i32>();
        let ty = column(b, f, "ship_type", DataType::UInt8)?.as_primitive::<UInt8Type>();
        for i in 0..b.num_rows() {
            let kind = VesselEventKind::from_code(ev.value(i))
                .ok_or_else(|| pq_err(f, format!("row {i}: unknown event code {}", ev.value(i))))?;
            log.events.push(VesselEvent {
                msg: msg.value(i),
                mmsi: mmsi.value(i),
                kind,
                name: arrow_array::Array::is_valid(name, i).then(|| name.value(i).to_string()),
                ship_type: opt(ty, i),
            });
        }
        Ok(())
    })?;
    if cfg.detectors.loitering {
        let res_ms = (cfg.resample_s * 1000.0) as i64;
        read_loitering(
            open(LOITERING_FILE)?,
            meta.loitering,
            res_ms,
            &mut log.loiter,
        )?;
    }
    if cfg.detectors.gaps {
        let f = GAPS_FILE;
        read_batches(f, open(f)?, meta.gaps, gaps_schema(), |b| {
            let msg = column(b, f, "msg", DataType::UInt64)?.as_primitive::<UInt64Type>();
            let mmsi = column(b, f, "mmsi", DataType::UInt32)?.as_primitive::<UInt32Type>();
            let t0 = column(b, f, "start_time", ts())?.as_primitive::<TimestampMillisecondType>();
            let t1 = column(b, f, "end_time", ts())?.as_primitive::<TimestampMillisecondType>();
            let f64s = |name: &'static str| -> Result<_, ArchiveError> {
                Ok(column(b, f, name, DataType::Float64)?.as_primitive::<Float64Type>())
            };
            let (la, lo, ela, elo) = (
                f64s("lat")?,
                f64s("lon")?,
                f64s("end_lat")?,
                f64s("end_lon")?,
            );
            let p12 = column(b, f, "positions_12h_before", DataType::UInt32)?
                .as_primitive::<UInt32Type>();
            let p48 = column(b, f, "positions_48h_before", DataType::UInt32)?
                .as_primitive::<UInt32Type>();
            for i in 0..b.num_rows() {
                log.gaps.push(GapRow {
                    msg: msg.value(i),
                    mmsi: mmsi.value(i),
                    ends: GapEnds {
                        start: (t0.value(i), la.value(i), lo.value(i)),
                        end: (t1.value(i), ela.value(i), elo.value(i)),
                        p12: p12.value(i),
                        p48: p48.value(i),
                    },
                });
            }
            Ok(())
        })?;
    }
    Ok(log)
}

/// The pairs a census with `cfg` needs (the bands up to its distance),
/// merged in time order and handed out by chunks, so that memory stays flat
/// however many pairs the index holds. Each band's columns are checked when
/// it is opened and its row count when it ends; errors name the file.
pub struct PairStream {
    bands: Vec<BandStream>,
}

struct BandStream {
    file: String,
    reader: ParquetRecordBatchReader,
    rows: Vec<PairRow>,
    pos: usize,
    read: u64,
    expected: u64,
    done: bool,
}

impl BandStream {
    /// The time of the next row, reading a batch if needed.
    fn head(&mut self) -> Result<Option<i64>, ArchiveError> {
        while self.pos == self.rows.len() {
            if self.done {
                return Ok(None);
            }
            match self.reader.next() {
                None => {
                    self.done = true;
                    if self.read != self.expected {
                        return Err(ArchiveError::Rows {
                            file: self.file.clone(),
                            expected: self.expected,
                            found: self.read,
                        });
                    }
                }
                Some(b) => {
                    let b = b.map_err(|e| pq_err(&self.file, e))?;
                    self.read += b.num_rows() as u64;
                    self.rows.clear();
                    self.pos = 0;
                    decode_pairs(&b, &self.file, &mut self.rows)?;
                }
            }
        }
        Ok(Some(self.rows[self.pos].time_ms))
    }
}

/// Rows per chunk of a [`PairStream`] (at least; an instant may straddle
/// two chunks).
const CHUNK_ROWS: usize = 65_536;

impl PairStream {
    /// Opens the bands a census with `cfg` reads (none without encounters).
    pub fn open<R: ChunkReader + 'static, E: From<ArchiveError>>(
        meta: &PairIndexMeta,
        cfg: &CensusConfig,
        mut open: impl FnMut(&str) -> Result<R, E>,
    ) -> Result<PairStream, E> {
        let mut bands = Vec::new();
        for band in meta
            .bands
            .iter()
            .filter(|b| b.use_for(cfg) == BandUse::Read)
        {
            let reader = batch_reader(&band.file, open(&band.file)?, pairs_schema())?;
            bands.push(BandStream {
                file: band.file.clone(),
                reader,
                rows: Vec::new(),
                pos: 0,
                read: 0,
                expected: band.rows,
                done: false,
            });
        }
        Ok(PairStream { bands })
    }

    fn next_chunk(&mut self) -> Result<Option<Vec<PairRow>>, ArchiveError> {
        let mut out = Vec::with_capacity(CHUNK_ROWS);
        loop {
            let mut first: Option<(i64, usize)> = None;
            for i in 0..self.bands.len() {
                if let Some(t) = self.bands[i].head()? {
                    if first.is_none_or(|(ft, _)| t < ft) {
                        first = Some((t, i));
                    }
                }
            }
            let Some((t, i)) = first else {
                return Ok((!out.is_empty()).then_some(out));
            };
            // Every row of this instant in this band (within an instant
            // the order does not matter: each pair extends its own run).
            while self.bands[i].head()? == Some(t) {
                let b = &mut self.bands[i];
                let end = b.pos + b.rows[b.pos..].partition_point(|r| r.time_ms == t);
                out.extend_from_slice(&b.rows[b.pos..end]);
                b.pos = end;
            }
            if out.len() >= CHUNK_ROWS {
                return Ok(Some(out));
            }
        }
    }
}

impl Iterator for PairStream {
    type Item = Result<Vec<PairRow>, ArchiveError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_chunk().transpose()
    }
}

fn decode_pairs(b: &RecordBatch, f: &str, out: &mut Vec<PairRow>) -> Result<(), ArchiveError> {
    let time = column(b, f, "time", ts())?.as_primitive::<TimestampMillisecondType>();
    let ma = column(b, f, "mmsi_a", DataType::UInt32)?.as_primitive::<UInt32Type>();
    let mb = column(b, f, "mmsi_b", DataType::UInt32)?.as_primitive::<UInt32Type>();
    let f64s = |name: &'static str| -> Result<_, ArchiveError> {
        Ok(column(b, f, name, DataType::Float64)?.as_primitive::<Float64Type>())
    };
    let f32s = |name: &'static str| -> Result<_, ArchiveError> {
        Ok(column(b, f, name, DataType::Float32)?.as_primitive::<Float32Type>())
    };
    let (d, la, oa, lb, ob) = (
        f64s("distance_m")?,
        f64s("lat_a")?,
        f64s("lon_a")?,
        f64s("lat_b")?,
        f64s("lon_b")?,
    );
    let (sa, sb) = (f32s("sog_a_kn")?, f32s("sog_b_kn")?);
    let run = column(b, f, "run", DataType::UInt32)?.as_primitive::<UInt32Type>();
    out.reserve(b.num_rows());
    for i in 0..b.num_rows() {
        out.push(PairRow {
            time_ms: time.value(i),
            mmsi_a: ma.value(i),
            mmsi_b: mb.value(i),
            distance_m: d.value(i),
            a: (la.value(i), oa.value(i), sa.value(i)),
            b: (lb.value(i), ob.value(i), sb.value(i)),
            run: run.value(i),
        });
    }
    Ok(())
}

/// The close pairs (within `cfg`'s thresholds) of the bands a rerun does
/// not read because of their shore class: their runs cannot give an
/// encounter, but they count in `resample.close_pairs` as in the census.
/// Reads three columns of them.
pub fn count_skipped<R: ChunkReader + 'static, E: From<ArchiveError>>(
    meta: &PairIndexMeta,
    cfg: &CensusConfig,
    mut open: impl FnMut(&str) -> Result<R, E>,
) -> Result<u64, E> {
    let mut n = 0u64;
    for band in meta
        .bands
        .iter()
        .filter(|b| b.use_for(cfg) == BandUse::Count)
    {
        let f = &band.file;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(open(f)?).map_err(|e| pq_err(f, e))?;
        let cols = ["distance_m", "sog_a_kn", "sog_b_kn"];
        let mask = ProjectionMask::columns(builder.parquet_schema(), cols);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(65_536)
            .build()
            .map_err(|e| pq_err(f, e))?;
        let mut rows = 0u64;
        for b in reader {
            let b = b.map_err(|e| pq_err(f, e))?;
            rows += b.num_rows() as u64;
            let d = column(&b, f, "distance_m", DataType::Float64)?.as_primitive::<Float64Type>();
            let sa = column(&b, f, "sog_a_kn", DataType::Float32)?.as_primitive::<Float32Type>();
            let sb = column(&b, f, "sog_b_kn", DataType::Float32)?.as_primitive::<Float32Type>();
            for i in 0..b.num_rows() {
                n += u64::from(within(cfg, d.value(i), sa.value(i), sb.value(i)));
            }
        }
        if rows != band.rows {
            return Err(ArchiveError::Rows {
                file: f.clone(),
                expected: band.rows,
                found: rows,
            }
            .into());
        }
    }
    Ok(n)
}

/// Writes near-miss candidates by distance band (CBOR arrays of at most
/// [`NEAR_MISS_CHUNK`]), each file in the order the pairs closed.
pub struct NearMissWriter<W: Write> {
    bands: Vec<(NearMissBand, W, Vec<NearMissCandidate>)>,
}

impl<W: Write> NearMissWriter<W> {
    /// Creates the band files through `open(file name)`.
    pub fn new<E>(
        spec: &PairIndexSpec,
        mut open: impl FnMut(&str) -> Result<W, E>,
    ) -> Result<Self, E> {
        let mut bands = Vec::new();
        let mut above = 0.0;
        let uptos = spec.near_miss_bands_nm().map(Some);
        for (i, upto) in uptos.into_iter().chain([None]).enumerate() {
            let file = format!("near-misses-{i}.cbor");
            let w = open(&file)?;
            let band = NearMissBand {
                file,
                above_nm: above,
                upto_nm: upto,
                rows: 0,
                chunks: 0,
            };
            bands.push((band, w, Vec::new()));
            above = upto.unwrap_or(above);
        }
        Ok(NearMissWriter { bands })
    }

    /// Takes the candidates (emptying `rows`).
    pub fn write(&mut self, rows: &mut Vec<NearMissCandidate>) -> Result<(), ArchiveError> {
        for c in rows.drain(..) {
            let d_nm = c.min_distance_m() / crate::util::M_PER_NM;
            let i = self
                .bands
                .iter()
                .position(|(b, _, _)| b.upto_nm.is_none_or(|u| d_nm < u))
                .unwrap_or(self.bands.len() - 1);
            self.bands[i].2.push(c);
        }
        self.flush(false)
    }

    fn flush(&mut self, all: bool) -> Result<(), ArchiveError> {
        for (band, w, buf) in &mut self.bands {
            while buf.len() >= NEAR_MISS_CHUNK || (all && !buf.is_empty()) {
                let n = buf.len().min(NEAR_MISS_CHUNK);
                let chunk: Vec<NearMissCandidate> = buf.drain(..n).collect();
                ciborium::into_writer(&chunk, &mut *w).map_err(|e| pq_err(&band.file, e))?;
                band.rows += n as u64;
                band.chunks += 1;
            }
        }
        Ok(())
    }

    /// Writes what is left; the bands as written.
    pub fn finish(mut self) -> Result<Vec<NearMissBand>, ArchiveError> {
        self.flush(true)?;
        let mut out = Vec::new();
        for (band, mut w, _) in self.bands {
            w.flush().map_err(|e| pq_err(&band.file, e))?;
            out.push(band);
        }
        Ok(out)
    }
}

/// The near-miss candidates a census with `cfg` needs (see
/// [`NearMissBand::needed`]), streamed: each band read a CBOR array at a
/// time and the bands merged by the message that closed them (ties in band
/// order; each band is in that order already), so that memory does not
/// grow with the history. A band's row count is checked when it ends;
/// errors name the file (a damaged array, a count other than the
/// description's).
pub struct NearMissStream<R: std::io::Read> {
    bands: Vec<NearMissBandStream<R>>,
}

struct NearMissBandStream<R: std::io::Read> {
    file: String,
    r: std::io::BufReader<R>,
    chunks_left: u64,
    expected: u64,
    read: u64,
    chunk: std::vec::IntoIter<NearMissCandidate>,
    head: Option<NearMissCandidate>,
}

impl<R: std::io::Read> NearMissBandStream<R> {
    /// Makes `head` the next candidate (none at the end, once the row
    /// count is checked).
    fn advance(&mut self) -> Result<(), ArchiveError> {
        loop {
            if let Some(c) = self.chunk.next() {
                self.read += 1;
                self.head = Some(c);
                return Ok(());
            }
            if self.chunks_left == 0 {
                self.head = None;
                if self.read != self.expected {
                    return Err(ArchiveError::Rows {
                        file: self.file.clone(),
                        expected: self.expected,
                        found: self.read,
                    });
                }
                return Ok(());
            }
            let chunk: Vec<NearMissCandidate> =
                ciborium::from_reader(&mut self.r).map_err(|e| pq_err(&self.file, e))?;
            self.chunks_left -= 1;
            self.chunk = chunk.into_iter();
        }
    }
}

impl<R: std::io::Read> NearMissStream<R> {
    /// Opens the bands a census with `cfg` needs through `open(file name)`.
    pub fn open<E: From<ArchiveError>>(
        meta: &PairIndexMeta,
        cfg: &CensusConfig,
        mut open: impl FnMut(&str) -> Result<R, E>,
    ) -> Result<Self, E> {
        let mut bands = Vec::new();
        for band in meta.near_miss_bands.iter().filter(|b| b.needed(cfg)) {
            let mut b = NearMissBandStream {
                file: band.file.clone(),
                r: std::io::BufReader::with_capacity(1 << 20, open(&band.file)?),
                chunks_left: band.chunks,
                expected: band.rows,
                read: 0,
                chunk: Vec::new().into_iter(),
                head: None,
            };
            b.advance()?;
            bands.push(b);
        }
        Ok(NearMissStream { bands })
    }
}

impl<R: std::io::Read> Iterator for NearMissStream<R> {
    type Item = Result<NearMissCandidate, ArchiveError>;

    fn next(&mut self) -> Option<Self::Item> {
        // The first band whose next candidate closed earliest.
        let mut at: Option<(usize, u64)> = None;
        for (i, b) in self.bands.iter().enumerate() {
            if let Some(h) = &b.head {
                if at.is_none_or(|(_, m)| h.msg < m) {
                    at = Some((i, h.msg));
                }
            }
        }
        let band = &mut self.bands[at?.0];
        let c = band.head.take()?;
        Some(band.advance().map(|()| c))
    }
}
