//! Error values. Nothing in this crate panics on bad input: a document that
//! cannot be used is an error naming what is wrong and where.

use std::fmt;

/// What is wrong with a GeoJSON or TopoJSON document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GeoJsonErrorKind {
    /// The bytes are not valid JSON (or not UTF-8).
    #[error("not valid JSON: {0}")]
    Json(String),
    /// The JSON is not the expected GeoJSON/TopoJSON structure (a missing
    /// `type`, a `features` that is not an array, an arc index out of
    /// range, …).
    #[error("{0}")]
    Structure(String),
    /// A geometry's coordinates are unusable (not numbers, latitude beyond
    /// ±90°, a ring with fewer than three distinct positions, …).
    #[error("{0}")]
    Geometry(String),
    /// A geometry type this reader does not accept here (for example a
    /// Point among zones).
    #[error("{0}")]
    Unsupported(String),
    /// A property is missing or has a value that is not allowed.
    #[error("{0}")]
    Property(String),
}

impl GeoJsonErrorKind {
    /// Stable key for counting and tests.
    pub fn reason(&self) -> &'static str {
        match self {
            GeoJsonErrorKind::Json(_) => "json",
            GeoJsonErrorKind::Structure(_) => "structure",
            GeoJsonErrorKind::Geometry(_) => "geometry",
            GeoJsonErrorKind::Unsupported(_) => "unsupported",
            GeoJsonErrorKind::Property(_) => "property",
        }
    }
}

/// An error in a GeoJSON or TopoJSON document, with where it was found:
/// the source name when the caller gave one (see
/// [`GeoJsonError::in_source`]), the feature number counted from 1 and the
/// feature's `name` when known.
///
/// Displayed as, for example,
/// `zones.geojson feature 3 ("Ria de Arousa"): rule "keepout" is not one of keep_out, keep_in, no_crossing, speed_limit, notify, tss_lane, tss_separation, tss_inshore, channel, restricted_visibility`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeoJsonError {
    source_name: Option<String>,
    feature: Option<usize>,
    feature_name: Option<String>,
    kind: GeoJsonErrorKind,
}

impl GeoJsonError {
    pub(crate) fn new(kind: GeoJsonErrorKind) -> GeoJsonError {
        GeoJsonError {
            source_name: None,
            feature: None,
            feature_name: None,
            kind,
        }
    }

    pub(crate) fn structure(msg: impl Into<String>) -> GeoJsonError {
        GeoJsonError::new(GeoJsonErrorKind::Structure(msg.into()))
    }

    pub(crate) fn at_feature(mut self, number: usize, name: Option<&str>) -> GeoJsonError {
        self.feature = Some(number);
        self.feature_name = name.map(str::to_owned);
        self
    }

    /// Names the document (usually its file name) in the message.
    pub fn in_source(mut self, name: impl Into<String>) -> GeoJsonError {
        self.source_name = Some(name.into());
        self
    }

    /// What is wrong.
    pub fn kind(&self) -> &GeoJsonErrorKind {
        &self.kind
    }

    /// The feature, counted from 1 in document order, when the error
    /// belongs to one.
    pub fn feature(&self) -> Option<usize> {
        self.feature
    }

    /// The feature's `name` property, when it has one.
    pub fn feature_name(&self) -> Option<&str> {
        self.feature_name.as_deref()
    }

    /// Stable key for counting and tests (see [`GeoJsonErrorKind::reason`]).
    pub fn reason(&self) -> &'static str {
        self.kind.reason()
    }
}

impl fmt::Display for GeoJsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(s) = &self.source_name {
            write!(f, "{s}")?;
            wrote = true;
        }
        if let Some(n) = self.feature {
            if wrote {
                write!(f, " ")?;
            }
            write!(f, "feature {n}")?;
            if let Some(name) = &self.feature_name {
                write!(f, " ({name:?})")?;
            }
            wrote = true;
        }
        if wrote {
            write!(f, ": ")?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for GeoJsonError {}

/// Why a compact land file (see [`crate::land::Land::from_bytes`]) was
/// refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LandFormatError {
    /// The file does not start with the land magic bytes.
    #[error("not a Finisterra land file (bad magic)")]
    BadMagic,
    /// A format version this build cannot read.
    #[error("land file version {0} is not supported (this build reads version 1)")]
    UnsupportedVersion(u16),
    /// The file ends before the data it announces.
    #[error("land file is truncated ({0})")]
    Truncated(&'static str),
    /// The checksum does not match: the file is damaged.
    #[error("land file checksum mismatch: the file is damaged")]
    Checksum,
    /// A header field or coordinate is invalid.
    #[error("land file is corrupt: {0}")]
    Corrupt(String),
}

impl LandFormatError {
    /// Stable key for counting and tests.
    pub fn reason(&self) -> &'static str {
        match self {
            LandFormatError::BadMagic => "bad_magic",
            LandFormatError::UnsupportedVersion(_) => "version",
            LandFormatError::Truncated(_) => "truncated",
            LandFormatError::Checksum => "checksum",
            LandFormatError::Corrupt(_) => "corrupt",
        }
    }
}
