//! Still frames as PNG files.

use std::io::Write as _;
use std::path::Path;

use super::{Frame, MediaError};

/// Writes `frame` as an 8-bit RGB PNG (alpha dropped: video is opaque).
///
/// Written to a temporary name beside `path` and renamed, so a failure never
/// leaves a truncated image under the requested name.
pub fn write_png(path: &Path, frame: &Frame) -> Result<(), MediaError> {
    let io = |cause| MediaError::Io {
        what: format!("writing {}", path.display()),
        cause,
    };
    let mut rgb = Vec::with_capacity(frame.rgba.len() / 4 * 3);
    for px in frame.rgba.chunks_exact(4) {
        rgb.extend_from_slice(&px[..3]);
    }
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(".partial");
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut out = std::io::BufWriter::new(file);
        {
            let mut encoder = png::Encoder::new(&mut out, frame.width, frame.height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            encoder.set_compression(png::Compression::Fast);
            let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
            writer
                .write_image_data(&rgb)
                .map_err(std::io::Error::other)?;
        }
        out.flush()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// Reads a PNG written by [`write_png`] (or any 8-bit RGB/RGBA PNG) back as RGBA.
pub fn read_png(path: &Path) -> Result<(u32, u32, Vec<u8>), MediaError> {
    let io = |cause| MediaError::Io {
        what: format!("reading {}", path.display()),
        cause,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .map_err(|e| io(std::io::Error::other(e)))?;
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| io(std::io::Error::other(e)))?;
    let data = buf.get(..info.buffer_size()).unwrap_or_default();
    let rgba = match info.color_type {
        png::ColorType::Rgba => data.to_vec(),
        png::ColorType::Rgb => data
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        other => {
            return Err(io(std::io::Error::other(format!(
                "unsupported PNG colour type {other:?}"
            ))));
        }
    };
    Ok((info.width, info.height, rgba))
}
