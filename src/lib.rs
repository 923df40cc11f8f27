//! Debrief: clinical video review.
//!
//! Instructors code team performance on a frame-accurate timeline and cut
//! de-identified debrief clips; providers review their own cases in private;
//! presenters run plenary sessions from de-identified clips. See
//! `ARCHITECTURE.md` for the design. Engine modules (`time`, `media`,
//! `model`, `vault`) never use egui; only `app` does.

pub mod app;
pub mod capture;
pub mod cli;
pub mod deid;
pub mod demo;
pub mod device_data;
pub mod export;
pub mod files;
pub mod media;
pub mod model;
pub mod package;
pub mod plenary;
pub mod time;
pub mod vault;
pub mod views;
