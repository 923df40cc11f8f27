//! The command line against hostile and careless use: closed and full standard
//! output, impossible arguments, a retried import, secrets given the wrong way.
//! Every failure is one line and an exit code, never a panic, and nothing stored
//! is lost or duplicated.

mod common;

use std::process::{Command, Stdio};

use common::cli::{Env, refused, setup};
use common::{bin, generate};
use debrief::media::testsrc::TestSrcSpec;

fn small_source(root: &std::path::Path) -> std::path::PathBuf {
    generate(
        root,
        "src.mp4",
        &TestSrcSpec {
            frames: 30,
            ..Default::default()
        },
    )
}

/// Runs `args` in `env` with standard output going to `stdout`.
fn run_to(env: &Env, args: &[&str], stdout: Stdio) -> std::process::Output {
    Command::new(bin())
        .args(args)
        .env("DEBRIEF_VAULT", &env.vault)
        .env("DEBRIEF_USER", &env.user)
        .env("DEBRIEF_PASSPHRASE", &env.pass)
        .env("DEBRIEF_TEST_SCRYPT_LOG_N", "10")
        .env("TMPDIR", &env.tmp)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run debrief")
}

#[test]
fn a_full_or_closed_standard_output_is_an_error_not_a_panic() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = small_source(root.path());
    let (case, _, rec) = setup(&env, &source);
    for n in 0..25 {
        env.json(&[
            "annotate",
            "add",
            "--recording",
            &rec,
            "--code",
            "birth",
            "--frame",
            &n.to_string(),
            "--json",
        ]);
    }
    // A full disk behind standard output: one line, exit 2.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = run_to(
        &env,
        &["annotate", "list", "--recording", &rec, "--json"],
        full.into(),
    );
    refused(&out, "cannot write the output");
    assert!(String::from_utf8_lossy(&out.stderr).contains("No space left"));

    // A reader that goes away after one line (`| head -1`): quiet, no panic.
    let mut child = Command::new(bin())
        .args(["annotate", "list", "--recording", &rec])
        .env("DEBRIEF_VAULT", &env.vault)
        .env("DEBRIEF_USER", &env.user)
        .env("DEBRIEF_PASSPHRASE", &env.pass)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // closed before anything was read
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.trim().is_empty(), "quiet: {err}");

    // `import --json > /dev/full` stores the recording; the retry is refused by
    // name instead of making a second copy.
    let other = generate(root.path(), "other.mp4", &TestSrcSpec::default());
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let args = ["import", other.to_str().unwrap(), "--case", &case, "--json"];
    refused(&run_to(&env, &args, full.into()), "cannot write the output");
    let list = env.json(&["recording", "list", "--case", &case, "--json"]);
    let count = list["recordings"].as_array().unwrap().len();
    assert_eq!(count, 2);
    let retry = env.run(&args);
    refused(&retry, "already in the case, imported as recording");
    let list = env.json(&["recording", "list", "--case", &case, "--json"]);
    assert_eq!(
        list["recordings"].as_array().unwrap().len(),
        count,
        "no duplicate"
    );
    // The same file in another case is a recording of that case.
    let case2 = env.json(&["case", "create", "--title", "Two", "--json"])["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.json(&[
        "import",
        other.to_str().unwrap(),
        "--case",
        &case2,
        "--json",
    ]);
}

#[test]
fn a_reversed_frame_range_is_refused_before_any_work() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = small_source(root.path());
    let (_, _, rec) = setup(&env, &source);
    let out_file = root.path().join("clip.mp4");
    let out = env.run(&[
        "export",
        "clip",
        "--recording",
        &rec,
        "--faces",
        "none",
        "--from-frame",
        "20",
        "--to-frame",
        "10",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    refused(&out, "the first frame (20) is after the last (10)");
    assert!(!out_file.exists());
}

#[test]
fn argument_mistakes_are_one_line_pointing_at_help() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let cases: [(&[&str], &str); 5] = [
        (&["probe"], "'debrief probe --help'"),
        (
            &["probe", "x.mp4", "--jsn"],
            "a similar argument exists: '--json'",
        ),
        (
            &["export", "clip", "--recording", "r"],
            "--from-frame <A>, --to-frame <B>, --out <F>",
        ),
        (
            &[
                "consent",
                "set",
                "--participant",
                "p",
                "--stage",
                "soon",
                "--status",
                "granted",
            ],
            "'debrief consent set --help'",
        ),
        (&["frobnicate"], "unrecognized subcommand 'frobnicate'"),
    ];
    for (args, expect) in cases {
        refused(&env.run(args), expect);
    }
    // The long form is still there when asked for.
    let help = env.run(&["export", "clip", "--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).lines().count() > 20);
}
