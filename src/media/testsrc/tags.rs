//! Planted metadata, for proving that export scrubs it.
//!
//! `debrief testsrc --plant-tags` writes the kind of metadata a camera or an
//! editing tool leaves in a clinical recording, every value a sentinel a
//! test can search the exported bytes for: container tags through the
//! muxer's tag interface (title, comment, artist, date, GPS, make, model;
//! MP4/MOV also get them as XMP), and for MP4/MOV a QuickTime `mdta`
//! metadata box (keys + ilst), which GStreamer passes through a plain
//! transcode byte for byte.

use std::io;
use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;

/// Every planted value; none may appear anywhere in an exported clip.
pub const SENTINELS: &[&str] = &[
    "PATIENT_JohnQDoe_MRN123456",
    "SENTINELCOMMENT",
    "SENTINELARTIST",
    "SENTINELMAKE",
    "SENTINELMODEL",
    "SENTINELMDTATITLE",
    "+40.7128-074.0060",
    "2019-03-14",
];

/// Sets the planted tags on a muxer (a no-op for one without a tag interface).
pub fn plant_in_muxer(mux: &gst::Element) {
    let Some(setter) = mux.dynamic_cast_ref::<gst::TagSetter>() else {
        return;
    };
    let mut list = gst::TagList::new();
    {
        let list = list.make_mut();
        let mode = gst::TagMergeMode::Replace;
        list.add::<gst::tags::Title>(&SENTINELS[0], mode);
        list.add::<gst::tags::Comment>(&SENTINELS[1], mode);
        list.add::<gst::tags::Artist>(&SENTINELS[2], mode);
        list.add::<gst::tags::DeviceManufacturer>(&SENTINELS[3], mode);
        list.add::<gst::tags::DeviceModel>(&SENTINELS[4], mode);
        list.add::<gst::tags::GeoLocationLatitude>(&40.7128, mode);
        list.add::<gst::tags::GeoLocationLongitude>(&-74.0060, mode);
        if let Ok(date) = gst::DateTime::from_ymd(2019, 3, 14) {
            list.add::<gst::tags::DateTime>(&date, mode);
        }
    }
    setter.merge_tags(&list, gst::TagMergeMode::Replace);
}

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(&((body.len() + 8) as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

/// The `meta` box (handler `mdta`) with the planted keys and values.
fn mdta_meta() -> Vec<u8> {
    let items: [(&str, &str); 5] = [
        ("com.apple.quicktime.title", SENTINELS[5]),
        ("com.apple.quicktime.make", SENTINELS[3]),
        ("com.apple.quicktime.model", SENTINELS[4]),
        ("com.apple.quicktime.location.ISO6709", "+40.7128-074.0060/"),
        ("com.apple.quicktime.creationdate", "2019-03-14T09:26:53Z"),
    ];
    let mut hdlr = vec![0u8; 8];
    hdlr.extend_from_slice(b"mdta");
    hdlr.extend_from_slice(&[0u8; 13]);
    let mut keys = vec![0u8; 4];
    keys.extend_from_slice(&(items.len() as u32).to_be_bytes());
    let mut ilst = Vec::new();
    for (i, (key, value)) in items.iter().enumerate() {
        keys.extend_from_slice(&boxed(b"mdta", key.as_bytes()));
        let mut data = vec![0, 0, 0, 1, 0, 0, 0, 0];
        data.extend_from_slice(value.as_bytes());
        ilst.extend_from_slice(&boxed(
            &((i + 1) as u32).to_be_bytes(),
            &boxed(b"data", &data),
        ));
    }
    let mut meta = vec![0u8; 4];
    meta.extend_from_slice(&boxed(b"hdlr", &hdlr));
    meta.extend_from_slice(&boxed(b"keys", &keys));
    meta.extend_from_slice(&boxed(b"ilst", &ilst));
    boxed(b"meta", &meta)
}

/// Top-level (or child) boxes of `data` as (kind, start, end).
fn boxes(data: &[u8]) -> io::Result<Vec<([u8; 4], usize, usize)>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= data.len() {
        let size =
            u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as usize;
        let kind = [data[at + 4], data[at + 5], data[at + 6], data[at + 7]];
        let end = if size == 0 { data.len() } else { at + size };
        if size == 1 || (size != 0 && size < 8) || end > data.len() {
            return Err(io::Error::other("unsupported box layout"));
        }
        out.push((kind, at, end));
        at = end;
    }
    Ok(out)
}

/// Adds the `mdta` metadata to the MP4/MOV at `path` (no media data may follow its moov).
pub fn plant_mdta(path: &Path) -> io::Result<()> {
    let mut data = std::fs::read(path)?;
    let top = boxes(&data)?;
    let Some(moov_at) = top.iter().position(|b| &b.0 == b"moov") else {
        return Err(io::Error::other("no moov box"));
    };
    // Growing moov shifts what follows it: fine unless media data follows.
    if top[moov_at..].iter().any(|b| &b.0 == b"mdat") {
        return Err(io::Error::other(
            "media data follows the moov box: write without faststart",
        ));
    }
    let (_, moov_start, moov_end) = top[moov_at];
    let tail = data[moov_end..].to_vec();
    let moov_body = &data[moov_start + 8..moov_end];
    let mut new_body = Vec::with_capacity(moov_body.len() + 512);
    let mut planted = false;
    for (kind, s, e) in boxes(moov_body)? {
        if &kind == b"udta" && !planted {
            let mut udta = moov_body[s + 8..e].to_vec();
            udta.extend_from_slice(&mdta_meta());
            new_body.extend_from_slice(&boxed(b"udta", &udta));
            planted = true;
        } else {
            new_body.extend_from_slice(&moov_body[s..e]);
        }
    }
    if !planted {
        new_body.extend_from_slice(&boxed(b"udta", &mdta_meta()));
    }
    data.truncate(moov_start);
    data.extend_from_slice(&boxed(b"moov", &new_body));
    data.extend_from_slice(&tail);
    std::fs::write(path, data)
}
