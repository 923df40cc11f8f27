//! Recordings captured straight into the vault: the vault's side of
//! `crate::capture` (which runs the cameras).
//!
//! ```text
//! begin_capture ── captures + capture_views rows (one age identity per view), lock file held
//!   recorder: whole fMP4 boxes ──► SegmentWriter media/<view>.<seq>.age ──► seal_segment (row)
//! finish_capture ── probe each view over its segments ──► recordings rows, keys, offsets from the shared clock
//! recover_captures (every unlock) ── a capture whose recorder died: each unsealed segment cut at its
//!   last whole fragment (decrypted only as far as it authenticates), re-encrypted, sealed, audited
//! ```
//!
//! Until a capture is sealed nothing else in the vault sees it: its views are
//! not recordings yet, so the library, retention and exports never meet a
//! recording that is still growing.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::media_store::{self, Sealed, SegmentWriter, segment_path};
use super::recordings::{NewRecordingRow, insert_recording};
use super::{Vault, VaultError};
use crate::media::{self, FrameTable, MediaInfo, MediaSource};
use crate::model::Purpose;

/// One camera of a capture about to start.
#[derive(Clone, Debug)]
pub struct CaptureViewSpec {
    /// Camera label ("overhead", "team").
    pub camera: Option<String>,
    /// What it records from, as stored: `test`, `v4l2:/dev/video0`, `rtsp`
    /// (never an address or credentials).
    pub source: String,
}

/// A capture about to start.
#[derive(Clone, Debug)]
pub struct NewCapture {
    /// The case it belongs to.
    pub case_id: String,
    /// Why it is recorded.
    pub purpose: Purpose,
    /// Its cameras, the reference first (1–4).
    pub views: Vec<CaptureViewSpec>,
    /// What the recorder confirmed: who is present, deferred consent, the
    /// "do not record" list ([`Vault::check_before_recording`]).
    pub before: super::BeforeRecording,
}

/// One view of a running capture.
#[derive(Clone, Debug)]
pub struct CaptureView {
    /// Its id: the recording's (or the camera view's) once sealed.
    pub id: String,
    /// Camera label.
    pub camera: Option<String>,
    /// Segments are encrypted to this.
    pub recipient: age::x25519::Recipient,
}

/// A running capture. The lock it holds tells a later start that its
/// recorder is alive; dropping it without [`Vault::finish_capture`] leaves
/// the capture to be recovered.
#[derive(Debug)]
pub struct Capture {
    /// The capture's id.
    pub id: String,
    /// Its views, the reference first.
    pub views: Vec<CaptureView>,
    _lock: File,
}

/// One view of a sealed capture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CapturedView {
    /// The view's id (the reference's is the recording's).
    pub view_id: String,
    /// Camera label.
    pub camera: Option<String>,
    /// Its frames.
    pub frames: u64,
    /// Its offset on the reference's timeline, from the shared clock (ns).
    pub offset_ns: i64,
}

/// A sealed capture: what `debrief record` prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Captured {
    /// The recording (its reference view's id).
    pub recording_id: String,
    /// Every view with frames, the reference first.
    pub views: Vec<CapturedView>,
    /// The reference's frames.
    pub frames: u64,
    /// Segments of all views.
    pub segments: u32,
    /// True when sealed by recovery after the recorder died.
    pub recovered: bool,
    /// The reference's length (ns).
    pub duration_ns: i64,
}

impl Captured {
    /// "HH:MM:SS" of the recording's length (where a recovered one was cut).
    pub fn length_text(&self) -> String {
        let s = self.duration_ns.max(0) / 1_000_000_000;
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

/// Where a capture's lock lives (outside `media/`, whose every file is age).
fn lock_path(dir: &Path, capture_id: &str) -> PathBuf {
    dir.join("captures").join(format!("{capture_id}.lock"))
}

/// SHA-256 over the segments' hashes in order: the captured recording's
/// checksum as one value (each segment is checked against its own).
fn combined_sha256(segments: &[Segment]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (_, sha, _) in segments {
        h.update(sha.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A sealed segment as stored: its number, SHA-256 and size.
type Segment = (u32, String, u64);

/// A view's row in `capture_views`.
struct ViewRow {
    id: String,
    camera: Option<String>,
    source: String,
    identity: Option<zeroize::Zeroizing<String>>,
    clock_base_ns: Option<i64>,
}

impl Vault {
    /// Starts a capture (instructors): one new key per view, the capture's
    /// lock taken, audited as `capture.start`. Segments are then written
    /// with [`Vault::create_segment`] and recorded with [`Vault::seal_segment`].
    pub fn begin_capture(&mut self, new: &NewCapture) -> Result<Capture, VaultError> {
        self.require_instructor("record")?;
        let (present, deadline) = self.check_before_recording(&new.case_id, &new.before)?;
        if new.views.is_empty() || new.views.len() > super::MAX_VIEWS {
            return Err(VaultError::Invalid(format!(
                "a recording holds 1 to {} cameras, not {}",
                super::MAX_VIEWS,
                new.views.len()
            )));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let lock_dir = self.dir.join("captures");
        std::fs::create_dir_all(&lock_dir)
            .map_err(VaultError::io(format!("creating {}", lock_dir.display())))?;
        let lock = crate::files::hold(&lock_path(&self.dir, &id))
            .map_err(VaultError::io("taking the recording's lock"))?;
        let keys: Vec<(String, age::x25519::Identity)> = new
            .views
            .iter()
            .map(|_| {
                (
                    uuid::Uuid::new_v4().to_string(),
                    age::x25519::Identity::generate(),
                )
            })
            .collect();
        let (now, user) = (self.now_string(), self.user.id);
        let detail = format!(
            "views={} purpose={} present={}{} sources={}",
            new.views.len(),
            new.purpose,
            present.len(),
            deadline
                .as_ref()
                .map(|d| format!(" deferred-consent-until={d}"))
                .unwrap_or_default(),
            new.views
                .iter()
                .map(|v| v.source.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        self.write("capture.start", Some(&id), Some(&detail), |tx| {
            tx.execute(
                "INSERT INTO captures (id, case_id, purpose, started_at, started_by, state, present, consent_deadline)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'recording', ?6, ?7)",
                params![
                    id,
                    new.case_id,
                    new.purpose.as_str(),
                    now,
                    (user > 0).then_some(user),
                    serde_json::to_string(&present).unwrap_or_default(),
                    deadline
                ],
            )?;
            for (position, ((view_id, identity), spec)) in keys.iter().zip(&new.views).enumerate() {
                let secret = {
                    use age::secrecy::ExposeSecret as _;
                    zeroize::Zeroizing::new(identity.to_string().expose_secret().to_owned())
                };
                tx.execute(
                    "INSERT INTO capture_views (id, capture_id, position, camera, source, identity) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![view_id, id, position as i64, spec.camera, spec.source, secret.as_str()],
                )?;
            }
            Ok(())
        })?;
        Ok(Capture {
            views: keys
                .iter()
                .zip(&new.views)
                .map(|((view_id, identity), spec)| CaptureView {
                    id: view_id.clone(),
                    camera: spec.camera.clone(),
                    recipient: identity.to_public(),
                })
                .collect(),
            id,
            _lock: lock,
        })
    }

    /// Creates segment `seq` of a capture's view: `media/<view>.<seq>.age`,
    /// encrypted to the view's key from its first byte.
    pub fn create_segment(
        &self,
        view: &CaptureView,
        seq: u32,
    ) -> Result<SegmentWriter, VaultError> {
        let path = segment_path(&self.dir, &view.id, seq);
        SegmentWriter::create(&path, &view.recipient)
            .map_err(VaultError::io(format!("creating {}", path.display())))
    }

    /// Records a finished segment (fsynced by its writer): from now on it is
    /// part of the recording, whatever happens to the recorder.
    pub fn seal_segment(
        &self,
        view_id: &str,
        seq: u32,
        sealed: &Sealed,
        recovered: bool,
    ) -> Result<(), VaultError> {
        self.conn.execute(
            "INSERT INTO media_segments (recording_id, seq, sha256, size, sealed_at, recovered) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![view_id, seq, sealed.sha256, sealed.size as i64, self.now_string(), recovered],
        )?;
        Ok(())
    }

    /// Reads a sealed segment's frame table (behind `init`, the stream's
    /// `ftyp`/`moov`, for every segment but the first) and keeps it with the
    /// segment, so sealing reads only the last segment. The writer cuts
    /// segments only before a fragment that starts on a keyframe, so the
    /// table's first frame is one. A failure leaves the segment to be read
    /// whole at sealing.
    pub fn index_segment(&self, view_id: &str, seq: u32, init: &[u8]) -> Result<(), VaultError> {
        let source = self.segment_source(view_id, seq, init)?;
        let info = media::probe(&source)?;
        self.conn.execute(
            "UPDATE media_segments SET frame_table = ?3 WHERE recording_id = ?1 AND seq = ?2",
            params![view_id, seq, info.table.to_bytes()],
        )?;
        Ok(())
    }

    /// One segment as a stream of its own: behind `init` unless it is the first.
    fn segment_source(
        &self,
        view_id: &str,
        seq: u32,
        init: &[u8],
    ) -> Result<MediaSource, VaultError> {
        let secret: Option<String> = self
            .conn
            .query_row(
                "SELECT identity FROM capture_views WHERE id = ?1",
                [view_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let identity: age::x25519::Identity = secret
            .map(zeroize::Zeroizing::new)
            .ok_or_else(|| VaultError::NotFound {
                what: "capture view",
                id: view_id.to_owned(),
            })?
            .parse()
            .map_err(|_| VaultError::Integrity("a recording key is damaged".into()))?;
        let path = segment_path(&self.dir, view_id, seq);
        let init = std::sync::Arc::new(if seq == 0 { Vec::new() } else { init.to_vec() });
        let open: crate::media::ReaderFactory = std::sync::Arc::new(move || {
            let segment: Box<dyn crate::media::ReadSeek> =
                Box::new(media_store::open_decrypting(&path, &identity)?);
            let head: Box<dyn crate::media::ReadSeek> =
                Box::new(std::io::Cursor::new(init.as_ref().clone()));
            media_store::Chained::new(vec![head, segment])
                .map(|r| Box::new(r) as Box<dyn crate::media::ReadSeek>)
        });
        Ok(MediaSource::reader(
            format!(
                "captured view {} segment {seq}",
                crate::model::redacted(view_id)
            ),
            open,
        ))
    }

    /// The stream's `ftyp`/`moov` (everything before its first `moof`), from segment 0.
    fn stream_init(&self, view_id: &str) -> Result<Vec<u8>, VaultError> {
        use std::io::Read as _;
        let source = self.segment_source(view_id, 0, &[])?;
        let MediaSource::Reader { open, .. } = source else {
            return Err(VaultError::Invalid(
                "a captured view reads through a reader".into(),
            ));
        };
        let reader = open().map_err(VaultError::io("reading a captured segment"))?;
        let mut head = Vec::new();
        reader
            .take(1 << 20)
            .read_to_end(&mut head)
            .map_err(VaultError::io("reading a captured segment"))?;
        let mut at = 0usize;
        while let Some(header) = head.get(at..at + 8) {
            if &header[4..8] == b"moof" {
                head.truncate(at);
                return Ok(head);
            }
            let size = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
            if size < 8 {
                break;
            }
            at += size;
        }
        Err(VaultError::Integrity(
            "a captured stream has no fragment after its header".into(),
        ))
    }

    /// A view's media information from its segments' stored tables and a
    /// read of the last segment only; None when a segment before the last
    /// has no table (then the whole stream is read).
    fn info_from_segment_tables(&self, view_id: &str) -> Result<Option<MediaInfo>, VaultError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, frame_table FROM media_segments WHERE recording_id = ?1 ORDER BY seq",
        )?;
        let rows: Vec<(u32, Option<Vec<u8>>)> = stmt
            .query_map([view_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let Some(((last, _), before)) = rows.split_last() else {
            return Ok(None);
        };
        if before.is_empty() || before.iter().any(|(_, t)| t.is_none()) {
            return Ok(None);
        }
        let init = self.stream_init(view_id)?;
        let info = media::probe(&self.segment_source(view_id, *last, &init)?)?;
        let (mut pts, mut keys) = (Vec::new(), Vec::new());
        let tables = before
            .iter()
            .filter_map(|(_, t)| t.as_deref().and_then(FrameTable::from_bytes))
            .chain(std::iter::once(info.table.clone()));
        for table in tables {
            keys.extend(table.keyframes().iter().filter_map(|&k| table.pts(k)));
            pts.extend_from_slice(table.all_pts());
        }
        let table = FrameTable::new(pts, keys);
        Ok(Some(MediaInfo {
            duration_ns: table.end_ns(),
            vfr: table.is_variable(1_500_000),
            table,
            ..info
        }))
    }

    /// Notes where a view's stream time 0 lies on the capture's shared clock
    /// (its first frame's running time less its stream time), from which
    /// the views' offsets follow exactly at sealing.
    pub fn set_capture_clock_base(&self, view_id: &str, base_ns: i64) -> Result<(), VaultError> {
        self.conn.execute(
            "UPDATE capture_views SET clock_base_ns = ?2 WHERE id = ?1",
            params![view_id, base_ns],
        )?;
        Ok(())
    }

    /// Audits a moment of a running capture (`capture.pause`, `capture.resume`,
    /// `capture.privacy`, a camera lost…).
    pub fn audit_capture(
        &mut self,
        capture_id: &str,
        action: &str,
        detail: Option<&str>,
    ) -> Result<(), VaultError> {
        self.write(action, Some(capture_id), detail, |_| Ok(()))
    }

    /// Seals a capture whose segments are all sealed: each view is probed over
    /// its segments and becomes a recording (the first with frames is the
    /// reference, the others its camera views, synced from the shared clock).
    pub fn finish_capture(&mut self, capture: Capture) -> Result<Captured, VaultError> {
        let id = capture.id.clone();
        let result = self.seal_capture(&id, false);
        drop(capture);
        let _ = std::fs::remove_file(lock_path(&self.dir, &id));
        result
    }

    fn capture_views(&self, capture_id: &str) -> Result<Vec<ViewRow>, VaultError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, camera, source, identity, clock_base_ns FROM capture_views WHERE capture_id = ?1 ORDER BY position",
        )?;
        let rows = stmt
            .query_map([capture_id], |r| {
                Ok(ViewRow {
                    id: r.get(0)?,
                    camera: r.get(1)?,
                    source: r.get(2)?,
                    identity: r.get::<_, Option<String>>(3)?.map(zeroize::Zeroizing::new),
                    clock_base_ns: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn segments_of(&self, view_id: &str) -> Result<Vec<Segment>, VaultError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, sha256, size FROM media_segments WHERE recording_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([view_id], |r| {
                Ok((r.get::<_, u32>(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn seal_capture(&mut self, capture_id: &str, recovered: bool) -> Result<Captured, VaultError> {
        let (case_id, purpose, started_at, started_by, deadline): (
            String,
            String,
            String,
            Option<i64>,
            Option<String>,
        ) = self.conn.query_row(
            "SELECT case_id, purpose, started_at, started_by, consent_deadline FROM captures WHERE id = ?1",
            [capture_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        let views = self.capture_views(capture_id)?;
        let mut probed: Vec<(&ViewRow, MediaInfo, Vec<Segment>)> = Vec::new();
        let mut unusable = Vec::new();
        // Every view's frame table is read from its stored stream, all views
        // at once (Stop to sealed is the longest view's read, not their sum).
        let mut jobs = Vec::new();
        for view in &views {
            let Some(secret) = &view.identity else {
                continue;
            };
            let identity: age::x25519::Identity = secret
                .parse()
                .map_err(|_| VaultError::Integrity("a recording key is damaged".into()))?;
            let segments = self.segments_of(&view.id)?;
            if segments.is_empty() {
                unusable.push(view);
                continue;
            }
            let paths = segments
                .iter()
                .map(|(seq, _, _)| segment_path(&self.dir, &view.id, *seq))
                .collect();
            let source = MediaSource::reader(
                format!("captured view {}", crate::model::redacted(&view.id)),
                media_store::segments_factory(paths, identity),
            );
            jobs.push((view, segments, source));
        }
        let results: Vec<_> = std::thread::scope(|scope| {
            let running: Vec<_> = jobs
                .iter()
                .map(|(view, _, source)| {
                    // Another handle: each thread reads with its own connection.
                    let handle = self.reopen();
                    scope.spawn(move || {
                        let quick = handle
                            .ok()
                            .and_then(|v| v.info_from_segment_tables(&view.id).ok().flatten());
                        match quick {
                            Some(info) => {
                                tracing::debug!(
                                    view = crate::model::redacted(&view.id),
                                    "frame table from the segments' tables and the last segment"
                                );
                                Ok(info)
                            }
                            None => media::probe(source),
                        }
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|probe| {
                    probe.join().unwrap_or_else(|_| {
                        Err(media::MediaError::Pipeline(
                            "the probe thread failed".into(),
                        ))
                    })
                })
                .collect()
        });
        for ((view, segments, _), result) in jobs.into_iter().zip(results) {
            match result {
                Ok(info) if info.frames() > 0 => probed.push((view, info, segments)),
                Ok(_) => unusable.push(view),
                Err(e) => {
                    tracing::warn!("a captured view has no playable video: {e}");
                    unusable.push(view);
                }
            }
        }
        let now = self.now_string();
        let state = if recovered { "recovered" } else { "sealed" };
        let Some((reference, ref_info, _)) = probed.first() else {
            // Nothing whole was recorded: shred the keys, remove the files.
            self.write("capture.empty", Some(capture_id), None, |tx| {
                tx.execute(
                    "UPDATE capture_views SET identity = NULL WHERE capture_id = ?1",
                    [capture_id],
                )?;
                tx.execute(
                    "UPDATE captures SET state = 'empty' WHERE id = ?1",
                    [capture_id],
                )?;
                Ok(())
            })?;
            self.checkpoint()?;
            for view in &views {
                self.remove_media_files(&view.id);
            }
            return Err(VaultError::Invalid(
                "the recording stopped before its first whole second of video: nothing was kept"
                    .into(),
            ));
        };
        // Where a view's stream time 0 lies on the shared clock. GStreamer's
        // mp4mux keeps the running time as stream time, so a view's first
        // stored frame is stamped with (about) its first picture's running
        // time: the base is 0, and the offsets follow from the stored times
        // alone. The muxer may leave out a first picture (one with sound in
        // the same stream does), which must not count as a shift: only a
        // muxer that restarts its times at 0 leaves a difference of more
        // than two frames, and then the first picture's time is the base.
        let base_of = |view: &ViewRow, info: &MediaInfo| {
            let first = info.table.pts(0).unwrap_or(0);
            let frame = info.table.median_interval_ns().unwrap_or(33_333_333);
            view.clock_base_ns
                .map(|base| base - first)
                .map(|shift| if shift.abs() <= 2 * frame { 0 } else { shift })
        };
        let ref_base = base_of(reference, ref_info);
        let mut out_views = Vec::new();
        let mut segments_total = 0u32;
        for (view, info, segments) in &probed {
            let offset_ns = match (ref_base, base_of(view, info)) {
                (Some(r), Some(v)) => r - v,
                _ => 0,
            };
            tracing::debug!(
                view = crate::model::redacted(&view.id),
                clock_base_ns = view.clock_base_ns,
                first_pts = info.table.pts(0),
                offset_ns,
                "captured view placed on the shared clock"
            );
            segments_total += segments.len() as u32;
            out_views.push(CapturedView {
                view_id: view.id.clone(),
                camera: view.camera.clone(),
                frames: info.frames(),
                offset_ns,
            });
        }
        let captured = Captured {
            recording_id: reference.id.clone(),
            views: out_views,
            frames: ref_info.frames(),
            segments: segments_total,
            recovered,
            duration_ns: ref_info.duration_ns,
        };
        let detail = format!(
            "recording={} views={} frames={} segments={}{}",
            captured.recording_id,
            captured.views.len(),
            captured.frames,
            captured.segments,
            if recovered {
                format!(" recovered, cut at {}", captured.length_text())
            } else {
                String::new()
            }
        );
        let action = if recovered {
            "capture.recovered"
        } else {
            "capture.stop"
        };
        self.write(action, Some(capture_id), Some(&detail), |tx| {
            for ((view, info, segments), out) in probed.iter().zip(&captured.views) {
                let combined = combined_sha256(segments);
                let size: u64 = segments.iter().map(|s| s.2).sum();
                let is_reference = view.id == captured.recording_id;
                let view_of = (!is_reference).then_some(captured.recording_id.as_str());
                insert_recording(
                    tx,
                    &NewRecordingRow {
                        id: &view.id,
                        case_id: &case_id,
                        purpose: &purpose,
                        camera: view.camera.as_deref(),
                        offset_ns: 0,
                        sha256: &combined,
                        size,
                        info,
                        imported_at: &started_at,
                        imported_by: started_by,
                        source_sha256: &format!("capture:{combined}"),
                        view_of,
                        sync_source: if is_reference { "reference" } else { "capture" },
                        sync_offset_ns: out.offset_ns,
                        consent_deadline: deadline.as_deref(),
                    },
                )?;
                if let Some(secret) = &view.identity {
                    tx.execute(
                        "INSERT INTO recording_keys (recording_id, identity) VALUES (?1, ?2)",
                        params![view.id, secret.as_str()],
                    )?;
                }
                if !is_reference {
                    tx.execute(
                        "INSERT INTO view_sync_history (view_id, offset_ns, drift_ppm, source, score, detail, set_by, set_at)
                         VALUES (?1, ?2, 0, 'capture', NULL, 'recorded on one clock', ?3, ?4)",
                        params![view.id, out.offset_ns, started_by, now],
                    )?;
                }
            }
            tx.execute(
                "UPDATE capture_views SET identity = NULL WHERE capture_id = ?1",
                [capture_id],
            )?;
            tx.execute(
                "UPDATE captures SET state = ?2, detail = ?3 WHERE id = ?1",
                params![capture_id, state, detail],
            )?;
            Ok(())
        })?;
        for view in unusable {
            self.remove_media_files(&view.id);
        }
        tracing::info!(
            recording = crate::model::redacted(&captured.recording_id),
            "capture sealed"
        );
        Ok(captured)
    }

    /// Seals every capture whose recorder died (its lock is free): each
    /// view's unsealed segment keeps its authenticated, whole fragments
    /// (re-encrypted; never written in plaintext), and the capture is sealed
    /// as recovered and audited. Runs at every unlock; a capture another
    /// running copy of Debrief is recording is left alone.
    pub fn recover_captures(&mut self) -> Result<Vec<Captured>, VaultError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM captures WHERE state = 'recording' ORDER BY started_at")?;
        let open: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let mut out = Vec::new();
        for capture_id in open {
            let lock = lock_path(&self.dir, &capture_id);
            if lock.exists() && !crate::files::is_orphan(&lock) {
                continue; // being recorded right now
            }
            for view in self.capture_views(&capture_id)? {
                self.recover_view_segments(&view)?;
            }
            match self.seal_capture(&capture_id, true) {
                Ok(captured) => out.push(captured),
                Err(VaultError::Invalid(why)) => {
                    tracing::warn!("a recording cut off by a crash: {why}")
                }
                Err(e) => return Err(e),
            }
            let _ = std::fs::remove_file(&lock);
        }
        Ok(out)
    }

    /// Seals what a dead recorder left unsealed of one view.
    fn recover_view_segments(&self, view: &ViewRow) -> Result<(), VaultError> {
        let Some(secret) = &view.identity else {
            return Ok(());
        };
        let identity: age::x25519::Identity = secret
            .parse()
            .map_err(|_| VaultError::Integrity("a recording key is damaged".into()))?;
        let sealed: Vec<u32> = self.segments_of(&view.id)?.iter().map(|s| s.0).collect();
        let mut unsealed: Vec<u32> = self
            .media_files(&view.id)
            .into_iter()
            .filter_map(|(seq, _)| seq)
            .filter(|seq| !sealed.contains(seq))
            .collect();
        unsealed.sort_unstable();
        for seq in unsealed {
            let path = segment_path(&self.dir, &view.id, seq);
            let len = media_store::authenticated_len(&path, &identity).unwrap_or(0);
            let cut = if len == 0 {
                0
            } else {
                let mut reader = media_store::open_decrypting(&path, &identity)
                    .map_err(VaultError::io(format!("reading {}", path.display())))?;
                media::isobmff::whole_fragments_end(&mut reader, len).unwrap_or(0)
            };
            if cut == 0 {
                let _ = std::fs::remove_file(&path);
                continue;
            }
            let kept = media_store::rewrite_prefix(&path, &identity, cut)?;
            self.seal_segment(&view.id, seq, &kept, true)?;
            tracing::info!(
                view = crate::model::redacted(&view.id),
                seq,
                source = view.source.as_str(),
                "segment recovered"
            );
        }
        Ok(())
    }

    /// The media files of a recording or view: `(Some(seq), path)` for
    /// segments, `(None, path)` for an imported file.
    pub(crate) fn media_files(&self, id: &str) -> Vec<(Option<u32>, PathBuf)> {
        let prefix = format!("{id}.");
        std::fs::read_dir(self.dir.join("media"))
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let rest = name.strip_prefix(&prefix)?.strip_suffix(".age")?;
                        if rest.is_empty() {
                            return None;
                        }
                        Some((rest.parse::<u32>().ok(), e.path()))
                    })
                    .chain(
                        std::iter::once(media_store::media_path(&self.dir, id))
                            .filter(|p| p.exists())
                            .map(|p| (None, p)),
                    )
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Removes a recording's or view's media files (after its key is gone).
    pub(crate) fn remove_media_files(&self, id: &str) {
        for (_, path) in self.media_files(id) {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(
                    "a shredded recording's file could not be removed (it is undecryptable anyway): {e}"
                ),
            }
        }
    }

    /// The sealed segments of a captured recording or view, in order
    /// (empty for an imported one).
    pub(crate) fn segment_paths(&self, id: &str) -> Result<Vec<(PathBuf, String)>, VaultError> {
        Ok(self
            .segments_of(id)?
            .into_iter()
            .map(|(seq, sha, _)| (segment_path(&self.dir, id, seq), sha))
            .collect())
    }

    /// A captured recording's (or view's) segments: how many had their frame
    /// table read while recording, and how many there are.
    pub fn indexed_segments(&self, id: &str) -> Result<(u32, u32), VaultError> {
        Ok(self.conn.query_row(
            "SELECT count(frame_table), count(*) FROM media_segments WHERE recording_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// True while a capture of this vault is recording (in this or another process).
    pub fn capture_in_progress(&self) -> Result<bool, VaultError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM captures WHERE state = 'recording'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        Ok(n > 0)
    }
}
