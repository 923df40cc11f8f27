//! Recording cameras and microphones straight into the vault (issue 17).
//!
//! No byte of a new recording exists unencrypted on disk: every source runs
//! in one GStreamer pipeline on one clock (so several cameras are in step
//! without matching their sound), each camera is encoded to H.264 (a
//! keyframe every second) and muxed as fragmented MP4 into an `appsink`,
//! and its stream is age-encrypted in Rust as it arrives
//! ([`recorder`]), in segments the vault seals one by one
//! (`vault::capture_store`). A recorder that dies leaves segments that the
//! next unlock cuts at their last whole fragment and seals as recovered.
//!
//! Fragmented MP4 was chosen over streamable Matroska because a cut-off
//! stream is cut exactly at a box boundary by reading box headers
//! (`media::isobmff::whole_fragments_end`), the player and the export
//! reader already read MP4, and padding that forces age to write its
//! current chunk is a standard `free` box.

pub mod pipeline;
pub mod recorder;
pub mod spec;

pub use pipeline::Settings;
pub use recorder::{RecordOptions, Recorder, StopReason, free_bytes};
pub use spec::{CameraSpec, MicSpec};
