//! Scale-out of the engine over many workers, sans-IO.
//!
//! The sea is cut into cells and the cells into partitions ([`Grid`]);
//! ingest sends each message to its home partition **and** to every
//! partition whose halo it falls in ([`Halo`], [`Grid::partitions_for`]), so
//! that a worker holding a partition sees every vessel that could come into
//! risk with one of its own (aircraft with their own halo, [`Halo::air`]).
//! Every worker runs the same engine as `scan` on what it receives, one
//! engine per partition (or several partitions merged back into ingest's
//! one order, [`worker::Merge`]); exactly one reports each event ([`Ownership`]),
//! under a key made from the data alone ([`event_key`]) that the broker
//! and the store de-duplicate on.
//!
//! Nothing here touches the broker, a socket, a file or the clock: the
//! broker boundary is `finisterra-broker`, the processes are the CLI's
//! `ingest` and `worker`. Same records, same events.
//!
//! ```
//! use finisterra_cluster::{Grid, Halo};
//! use finisterra_engine::Config;
//! let grid = Grid::new(10.0, 16).unwrap();
//! let halo = Halo::ships(&Config::default());
//! assert!((halo.total_nm() - 137.6).abs() < 0.1);
//! // In the Dover Strait, 1.4° east of the 0° cell edge: home and halo.
//! let r = grid.partitions_for(51.0, 1.4, halo.total_m).unwrap();
//! assert_eq!(r.home, grid.home(51.0, 1.4).unwrap());
//! ```

pub mod grid;
pub mod halo;
pub mod ingest;
pub mod members;
pub mod owner;
pub mod wire;
pub mod worker;

pub use grid::{Cell, Grid, GridError, Partition, Routing};
pub use halo::Halo;
pub use ingest::{IngestStats, Outgoing, Router};
pub use members::{member_id_char, valid_member_id, Assignment};
pub use owner::{event_key, Ownership};
pub use wire::{air_bytes, air_message, Record, WireError};
pub use worker::{
    Merge, Owned, WorkerCore, WorkerSnapshotError, WorkerStats, WORKER_SNAPSHOT_MAGIC,
    WORKER_SNAPSHOT_VERSION,
};
