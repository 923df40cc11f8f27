//! The `debrief` binary (commands arrive with the media engine).

fn main() {}
