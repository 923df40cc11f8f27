//! The peer in `debrief bench seek --peer mpv`: mpv (the player BORIS builds
//! on) driven through its JSON IPC, asked for the same exact seeks and
//! single-frame steps as Debrief's player, in the same run.
//!
//! mpv runs with no video or audio output (`--vo=null --ao=null`), so what
//! is timed is its demuxing and decoding, as for Debrief's player. A command
//! counts as done when mpv shows the frame: an exact seek (`seek T
//! absolute+exact`) at its `playback-restart` event (mpv reports the target
//! as its position at once, before decoding), `frame-step` when the
//! observed `time-pos` moves, `frame-back-step` (a seek) at both.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};

/// One mpv process and its IPC socket.
pub(crate) struct Mpv {
    child: Child,
    writer: UnixStream,
    reader: BufReader<UnixStream>,
    /// The last `time-pos` mpv reported, in seconds.
    position: Option<f64>,
    /// `playback-restart` events so far (one per seek landed).
    restarts: u64,
    /// Replies to requests not yet taken: (request id, data).
    replies: Vec<(u64, Value)>,
    next_id: u64,
    /// The socket, removed when mpv quits.
    socket: std::path::PathBuf,
}

impl Mpv {
    /// Starts mpv paused on `file` and waits until it shows the first frame.
    pub(crate) fn open(file: &Path) -> anyhow::Result<Self> {
        let socket =
            std::env::temp_dir().join(format!("debrief-bench-mpv-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&socket);
        let mut child = Command::new("mpv")
            .args([
                "--no-config",
                "--no-terminal",
                "--pause",
                "--vo=null",
                "--ao=null",
                "--hr-seek=yes",
                "--keep-open=always",
            ])
            .arg(format!("--input-ipc-server={}", socket.display()))
            .arg(file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start mpv: install it (apt install mpv) or leave out --peer mpv")?;
        let deadline = Instant::now() + Duration::from_secs(20);
        let stream = loop {
            match UnixStream::connect(&socket) {
                Ok(s) => break s,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!("mpv did not open its IPC socket: {e}")
                }
            }
        };
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut mpv = Self {
            child,
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
            position: None,
            restarts: 0,
            replies: Vec::new(),
            next_id: 1,
            socket,
        };
        mpv.send(json!(["observe_property", 1, "time-pos"]))?;
        mpv.wait(|m| m.restarts > 0 && m.position.is_some())?;
        Ok(mpv)
    }

    fn send(&mut self, command: Value) -> anyhow::Result<u64> {
        let id = self.next_id;
        self.next_id += 1;
        let line = json!({"command": command, "request_id": id}).to_string();
        self.writer.write_all(line.as_bytes())?;
        self.writer.write_all(b"\n")?;
        Ok(id)
    }

    /// Reads mpv's messages until `done` holds for what it has said so far.
    fn wait(&mut self, done: impl Fn(&Self) -> bool) -> anyhow::Result<()> {
        let mut line = String::new();
        while !done(self) {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                bail!("mpv closed its IPC socket");
            }
            let msg: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if msg["event"] == "property-change" && msg["name"] == "time-pos" {
                self.position = msg["data"].as_f64();
            } else if msg["event"] == "playback-restart" {
                self.restarts += 1;
            } else if let Some(id) = msg["request_id"].as_u64() {
                if msg["error"] != "success" {
                    return Err(anyhow!("mpv refused a command: {}", msg["error"]));
                }
                self.replies.push((id, msg["data"].clone()));
            }
        }
        Ok(())
    }

    /// Where mpv is now, asked (not waited for).
    fn time_pos(&mut self) -> anyhow::Result<f64> {
        let id = self.send(json!(["get_property", "time-pos"]))?;
        self.wait(|m| m.replies.iter().any(|(r, _)| *r == id))?;
        let at = self.replies.iter().position(|(r, _)| *r == id);
        let data = at.map(|i| self.replies.swap_remove(i).1);
        data.and_then(|d| d.as_f64())
            .ok_or_else(|| anyhow!("mpv has no position"))
    }

    /// An exact seek to `seconds`, done when mpv shows the frame there
    /// (`playback-restart`); returns where it landed.
    pub(crate) fn seek(&mut self, seconds: f64) -> anyhow::Result<f64> {
        let restarts = self.restarts;
        self.send(json!(["seek", seconds, "absolute+exact"]))?;
        self.wait(|m| m.restarts > restarts)?;
        self.time_pos()
    }

    /// One frame forward (`1`) or back (`-1`), done when mpv reports the new
    /// position (a step back is a seek: after its `playback-restart` too).
    pub(crate) fn step(&mut self, delta: i32) -> anyhow::Result<f64> {
        let (before, restarts) = (self.position, self.restarts);
        if delta > 0 {
            self.send(json!(["frame-step"]))?;
            self.wait(|m| m.position.is_some() && m.position != before)?;
        } else {
            self.send(json!(["frame-back-step"]))?;
            self.wait(|m| m.restarts > restarts && m.position.is_some() && m.position != before)?;
        }
        self.position.ok_or_else(|| anyhow!("mpv has no position"))
    }
}

impl Drop for Mpv {
    fn drop(&mut self) {
        let _ = self.send(json!(["quit"]));
        let _ = std::fs::remove_file(&self.socket);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
