//! Helpers shared by the integration tests: generated media, frame-code checks.
#![allow(dead_code)]

pub mod cli;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use debrief::media::testsrc::{self, TestSrcSpec};
use debrief::media::{self, Frame, MediaInfo, MediaSource, Player, PlayerConfig, frame_code};

/// Generous: tests assert correctness, never speed.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Writes synthetic media described by `spec` to `dir/name`.
pub fn generate(dir: &Path, name: &str, spec: &TestSrcSpec) -> PathBuf {
    let path = dir.join(name);
    testsrc::write(&path, spec, &mut |_| {}).unwrap_or_else(|e| panic!("testsrc {name}: {e:#}"));
    path
}

/// The frame index burned into a decoded frame's pixels.
pub fn code_of(frame: &Frame) -> Option<u64> {
    frame_code::read_rgba(
        &frame.rgba,
        frame.width,
        frame.height,
        frame.width as usize * 4,
    )
}

/// A player without audio on `path`, with its probe result.
pub fn open_player(path: &Path) -> (Player, Arc<MediaInfo>) {
    let source = MediaSource::file(path);
    let info = Arc::new(media::probe(&source).expect("probe"));
    let config = PlayerConfig {
        audio: false,
        ..Default::default()
    };
    (
        Player::open(source, Arc::clone(&info), config).expect("open player"),
        info,
    )
}

/// Silent players of a recording's opened views (`Vault::open_views`), moved together.
pub fn silent_players(
    opened: Vec<(debrief::views::View, MediaSource, Arc<MediaInfo>)>,
) -> debrief::views::players::Players {
    let players = opened
        .into_iter()
        .map(|(view, source, info)| debrief::views::players::ViewPlayer {
            view,
            player: Player::open(
                source,
                info,
                PlayerConfig {
                    audio: false,
                    ..Default::default()
                },
            )
            .unwrap(),
        })
        .collect();
    debrief::views::players::Players::new(players).unwrap()
}

/// Deterministic pseudo-random numbers for test positions.
pub struct Rng(pub u64);

impl Rng {
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = testsrc::splitmix64(self.0);
        self.0 % n.max(1)
    }
}

/// Path of the built `debrief` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_debrief"))
}

/// Vault fixtures shared by the vault tests.
pub mod vault {
    use std::path::{Path, PathBuf};

    use age::secrecy::SecretString;
    use debrief::media::testsrc::TestSrcSpec;
    use debrief::model::ConsentMethod;
    use debrief::vault::{ImportOptions, NewCase, Vault};

    /// The test passphrase of user `name`.
    pub fn pass(name: &str) -> SecretString {
        SecretString::from(format!("correct horse {name}"))
    }

    /// A new vault in `dir/vault` for instructor `alice`, with cheap key sealing.
    pub fn new_vault(dir: &Path) -> Vault {
        debrief::vault::keys::set_test_work_factor(10);
        Vault::init(&dir.join("vault"), "alice", &pass("alice"), None).expect("init")
    }

    /// A vault with one case, one participant and one imported recording.
    pub struct Fixture {
        pub vault: Vault,
        pub case_id: String,
        pub participant_id: String,
        pub recording_id: String,
        pub source: PathBuf,
    }

    /// Builds a [`Fixture`]; `consent` grants every stage so the recording can be viewed.
    pub fn fixture(dir: &Path, spec: &TestSrcSpec, consent: bool) -> Fixture {
        let mut vault = new_vault(dir);
        let source = super::generate(dir, "source.mp4", spec);
        let case_id = vault
            .create_case(NewCase {
                title: "Case one".into(),
                ..Default::default()
            })
            .unwrap();
        let participant_id = vault
            .add_participant(&case_id, "Parent", Some("guardian"), None)
            .unwrap();
        let recording_id = vault
            .import(&case_id, &source, ImportOptions::default(), &mut |_, _| {
                true
            })
            .unwrap()
            .recording_id;
        if consent {
            grant_all(&mut vault, &participant_id);
        }
        Fixture {
            vault,
            case_id,
            participant_id,
            recording_id,
            source,
        }
    }

    /// Grants every consent stage in writing.
    pub fn grant_all(vault: &mut Vault, participant_id: &str) {
        vault
            .grant_all_stages(participant_id, Some(ConsentMethod::Written))
            .unwrap();
    }

    /// Exports frames `from..=to` of `recording` to `out` without face
    /// detection (fast), the redaction confirmed; returns the clip id.
    pub fn export_plain(
        vault: &mut Vault,
        recording: &str,
        out: &Path,
        from: u64,
        to: u64,
    ) -> String {
        let mut settings = debrief::export::ClipSettings::new(from, to);
        settings.detect_faces = false;
        debrief::plenary::export_clip(
            vault,
            recording,
            out,
            &settings,
            true,
            &mut |_| {},
            &Default::default(),
        )
        .unwrap()
        .0
    }

    /// SHA-256 of every file under `dir`, by path.
    pub fn hashes(dir: &Path) -> Vec<(PathBuf, String)> {
        use sha2::Digest as _;
        let mut out = Vec::new();
        for path in files(dir) {
            let bytes = std::fs::read(&path).unwrap();
            out.push((path, hex::encode(sha2::Sha256::digest(&bytes))));
        }
        out.sort();
        out
    }

    /// Every file under `dir`, recursively.
    pub fn files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
        out
    }
}

/// A schema from `schemas/`.
pub fn schema(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
