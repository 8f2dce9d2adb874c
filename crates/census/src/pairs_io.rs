//! The pair index on disk (feature `parquet`): three plain Parquet tables
//! beside a JSON description, written and read by the caller's files.
//!
//! ```text
//! ARCHIVE/pairs/index.json        PairIndexMeta
//! ARCHIVE/pairs/pairs.parquet     time, mmsi_a, mmsi_b, distance_m, lat_a, lon_a, sog_a_kn, lat_b, lon_b, sog_b_kn
//! ARCHIVE/pairs/instants.parquet  time, msg
//! ARCHIVE/pairs/events.parquet    msg, mmsi, event (0 new, 1 static, 2 forget), name, ship_type
//! ```
//!
//! `pairs.parquet` is also what an analyst reads with DuckDB or pandas to
//! look at who came close to whom (`sog_*_kn` is the speed made good
//! between resampled positions, NaN when unknown).

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    Float32Builder, Float64Builder, StringBuilder, TimestampMillisecondBuilder, UInt32Builder,
    UInt64Builder, UInt8Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, TimestampMillisecondType, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::file::reader::ChunkReader;

use crate::archive::{column, opt, pq_err, props, read_batches, ts, ArchiveError, ROW_GROUP_ROWS};
use crate::pairs::{PairIndexMeta, PairLog, PairRow, VesselEvent, VesselEventKind};

/// The directory of the index inside an archive.
pub const PAIRS_DIR: &str = "pairs";
/// The description's file name in [`PAIRS_DIR`].
pub const PAIRS_META: &str = "index.json";
/// The tables' file names in [`PAIRS_DIR`].
pub const PAIRS_TABLES: [&str; 3] = ["pairs.parquet", "instants.parquet", "events.parquet"];

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
    for r in rows {
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

/// Writes a pair index's tables as a building census logs them: rows are
/// buffered and written by row groups, so memory stays flat.
pub struct PairIndexWriter<W: Write + Send> {
    pairs: ArrowWriter<W>,
    instants: ArrowWriter<W>,
    events: ArrowWriter<W>,
    buf: PairLog,
    /// Rows written: pairs, instants, events.
    pub rows: (u64, u64, u64),
}

impl<W: Write + Send> PairIndexWriter<W> {
    /// The three tables' files, in [`PAIRS_TABLES`] order.
    pub fn new(pairs: W, instants: W, events: W) -> Result<Self, ArchiveError> {
        let open = |w: W, i: usize, schema: SchemaRef| {
            ArrowWriter::try_new(w, schema, Some(props())).map_err(|e| pq_err(PAIRS_TABLES[i], e))
        };
        Ok(PairIndexWriter {
            pairs: open(pairs, 0, pairs_schema())?,
            instants: open(instants, 1, instants_schema())?,
            events: open(events, 2, events_schema())?,
            buf: PairLog::default(),
            rows: (0, 0, 0),
        })
    }

    /// Takes what was logged (emptying `log`); full row groups are written.
    pub fn write(&mut self, log: &mut PairLog) -> Result<(), ArchiveError> {
        log.drain_into(&mut self.buf);
        self.flush(false)
    }

    fn flush(&mut self, all: bool) -> Result<(), ArchiveError> {
        let full = |n: usize| n > 0 && (all || n >= ROW_GROUP_ROWS);
        if full(self.buf.pairs.len()) {
            let b = pairs_batch(&self.buf.pairs).map_err(|e| pq_err(PAIRS_TABLES[0], e))?;
            self.pairs
                .write(&b)
                .map_err(|e| pq_err(PAIRS_TABLES[0], e))?;
            self.rows.0 += self.buf.pairs.len() as u64;
            self.buf.pairs.clear();
        }
        if full(self.buf.instants.len()) {
            let b = instants_batch(&self.buf.instants).map_err(|e| pq_err(PAIRS_TABLES[1], e))?;
            self.instants
                .write(&b)
                .map_err(|e| pq_err(PAIRS_TABLES[1], e))?;
            self.rows.1 += self.buf.instants.len() as u64;
            self.buf.instants.clear();
        }
        if full(self.buf.events.len()) {
            let b = events_batch(&self.buf.events).map_err(|e| pq_err(PAIRS_TABLES[2], e))?;
            self.events
                .write(&b)
                .map_err(|e| pq_err(PAIRS_TABLES[2], e))?;
            self.rows.2 += self.buf.events.len() as u64;
            self.buf.events.clear();
        }
        Ok(())
    }

    /// Writes what is left and closes the three files.
    pub fn finish(mut self) -> Result<(u64, u64, u64), ArchiveError> {
        self.flush(true)?;
        self.pairs.close().map_err(|e| pq_err(PAIRS_TABLES[0], e))?;
        self.instants
            .close()
            .map_err(|e| pq_err(PAIRS_TABLES[1], e))?;
        self.events
            .close()
            .map_err(|e| pq_err(PAIRS_TABLES[2], e))?;
        Ok(self.rows)
    }
}

/// Reads a pair index's three tables (in [`PAIRS_TABLES`] order), checking
/// their columns and their row counts against `meta`; errors name the file.
pub fn read_pair_index<R: ChunkReader + 'static>(
    meta: &PairIndexMeta,
    pairs: R,
    instants: R,
    events: R,
) -> Result<PairLog, ArchiveError> {
    let mut log = PairLog::default();
    let f = PAIRS_TABLES[0];
    read_batches(f, pairs, meta.pairs, pairs_schema(), |b| {
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
        log.pairs.reserve(b.num_rows());
        for i in 0..b.num_rows() {
            log.pairs.push(PairRow {
                time_ms: time.value(i),
                mmsi_a: ma.value(i),
                mmsi_b: mb.value(i),
                distance_m: d.value(i),
                a: (la.value(i), oa.value(i), sa.value(i)),
                b: (lb.value(i), ob.value(i), sb.value(i)),
            });
        }
        Ok(())
    })?;
    let f = PAIRS_TABLES[1];
    read_batches(f, instants, meta.instants, instants_schema(), |b| {
        let time = column(b, f, "time", ts())?.as_primitive::<TimestampMillisecondType>();
        let msg = column(b, f, "msg", DataType::UInt64)?.as_primitive::<UInt64Type>();
        for i in 0..b.num_rows() {
            log.instants.push((time.value(i), msg.value(i)));
        }
        Ok(())
    })?;
    let f = PAIRS_TABLES[2];
    read_batches(f, events, meta.events, events_schema(), |b| {
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
    Ok(log)
}
