//! The CLI end to end: a vault in a temp folder, commands run as a user, refusals checked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::bin;

/// A vault folder, a private temp folder for the processes, and who runs commands.
pub struct Env {
    pub vault: PathBuf,
    pub tmp: PathBuf,
    pub user: String,
    pub pass: String,
}

impl Env {
    pub fn new(root: &Path) -> Self {
        let tmp = root.join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        Self {
            vault: root.join("vault"),
            tmp,
            user: "alice".into(),
            pass: "alice pass".into(),
        }
    }

    pub fn as_user(&self, user: &str, pass: &str) -> Self {
        Self {
            vault: self.vault.clone(),
            tmp: self.tmp.clone(),
            user: user.into(),
            pass: pass.into(),
        }
    }

    /// `debrief args…` as this user on this vault, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .env("DEBRIEF_VAULT", &self.vault)
            .env("DEBRIEF_USER", &self.user)
            .env("DEBRIEF_PASSPHRASE", &self.pass)
            .env("DEBRIEF_NEW_PASSPHRASE", "bob pass")
            .env("DEBRIEF_TEST_SCRYPT_LOG_N", "10")
            .env("DEBRIEF_AUDIO_SINK", "fakeaudiosink")
            // Everything the process might write to a temp folder lands here, where the test looks.
            .env("TMPDIR", &self.tmp);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run debrief")
    }

    /// Runs a command that must succeed and prints one JSON object.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        json_of(&mut self.command(args))
    }

    pub fn ok(&self, args: &[&str]) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Runs a prepared command that must succeed and prints one JSON object.
pub fn json_of(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().expect("run debrief");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// Asserts exit 2 with one line on stderr containing `expect`.
pub fn refused(out: &Output, expect: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {err}");
    assert!(
        lines[0].starts_with("debrief: error:") && lines[0].contains(expect),
        "'{expect}' not in: {err}"
    );
}

/// init, a case with a participant, consent granted, one recording. Returns (case, participant, recording).
pub fn setup(env: &Env, source: &Path) -> (String, String, String) {
    env.json(&["init", "--json"]);
    let case = env.json(&["case", "create", "--title", "Resuscitation 12", "--json"])["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let participant = env.json(&[
        "participant",
        "add",
        "--case",
        &case,
        "--name",
        "Parent",
        "--team-role",
        "guardian",
        "--json",
    ])["participant_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for stage in ["before-recording", "after-recording", "before-review-use"] {
        env.ok(&[
            "consent",
            "set",
            "--participant",
            &participant,
            "--stage",
            stage,
            "--status",
            "granted",
            "--method",
            "written",
        ]);
    }
    let imported = env.json(&[
        "import",
        source.to_str().unwrap(),
        "--case",
        &case,
        "--purpose",
        "education",
        "--camera",
        "overhead",
        "--json",
    ]);
    assert!(imported["frames"].as_u64().unwrap() > 0);
    (
        case,
        participant,
        imported["recording_id"].as_str().unwrap().to_owned(),
    )
}

/// `export clip` of frames `from..=to` to `out` without face detection.
pub fn plain_clip_args(rec: &str, from: u64, to: u64, out: &Path) -> Vec<String> {
    [
        "export",
        "clip",
        "--recording",
        rec,
        "--faces",
        "none",
        "--from-frame",
        &from.to_string(),
        "--to-frame",
        &to.to_string(),
        "--out",
        out.to_str().unwrap_or_default(),
    ]
    .map(str::to_owned)
    .to_vec()
}
