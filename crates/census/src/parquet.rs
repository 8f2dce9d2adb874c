//! Parquet output of the finding tables (feature `parquet`): one file per
//! kind, the same columns as the CSV, times as UTC millisecond timestamps,
//! Snappy-compressed row groups of up to 65 536 rows. Readable by DuckDB,
//! pandas/pyarrow and Spark.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::finding::{ColumnType, Kind, Value};

/// Rows per row group.
const BATCH_ROWS: usize = 65_536;

enum Col {
    Int(Int64Builder),
    Float(Float64Builder),
    Text(StringBuilder),
    Bool(BooleanBuilder),
    Time(TimestampMillisecondBuilder),
}

/// Why Parquet could not be written.
#[derive(Debug, thiserror::Error)]
#[error("parquet: {0}")]
pub struct ParquetError(String);

/// A Parquet file of one kind's rows.
pub struct ParquetSink<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    types: Vec<ColumnType>,
    cols: Vec<Col>,
    rows: usize,
}

fn builders(types: &[ColumnType]) -> Vec<Col> {
    types
        .iter()
        .map(|t| match t {
            ColumnType::Int => Col::Int(Int64Builder::new()),
            ColumnType::Float => Col::Float(Float64Builder::new()),
            ColumnType::Text => Col::Text(StringBuilder::new()),
            ColumnType::Bool => Col::Bool(BooleanBuilder::new()),
            ColumnType::Time => Col::Time(TimestampMillisecondBuilder::new().with_timezone("UTC")),
        })
        .collect()
}

impl<W: Write + Send> ParquetSink<W> {
    /// Starts a file for a kind.
    pub fn new(w: W, kind: Kind) -> Result<ParquetSink<W>, ParquetError> {
        let fields: Vec<Field> = kind
            .columns()
            .iter()
            .map(|(name, t)| {
                let dt = match t {
                    ColumnType::Int => DataType::Int64,
                    ColumnType::Float => DataType::Float64,
                    ColumnType::Text => DataType::Utf8,
                    ColumnType::Bool => DataType::Boolean,
                    ColumnType::Time => {
                        DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
                    }
                };
                Field::new(*name, dt, true)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by("finisterra census".into())
            .build();
        let writer = ArrowWriter::try_new(w, schema.clone(), Some(props))
            .map_err(|e| ParquetError(e.to_string()))?;
        let types: Vec<ColumnType> = kind.columns().iter().map(|c| c.1).collect();
        Ok(ParquetSink {
            writer,
            schema,
            cols: builders(&types),
            types,
            rows: 0,
        })
    }

    /// Adds one row (values in column order).
    pub fn push(&mut self, vals: &[Value<'_>]) -> Result<(), ParquetError> {
        for (c, v) in self.cols.iter_mut().zip(vals) {
            match (c, v) {
                (Col::Int(b), Value::Int(x)) => b.append_value(*x),
                (Col::Int(b), _) => b.append_null(),
                (Col::Float(b), Value::Float(x)) if x.is_finite() => b.append_value(*x),
                (Col::Float(b), Value::Int(x)) => b.append_value(*x as f64),
                (Col::Float(b), _) => b.append_null(),
                (Col::Text(b), Value::Text(x)) => b.append_value(x),
                (Col::Text(b), _) => b.append_null(),
                (Col::Bool(b), Value::Bool(x)) => b.append_value(*x),
                (Col::Bool(b), _) => b.append_null(),
                (Col::Time(b), Value::Time(x)) => b.append_value(*x),
                (Col::Time(b), _) => b.append_null(),
            }
        }
        self.rows += 1;
        if self.rows >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ParquetError> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Col::Int(b) => Arc::new(b.finish()),
                    Col::Float(b) => Arc::new(b.finish()),
                    Col::Text(b) => Arc::new(b.finish()),
                    Col::Bool(b) => Arc::new(b.finish()),
                    Col::Time(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| ParquetError(e.to_string()))?;
        self.writer
            .write(&batch)
            .map_err(|e| ParquetError(e.to_string()))?;
        self.cols = builders(&self.types);
        self.rows = 0;
        Ok(())
    }

    /// Writes the remaining rows and the footer.
    pub fn finish(mut self) -> Result<(), ParquetError> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|e| ParquetError(e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Row;

    #[test]
    fn writes_a_parquet_file() {
        let mut buf: Vec<u8> = Vec::new();
        {
            let mut sink = ParquetSink::new(&mut buf, Kind::Gap).expect("schema");
            let n = crate::finding::Gap::columns().len();
            let mut vals = vec![Value::Null; n];
            vals[0] = Value::Int(224_000_001);
            vals[3] = Value::Time(1_700_000_000_000);
            vals[5] = Value::Float(13.5);
            for _ in 0..3 {
                sink.push(&vals).expect("row");
            }
            sink.finish().expect("footer");
        }
        assert!(
            buf.starts_with(b"PAR1") && buf.ends_with(b"PAR1"),
            "{} bytes",
            buf.len()
        );
    }
}
