//! Plenary material: de-identified clips and the packages made of them.
//!
//! The one layer above `vault`, `export` and `package`: the vault grants a
//! clip (role, consent, checksum) and records it; the export cuts it; the
//! package format carries it to the presenter. The app and the command line
//! call this layer for both and nothing below it, so the workflow exists once.
//!
//! ```text
//! ClipJob::permit(vault, recording, out, settings)   the vault's gate; the output noted
//!   └─ job.run(progress, cancel)                      any thread: export::export_clip
//!        └─ job.record(vault, report, reviewed)       the clip row + audit, or the file removed
//! create_package(vault, clips, …)                     consent again, manifest, package::write
//! ```

pub mod clip;
pub mod package;

pub use clip::{ClipJob, check_views, export_clip, settings_of};
pub use package::{PackageReport, create_package};
