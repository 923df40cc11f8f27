//! Real faces in generated video, for testing the face detector and the redaction.
//!
//! `assets/testdata/face.png` (a public-domain NASA portrait, see the README
//! there) is pasted into frames at a quarter of the picture height, each face
//! bouncing on its own path through the middle band of the picture (clear of
//! the frame code at the top and the frame number at the bottom), so tests
//! know exactly where every face is on every frame.

use std::sync::OnceLock;

static FACE_PNG: &[u8] = include_bytes!("../../../assets/testdata/face.png");

/// The face picture as (width, height, Y, U, V at full resolution).
struct FaceImage {
    width: usize,
    height: usize,
    yuv: Vec<[u8; 3]>,
}

fn face_image() -> Option<&'static FaceImage> {
    static FACE: OnceLock<Option<FaceImage>> = OnceLock::new();
    FACE.get_or_init(|| {
        let decoder = png::Decoder::new(std::io::Cursor::new(FACE_PNG));
        let mut reader = decoder.read_info().ok()?;
        let mut buf = vec![0; reader.output_buffer_size()?];
        let info = reader.next_frame(&mut buf).ok()?;
        let channels = match info.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            _ => return None,
        };
        let yuv = buf[..info.buffer_size()]
            .chunks_exact(channels)
            .map(|p| {
                let (r, g, b) = (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]));
                let y = 16.0 + 0.257 * r + 0.504 * g + 0.098 * b;
                let u = 128.0 - 0.148 * r - 0.291 * g + 0.439 * b;
                let v = 128.0 + 0.439 * r - 0.368 * g - 0.071 * b;
                [y as u8, u as u8, v as u8]
            })
            .collect();
        Some(FaceImage {
            width: info.width as usize,
            height: info.height as usize,
            yuv,
        })
    })
    .as_ref()
}

/// Where face `k` of `faces` is on frame `index` of a `width`×`height` video: (x, y, w, h).
pub fn face_box(width: u32, height: u32, faces: u32, k: u32, index: u64) -> (u32, u32, u32, u32) {
    let (w, h) = (width as u64, height as u64);
    let fh = (h / 4).max(8);
    let fw = fh * 112 / 144;
    let band_top = h / 8 + h / 32;
    let band = (h * 5 / 8).saturating_sub(fh).max(1);
    let span_x = w.saturating_sub(fw).max(1);
    let bounce = |t: u64, span: u64| {
        let m = t % (2 * span);
        if m < span { m } else { 2 * span - m }
    };
    let k = u64::from(k);
    let lanes = u64::from(faces.max(1));
    let x = bounce(index * 4 + k * span_x / lanes, span_x);
    let y = band_top + bounce(index + k * band / lanes, band);
    (x as u32, y as u32, fw as u32, fh as u32)
}

/// Pastes `faces` faces into the I420 picture `data` for frame `index`.
pub fn draw_faces(data: &mut [u8], width: u32, height: u32, faces: u32, index: u64) {
    let Some(face) = face_image() else { return };
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w / 2, h / 2);
    for k in 0..faces {
        let (x0, y0, fw, fh) = face_box(width, height, faces, k, index);
        let (x0, y0, fw, fh) = (x0 as usize, y0 as usize, fw as usize, fh as usize);
        for dy in 0..fh {
            let y = y0 + dy;
            if y >= h {
                break;
            }
            let sy = dy * face.height / fh;
            for dx in 0..fw {
                let x = x0 + dx;
                if x >= w {
                    break;
                }
                let sx = dx * face.width / fw;
                let [py, pu, pv] = face.yuv[sy * face.width + sx];
                data[y * w + x] = py;
                if x % 2 == 0 && y % 2 == 0 && x / 2 < cw && y / 2 < ch {
                    data[w * h + (y / 2) * cw + x / 2] = pu;
                    data[w * h + cw * ch + (y / 2) * cw + x / 2] = pv;
                }
            }
        }
    }
}
