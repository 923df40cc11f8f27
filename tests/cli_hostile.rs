//! The command line against hostile and careless use: closed and full standard
//! output, impossible arguments, a retried import, secrets given the wrong way.
//! Every failure is one line and an exit code, never a panic, and nothing stored
//! is lost or duplicated.

mod common;

use std::process::{Command, Stdio};

use common::cli::{Env, plain_clip_args, refused, setup};
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
    env.command(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run debrief")
}

/// A vault with one case, consent granted and a 30-frame recording: (root, env, case, recording).
fn with_recording() -> (tempfile::TempDir, Env, String, String) {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = small_source(root.path());
    let (case, _, rec) = setup(&env, &source);
    (root, env, case, rec)
}

/// Runs `args` given as owned strings.
fn run_owned(env: &Env, args: &[String]) -> std::process::Output {
    env.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_full_or_closed_standard_output_is_an_error_not_a_panic() {
    let (root, env, case, rec) = with_recording();
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
    let (root, env, _, rec) = with_recording();
    let out_file = root.path().join("clip.mp4");
    let out = run_owned(&env, &plain_clip_args(&rec, 20, 10, &out_file));
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

/// Runs `args` with the vault and user from `env` and exactly the environment `vars`
/// (no passphrase variables unless given).
fn run_with(env: &Env, args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = env.command(args);
    cmd.env_remove("DEBRIEF_PASSPHRASE")
        .env_remove("DEBRIEF_NEW_PASSPHRASE")
        .env_remove("DEBRIEF_PACKAGE_PASSPHRASE")
        .env_remove("DEBRIEF_VAULT_PASSPHRASE")
        .stdin(Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.output().expect("run debrief")
}

#[test]
fn every_secret_has_its_own_flag_and_variable() {
    let (root, env, _, rec) = with_recording();
    let clip = root.path().join("clip.mp4");
    let mut args = plain_clip_args(&rec, 0, 9, &clip);
    args.push("--json".into());
    let clip_id = env.json(&args.iter().map(String::as_str).collect::<Vec<_>>())["clip_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let vault_file = root.path().join("vault.pass");
    std::fs::write(&vault_file, format!("{}\n", env.pass)).unwrap();
    let package_file = root.path().join("package.pass");
    std::fs::write(&package_file, "plenary pass\n").unwrap();
    let (v, p) = (vault_file.to_str().unwrap(), package_file.to_str().unwrap());
    let opens_with = |pkg: &std::path::Path, pass: &str| {
        debrief::package::Package::open_with_passphrase(
            pkg,
            &secrecy::SecretString::from(pass.to_owned()),
        )
        .is_ok()
    };
    let create = |n: u32, extra: &[&str], vars: &[(&str, &str)]| {
        let pkg = root.path().join(format!("p{n}.dbpkg"));
        let out = run_with(
            &env,
            &[
                &[
                    "package",
                    "create",
                    "--clips",
                    &clip_id,
                    "--out",
                    pkg.to_str().unwrap(),
                ][..],
                extra,
            ]
            .concat(),
            vars,
        );
        (pkg, out)
    };

    // `package create --passphrase-file F` reads the package's passphrase, as its help
    // says; the vault's comes from DEBRIEF_PASSPHRASE.
    let (pkg, out) = create(
        1,
        &["--passphrase-file", p],
        &[("DEBRIEF_PASSPHRASE", &env.pass)],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        opens_with(&pkg, "plenary pass"),
        "package passphrase from the file"
    );
    // Its own name, and the vault's from a file under a name no other secret has.
    let (pkg, out) = create(
        2,
        &["--package-passphrase-file", p, "--vault-passphrase-file", v],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(opens_with(&pkg, "plenary pass"));
    // The vault's --passphrase-file before the command name stays the vault's.
    let pkg = root.path().join("p3.dbpkg");
    let out = run_with(
        &env,
        &[
            "--passphrase-file",
            v,
            "package",
            "create",
            "--clips",
            &clip_id,
            "--out",
            pkg.to_str().unwrap(),
        ],
        &[("DEBRIEF_PACKAGE_PASSPHRASE", "env plenary")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(opens_with(&pkg, "env plenary"));
    // Each variable holds one secret: the vault's is never taken for the package's.
    let (pkg, out) = create(4, &[], &[("DEBRIEF_VAULT_PASSPHRASE", &env.pass)]);
    refused(&out, "no passphrase: set DEBRIEF_PACKAGE_PASSPHRASE");
    assert!(!pkg.exists());
    // The vault passphrase file after a vault command's name, and its other name.
    for flag in ["--passphrase-file", "--vault-passphrase-file"] {
        let out = run_with(&env, &["case", "list", "--json", flag, v], &[]);
        assert!(
            out.status.success(),
            "{flag}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run_with(
        &env,
        &[
            "participant",
            "add",
            "--case",
            "none",
            "--name",
            "X",
            "--passphrase-file",
            p,
        ],
        &[],
    );
    refused(&out, "wrong passphrase");
    // Two different files for the one vault passphrase: refused, not guessed.
    let out = run_with(
        &env,
        &[
            "case",
            "list",
            "--passphrase-file",
            v,
            "--vault-passphrase-file",
            p,
        ],
        &[],
    );
    refused(&out, "name different files");
}

#[test]
fn init_refuses_a_weak_passphrase_and_a_folder_that_is_not_a_vault() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    for (pass, expect) in [
        ("x", "too short (1 characters, at least 8 needed)"),
        ("aaaaaaaaaaaa", "repeats one or two characters"),
        ("alice", "too short"),
    ] {
        let out = run_with(&env, &["init"], &[("DEBRIEF_PASSPHRASE", pass)]);
        refused(&out, expect);
        assert!(!env.vault.exists(), "nothing created for '{pass}'");
    }
    // A folder holding someone's files is not made into a vault.
    let docs = root.path().join("documents");
    std::fs::create_dir(&docs).unwrap();
    std::fs::write(docs.join("minutes.txt"), "team meeting").unwrap();
    let out = Command::new(bin())
        .args(["init", "--vault"])
        .arg(&docs)
        .env("DEBRIEF_USER", "alice")
        .env("DEBRIEF_PASSPHRASE", "a long enough passphrase")
        .env("DEBRIEF_TEST_SCRYPT_LOG_N", "10")
        .output()
        .unwrap();
    refused(&out, "this folder is not empty and holds no vault");
    let left: Vec<_> = std::fs::read_dir(&docs).unwrap().collect();
    assert_eq!(left.len(), 1, "the folder is as it was");
    // An empty folder, and a new one, are fine.
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for dir in [empty, root.path().join("new")] {
        let out = Command::new(bin())
            .args(["init", "--vault"])
            .arg(&dir)
            .env("DEBRIEF_USER", "alice")
            .env("DEBRIEF_PASSPHRASE", "a long enough passphrase")
            .env("DEBRIEF_TEST_SCRYPT_LOG_N", "10")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // New members need a strong passphrase too.
    env.ok(&["init"]);
    let out = run_with(
        &env,
        &["user", "add", "bob", "--role", "provider"],
        &[
            ("DEBRIEF_PASSPHRASE", &env.pass),
            ("DEBRIEF_NEW_PASSPHRASE", "bob"),
        ],
    );
    refused(&out, "too short");
}

#[test]
fn a_damaged_vault_database_and_an_unknown_user_are_named_plainly() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    env.ok(&["init"]);
    env.json(&["case", "create", "--title", "One", "--json"]);
    let db = env.vault.join("vault.db");
    let good = std::fs::read(&db).unwrap();
    // Truncated, emptied, zeroed: exit 2, one line, the fix; the file is not rebuilt.
    let damaged: [(&str, Vec<u8>, &str); 3] = [
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            "database is damaged",
        ),
        (
            "emptied",
            Vec::new(),
            "database is damaged (the file is empty)",
        ),
        ("zeroed", vec![0; good.len()], "or the database is damaged"),
    ];
    for (what, bytes, expect) in damaged {
        std::fs::write(&db, &bytes).unwrap();
        for side in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(env.vault.join(format!("vault.db{side}")));
        }
        let out = env.run(&["case", "list"]);
        refused(&out, expect);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("backup"), "{what}: the fix: {err}");
        assert!(
            err.matches("malformed").count() <= 1,
            "{what}: said once: {err}"
        );
        assert_eq!(std::fs::read(&db).unwrap(), bytes, "{what}: not rewritten");
    }
    std::fs::write(&db, &good).unwrap();
    // An unknown user and a wrong passphrase get the same answer.
    let unknown = env.as_user("mallory", &env.pass).run(&["case", "list"]);
    let wrong = env
        .as_user(&env.user, "a wrong passphrase")
        .run(&["case", "list"]);
    refused(
        &unknown,
        "wrong passphrase, or no user 'mallory' in this vault",
    );
    refused(&wrong, "wrong passphrase, or no user 'alice' in this vault");
    let strip = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stderr)
            .replace("mallory", "NAME")
            .replace("alice", "NAME")
    };
    assert_eq!(strip(&unknown), strip(&wrong));
}

/// Starts `export clip` of the whole recording with face detection (slow enough
/// to be caught mid-way) and waits until its partial file exists.
fn export_in_flight(env: &Env, rec: &str, out: &std::path::Path) -> std::process::Child {
    let child = env
        .command(&[
            "export",
            "clip",
            "--recording",
            rec,
            "--from-frame",
            "0",
            "--to-frame",
            "239",
        ])
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let partial = debrief::export::partial_path(out);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !partial.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the export never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child
}

fn audit_actions(env: &Env) -> Vec<String> {
    env.json(&["audit", "show", "--json"])["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_killed_export_or_import_leaves_nothing_behind() {
    let root = tempfile::tempdir().unwrap();
    let env = Env::new(root.path());
    let source = generate(
        root.path(),
        "faces.mp4",
        &TestSrcSpec {
            frames: 240,
            width: 640,
            height: 360,
            faces: 2,
            ..Default::default()
        },
    );
    let (_, _, rec) = setup(&env, &source);
    // SIGTERM and SIGHUP stop an export as Ctrl-C does: the partial file goes at once.
    for signal in [libc::SIGTERM, libc::SIGHUP] {
        let out = root.path().join(format!("clip-{signal}.mp4"));
        let child = export_in_flight(&env, &rec, &out);
        // SAFETY: signalling our own child process.
        #[allow(unsafe_code)]
        unsafe {
            libc::kill(child.id() as i32, signal)
        };
        let done = child.wait_with_output().unwrap();
        assert!(!done.status.success(), "signal {signal}: cancelled");
        assert!(
            !debrief::export::partial_path(&out).exists(),
            "signal {signal}: removed"
        );
        assert!(!out.exists());
    }
    // SIGKILL cannot be caught: the partial file stays until the next start removes it.
    let out = root.path().join("clip-killed.mp4");
    let mut child = export_in_flight(&env, &rec, &out);
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = debrief::export::partial_path(&out);
    assert!(partial.exists(), "left by the killed export");
    // A killed import's leftover in the vault (nobody holds its lock) goes too; one
    // that a live writer holds (here: this test) stays.
    let orphan = env.vault.join("media").join("0000-orphan.age.partial");
    std::fs::write(&orphan, b"ciphertext cut short").unwrap();
    let live = env.vault.join("media").join("0000-live.age.partial");
    let held = debrief::files::hold(&live).unwrap();
    env.ok(&["case", "list"]);
    assert!(
        !partial.exists(),
        "the export's leftover removed at the next start"
    );
    assert!(
        !orphan.exists(),
        "the import's leftover removed at the next start"
    );
    assert!(live.exists(), "a file still being written is left alone");
    drop(held);
    let actions = audit_actions(&env);
    assert!(
        actions.iter().any(|a| a == "export.partial.removed"),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|a| a == "import.partial.removed"),
        "{actions:?}"
    );
}
