//! The `debrief` binary: parses arguments and hands over to `debrief::cli`.

fn main() -> std::process::ExitCode {
    debrief::cli::main()
}
