//! Device data in the vault: each imported device file of a recording is a
//! data source, its samples age-encrypted to a key of its own in
//! `media/<id>.age` (the source file is only read, and no plaintext copy is
//! written), its key in `data_keys`, so shredding the recording shreds the
//! data with it. Its alignment to the recording's timeline is a
//! [`Mapping`] like a camera view's, changed only through
//! [`Vault::set_data_mapping`], audited, with its history kept for undo.

use std::path::Path;

use rusqlite::{OptionalExtension as _, params};
use serde::Serialize;

use super::media_store::{self, media_path};
use super::{Vault, VaultError};
use crate::device_data::csv::CsvOptions;
use crate::device_data::{self, DataSet, DataStart, Format, Mapping, SignalSummary};
use crate::views::marks::{self, Mark};

/// A data source as stored (its samples are loaded with [`Vault::load_data`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DataSource {
    /// Its id.
    pub source_id: String,
    /// The recording it belongs to.
    pub recording_id: String,
    /// The file's name as imported.
    pub label: String,
    /// `csv`, `tsv` or `edf`.
    pub format: String,
    /// Its signals.
    pub signals: Vec<StoredSignal>,
    /// Events the device noted.
    pub events: u64,
    /// Its alignment: data time = offset + recording time × (1 + ppm / 10⁶).
    #[serde(skip)]
    pub mapping: Mapping,
    /// What set the alignment: `clock`, `start`, `pairs` or `manual`.
    pub sync_source: String,
    /// Per pair, the fitted data time minus the paired one, in ms.
    pub residuals_ms: Vec<f64>,
}

/// A signal's summary as stored.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct StoredSignal {
    /// Its name.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// `trend` or `waveform`.
    pub kind: String,
    /// Samples a second.
    pub rate_hz: Option<f64>,
    /// Number of samples.
    pub samples: u64,
}

impl From<SignalSummary> for StoredSignal {
    fn from(s: SignalSummary) -> Self {
        Self {
            name: s.name,
            unit: s.unit,
            kind: s.kind.to_owned(),
            rate_hz: s.rate_hz,
            samples: s.samples as u64,
        }
    }
}

impl DataSource {
    /// The alignment as `data list`/`data align --json` print it: where the
    /// data's time 0 falls on the recording (`offset_ms`), drift, residuals.
    pub fn alignment_json(&self) -> serde_json::Value {
        serde_json::json!({
            "offset_ms": -(self.mapping.offset_ns as f64) / 1e6,
            "ppm": self.mapping.drift_ppm,
            "source": self.sync_source,
            "residual_ms": self.residuals_ms.iter().fold(0.0f64, |m, r| m.max(r.abs())),
            "residuals_ms": self.residuals_ms,
        })
    }

    /// The source as `data list --json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("alignment".into(), self.alignment_json());
        }
        v
    }
}

const SOURCE_COLUMNS: &str = "id, recording_id, label, format, signals, events, offset_ns, drift_ppm, sync_source, residuals";

fn source_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(DataSource, String, Option<String>)> {
    Ok((
        DataSource {
            source_id: r.get(0)?,
            recording_id: r.get(1)?,
            label: r.get(2)?,
            format: r.get(3)?,
            signals: Vec::new(),
            events: r.get::<_, i64>(5)? as u64,
            mapping: Mapping {
                offset_ns: r.get(6)?,
                drift_ppm: r.get(7)?,
            },
            sync_source: r.get(8)?,
            residuals_ms: Vec::new(),
        },
        r.get(4)?,
        r.get(9)?,
    ))
}

fn finish_source(
    (mut source, signals, residuals): (DataSource, String, Option<String>),
) -> Result<DataSource, VaultError> {
    source.signals = serde_json::from_str(&signals).map_err(|e| {
        VaultError::Integrity(format!("a data source's signal list is damaged: {e}"))
    })?;
    source.residuals_ms = residuals
        .map(|r| serde_json::from_str(&r))
        .transpose()
        .map_err(|e| VaultError::Integrity(format!("a data source's residuals are damaged: {e}")))?
        .unwrap_or_default();
    Ok(source)
}

/// The first guess of an alignment from two clocks: the data's time at the
/// recording's start. A time of day alone is taken on the recording's day
/// (the nearer side of midnight).
pub fn clock_guess(recording_start: chrono::NaiveDateTime, data_start: DataStart) -> Mapping {
    let data_start = match data_start {
        DataStart::At(t) => t,
        DataStart::TimeOfDay(t) => {
            let same_day = recording_start.date().and_time(t);
            [
                same_day - chrono::Duration::days(1),
                same_day,
                same_day + chrono::Duration::days(1),
            ]
            .into_iter()
            .min_by_key(|d| (*d - recording_start).num_milliseconds().abs())
            .unwrap_or(same_day)
        }
    };
    Mapping {
        offset_ns: (recording_start - data_start)
            .num_nanoseconds()
            .unwrap_or_default(),
        drift_ppm: 0.0,
    }
}

impl Vault {
    /// Imports a device file into a recording (instructors): parses it,
    /// encrypts its samples to a new key in the vault and guesses the
    /// alignment from the clocks (the recording's start, when it was
    /// recorded into the vault, against the device's), else from the
    /// starts. A refused file leaves the vault unchanged.
    pub fn import_data(
        &mut self,
        recording_id: &str,
        file: &Path,
        format: Option<Format>,
        options: &CsvOptions,
    ) -> Result<(DataSource, DataSet), VaultError> {
        self.require_instructor("import device data")?;
        self.live_reference(recording_id)?;
        let bytes = zeroize::Zeroizing::new(
            std::fs::read(file).map_err(VaultError::io(format!("reading {}", file.display())))?,
        );
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let format =
            format.unwrap_or_else(|| Format::guess(&name, bytes.get(..512).unwrap_or(&bytes)));
        let set =
            device_data::parse(&bytes, format, options).map_err(|problem| VaultError::Data {
                file: file.display().to_string(),
                problem,
            })?;
        self.store_data(recording_id, &name, format, &bytes, set)
    }

    /// Stores a data set read from `bytes` (a file named `name`, of `format`)
    /// into a recording (the caller checked the role and the recording).
    pub(crate) fn store_data(
        &mut self,
        recording_id: &str,
        name: &str,
        format: Format,
        bytes: &[u8],
        set: DataSet,
    ) -> Result<(DataSource, DataSet), VaultError> {
        let source_sha256 = {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(bytes))
        };
        let existing: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM data_sources WHERE recording_id = ?1 AND source_sha256 = ?2 AND shredded_at IS NULL",
                params![recording_id, source_sha256],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(existing) = existing {
            return Err(VaultError::Invalid(format!(
                "this file is already imported into the recording as data source {existing}; \
                 align that one instead"
            )));
        }
        let (mapping, sync_source) = match (self.recording_clock_start(recording_id)?, set.start) {
            (Some(rec), Some(data)) => (clock_guess(rec, data), "clock"),
            _ => (Mapping::default(), "start"),
        };
        let id = uuid::Uuid::new_v4().to_string();
        let dest = media_path(&self.dir, &id);
        let identity = age::x25519::Identity::generate();
        let plain = zeroize::Zeroizing::new(device_data::encoding::encode(&set));
        let (sha256, size) = media_store::encrypt_bytes(&plain, &dest, &identity.to_public())?;
        let secret = {
            use age::secrecy::ExposeSecret as _;
            zeroize::Zeroizing::new(identity.to_string().expose_secret().to_owned())
        };
        let signals: Vec<StoredSignal> = set.summaries().into_iter().map(Into::into).collect();
        let signals_json = serde_json::to_string(&signals).unwrap_or_default();
        let start_clock = set.start.map(|s| match s {
            DataStart::At(t) => t.to_string(),
            DataStart::TimeOfDay(t) => t.to_string(),
        });
        let (now, user_id) = (self.now_string(), self.user.id);
        let detail = format!(
            "recording={recording_id} format={} signals={} samples={} events={} bytes={size}",
            format.as_str(),
            signals.len(),
            set.samples(),
            set.events.len()
        );
        let result = self.write("data.import", Some(&id), Some(&detail), |tx| {
            tx.execute(
                "INSERT INTO data_sources (id, recording_id, label, format, signals, events, start_clock,
                 sha256, size, source_sha256, offset_ns, drift_ppm, sync_source, imported_at, imported_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    id,
                    recording_id,
                    name,
                    format.as_str(),
                    signals_json,
                    set.events.len() as i64,
                    start_clock,
                    sha256,
                    size as i64,
                    source_sha256,
                    mapping.offset_ns,
                    mapping.drift_ppm,
                    sync_source,
                    now,
                    (user_id > 0).then_some(user_id),
                ],
            )?;
            tx.execute(
                "INSERT INTO data_keys (source_id, identity) VALUES (?1, ?2)",
                params![id, secret.as_str()],
            )?;
            Ok(())
        });
        if let Err(err) = result {
            let _ = std::fs::remove_file(&dest);
            return Err(err);
        }
        Ok((self.data_source(&id)?, set))
    }

    /// When a recording recorded into the vault started, by the local clock.
    fn recording_clock_start(
        &self,
        recording_id: &str,
    ) -> Result<Option<chrono::NaiveDateTime>, VaultError> {
        let started: Option<String> = self
            .conn
            .query_row(
                "SELECT r.imported_at FROM recordings r WHERE r.id = ?1
                 AND EXISTS (SELECT 1 FROM capture_views v WHERE v.id = r.id)",
                [recording_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(started
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.with_timezone(&chrono::Local).naive_local()))
    }

    /// The data sources of a recording (if visible), oldest first.
    pub fn data_sources(&self, recording_id: &str) -> Result<Vec<DataSource>, VaultError> {
        self.recording(recording_id)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SOURCE_COLUMNS} FROM data_sources WHERE recording_id = ?1 AND shredded_at IS NULL
             ORDER BY imported_at, id"
        ))?;
        let rows = stmt
            .query_map([recording_id], source_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(finish_source).collect()
    }

    /// One data source, if its recording is visible.
    pub fn data_source(&self, source_id: &str) -> Result<DataSource, VaultError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {SOURCE_COLUMNS} FROM data_sources WHERE id = ?1 AND shredded_at IS NULL"),
                [source_id],
                source_from_row,
            )
            .optional()?;
        let not_found = || VaultError::NotFound {
            what: "data source",
            id: source_id.to_owned(),
        };
        let row = row.ok_or_else(not_found)?;
        self.recording(&row.0.recording_id)
            .map_err(|_| not_found())?;
        finish_source(row)
    }

    /// A data source's samples, for someone who may view its recording.
    pub fn load_data(&self, source_id: &str) -> Result<DataSet, VaultError> {
        let source = self.data_source(source_id)?;
        self.check_may_view(&source.recording_id)?;
        let secret: Option<zeroize::Zeroizing<String>> = self
            .conn
            .query_row(
                "SELECT identity FROM data_keys WHERE source_id = ?1",
                [source_id],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(zeroize::Zeroizing::new);
        let identity: age::x25519::Identity = secret
            .ok_or_else(|| VaultError::NotFound {
                what: "data key (shredded)",
                id: source_id.to_owned(),
            })?
            .parse()
            .map_err(|_| VaultError::Integrity("a data key is damaged".into()))?;
        let plain = media_store::decrypt_all(&media_path(&self.dir, source_id), &identity)?;
        device_data::encoding::decode(&plain).map_err(|e| VaultError::Integrity(e.to_string()))
    }

    /// Every data source of a recording with its samples and alignment
    /// (for someone who may view the recording).
    pub fn recording_data(
        &self,
        recording_id: &str,
    ) -> Result<Vec<(DataSource, DataSet)>, VaultError> {
        self.data_sources(recording_id)?
            .into_iter()
            .map(|s| {
                let set = self.load_data(&s.source_id)?;
                Ok((s, set))
            })
            .collect()
    }

    /// Aligns a data source from pairs of one event seen on the video and in
    /// the data (`Mark { ref_ns: recording time, view_ns: data time }`): one
    /// pair sets the offset, two or more also fit the drift, with residuals.
    pub fn align_data(
        &mut self,
        source_id: &str,
        pairs: &[Mark],
    ) -> Result<DataSource, VaultError> {
        let fit = marks::fit(pairs).map_err(|e| {
            VaultError::Invalid(format!(
                "{e} (pair an event on the video with the same event in the data)"
            ))
        })?;
        let residuals: Vec<f64> = fit
            .residuals_ns
            .iter()
            .map(|r| (*r as f64 / 1e3).round() / 1e3)
            .collect();
        self.set_data_mapping(source_id, fit.mapping, "pairs", &residuals)
    }

    /// Sets a data source's alignment (instructors), audited as `data.align`;
    /// the previous one is kept for [`Vault::undo_data_alignment`].
    pub fn set_data_mapping(
        &mut self,
        source_id: &str,
        mapping: Mapping,
        sync_source: &str,
        residuals_ms: &[f64],
    ) -> Result<DataSource, VaultError> {
        self.require_instructor("align device data")?;
        let before = self.data_source(source_id)?;
        let (now, user_id) = (self.now_string(), self.user.id);
        let residuals = serde_json::to_string(residuals_ms).unwrap_or_default();
        let detail = format!(
            "offset_ns={} ppm={:.3} source={sync_source}",
            mapping.offset_ns, mapping.drift_ppm
        );
        self.write("data.align", Some(source_id), Some(&detail), |tx| {
            tx.execute(
                "INSERT INTO data_align_history (source_id, offset_ns, drift_ppm, sync_source, residuals, changed_at, changed_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    source_id,
                    before.mapping.offset_ns,
                    before.mapping.drift_ppm,
                    before.sync_source,
                    serde_json::to_string(&before.residuals_ms).unwrap_or_default(),
                    now,
                    (user_id > 0).then_some(user_id),
                ],
            )?;
            tx.execute(
                "UPDATE data_sources SET offset_ns = ?2, drift_ppm = ?3, sync_source = ?4, residuals = ?5 WHERE id = ?1",
                params![source_id, mapping.offset_ns, mapping.drift_ppm, sync_source, residuals],
            )?;
            Ok(())
        })?;
        self.data_source(source_id)
    }

    /// Puts back the alignment before the last change (audited as `data.align.undo`).
    pub fn undo_data_alignment(&mut self, source_id: &str) -> Result<DataSource, VaultError> {
        self.require_instructor("align device data")?;
        self.data_source(source_id)?;
        let last: Option<(i64, i64, f64, String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT id, offset_ns, drift_ppm, sync_source, residuals FROM data_align_history
                 WHERE source_id = ?1 ORDER BY id DESC LIMIT 1",
                [source_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((row, offset_ns, drift_ppm, sync_source, residuals)) = last else {
            return Err(VaultError::Invalid(
                "this data source's alignment was never changed: there is nothing to undo".into(),
            ));
        };
        let detail = format!("offset_ns={offset_ns} ppm={drift_ppm:.3} source={sync_source}");
        self.write("data.align.undo", Some(source_id), Some(&detail), |tx| {
            tx.execute(
                "UPDATE data_sources SET offset_ns = ?2, drift_ppm = ?3, sync_source = ?4, residuals = ?5 WHERE id = ?1",
                params![source_id, offset_ns, drift_ppm, sync_source, residuals],
            )?;
            tx.execute("DELETE FROM data_align_history WHERE id = ?1", [row])?;
            Ok(())
        })?;
        self.data_source(source_id)
    }

    /// Every data source of a recording, shredded ones too (for shredding).
    pub(super) fn data_source_ids(&self, recording_id: &str) -> Result<Vec<String>, VaultError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM data_sources WHERE recording_id = ?1")?;
        let ids = stmt
            .query_map([recording_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }
}

/// Deletes the keys of data sources `ids` and marks them shredded (inside the shred's transaction).
pub(super) fn shred_sources(
    tx: &rusqlite::Connection,
    ids: &[String],
    now: &str,
) -> rusqlite::Result<()> {
    for id in ids {
        tx.execute("DELETE FROM data_keys WHERE source_id = ?1", [id])?;
        tx.execute(
            "UPDATE data_sources SET shredded_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_guesses_put_the_data_start_on_the_recording() {
        let rec = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(0, 0, 10)
            .unwrap();
        let at = |h, m, s| chrono::NaiveTime::from_hms_opt(h, m, s).unwrap();
        // Device started 3 s before the video: at video 0 the data is at +3 s.
        let m = clock_guess(rec, DataStart::At(rec - chrono::Duration::seconds(3)));
        assert_eq!(m.offset_ns, 3_000_000_000);
        // A time of day just before midnight belongs to the day before.
        let m = clock_guess(rec, DataStart::TimeOfDay(at(23, 59, 50)));
        assert_eq!(m.offset_ns, 20_000_000_000);
        let m = clock_guess(rec, DataStart::TimeOfDay(at(0, 0, 12)));
        assert_eq!(m.offset_ns, -2_000_000_000);
    }
}
