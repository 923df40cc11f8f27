//! Helpers shared by the integration tests: generated media, frame-code checks.
#![allow(dead_code)]

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
