//! Frames, presentation timestamps and timecodes, in integers.
//!
//! A position in a recording is a frame index (`u64`, 0-based, presentation
//! order) and a PTS (`i64` nanoseconds). The mapping between the two is the
//! recording's frame index table (see `media::FrameTable`); the rational frame
//! rate here serves nominal conversions (timecodes, "one second" steps) and
//! never decides which frame a timestamp is. Floating point is for drawing only.

use std::fmt;

/// Nanoseconds in one second.
pub const NS_PER_SEC: i64 = 1_000_000_000;

/// A rational frame rate such as 30000/1001.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct FrameRate {
    /// Frames per `den` seconds.
    pub num: u32,
    /// Seconds per `num` frames.
    pub den: u32,
}

/// Why a frame rate could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameRateError {
    /// Numerator or denominator is zero.
    #[error("a frame rate needs a positive numerator and denominator, got {0}/{1}")]
    Zero(u32, u32),
    /// Not of the form `N/D` or `N`.
    #[error("'{0}' is not a frame rate: write it as N/D (30/1, 30000/1001) or N")]
    Syntax(String),
}

impl FrameRate {
    /// 30 frames per second.
    pub const FPS_30: Self = Self { num: 30, den: 1 };

    /// A frame rate `num/den`, reduced to lowest terms.
    pub fn new(num: u32, den: u32) -> Result<Self, FrameRateError> {
        if num == 0 || den == 0 {
            return Err(FrameRateError::Zero(num, den));
        }
        let g = gcd(u64::from(num), u64::from(den));
        // g divides both, so the quotients fit in u32.
        let num = u32::try_from(u64::from(num) / g).unwrap_or(num);
        let den = u32::try_from(u64::from(den) / g).unwrap_or(den);
        Ok(Self { num, den })
    }

    /// Parses `30/1`, `30000/1001` or `25`.
    pub fn parse(text: &str) -> Result<Self, FrameRateError> {
        let syntax = || FrameRateError::Syntax(text.to_owned());
        let (num, den) = match text.trim().split_once('/') {
            Some((n, d)) => (
                n.trim().parse().map_err(|_| syntax())?,
                d.trim().parse().map_err(|_| syntax())?,
            ),
            None => (text.trim().parse().map_err(|_| syntax())?, 1),
        };
        Self::new(num, den)
    }

    /// Frames per second, for display and drawing only.
    pub fn as_f64(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// Whole frames counted per timecode second (30 for 29.97, 60 for 59.94).
    pub fn nominal_fps(self) -> u64 {
        u64::from(self.num).div_ceil(u64::from(self.den))
    }

    /// True for the NTSC rates that use drop-frame timecode (29.97 and 59.94).
    pub fn is_drop_frame_rate(self) -> bool {
        self.den == 1001 && (self.num == 30000 || self.num == 60000)
    }

    /// Start time of frame `frame` at this constant rate, in nanoseconds (rounded down).
    pub fn frame_to_ns(self, frame: u64) -> i64 {
        let ns =
            u128::from(frame) * u128::from(self.den) * NS_PER_SEC as u128 / u128::from(self.num);
        i64::try_from(ns).unwrap_or(i64::MAX)
    }

    /// The frame whose nominal start time is nearest to `ns` (negative times are frame 0).
    ///
    /// Nearest rather than floor, because containers round timestamps (Matroska
    /// to 1 ms): frame 1 at 30 fps is stored as 33 ms, which floor would call frame 0.
    pub fn ns_to_frame_nearest(self, ns: i64) -> u64 {
        let Ok(ns) = u128::try_from(ns) else { return 0 };
        let per = u128::from(self.den) * NS_PER_SEC as u128;
        let frame = (ns * u128::from(self.num) + per / 2) / per;
        u64::try_from(frame).unwrap_or(u64::MAX)
    }

    /// Duration of one frame in nanoseconds (rounded down).
    pub fn frame_duration_ns(self) -> i64 {
        self.frame_to_ns(1)
    }
}

impl fmt::Display for FrameRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// Greatest common divisor (Euclid).
pub fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `value * num / den` without overflow, rounded to nearest; `den` must not be 0.
pub fn mul_div_round(value: i64, num: i64, den: i64) -> i64 {
    let (value, num, den) = (i128::from(value), i128::from(num), i128::from(den));
    let prod = value * num;
    let half = den.abs() / 2;
    let q = if (prod >= 0) == (den > 0) {
        (prod.abs() + half) / den.abs()
    } else {
        -((prod.abs() + half) / den.abs())
    };
    i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
}

/// SMPTE-style timecode of frame `frame`: `HH:MM:SS:FF`, or `HH:MM:SS;FF`
/// (drop-frame) at 29.97 and 59.94 so the clock matches wall time.
pub fn timecode(frame: u64, rate: FrameRate) -> String {
    let fps = rate.nominal_fps().max(1);
    if rate.is_drop_frame_rate() {
        // Drop-frame: skip frame numbers 0 and 1 (0..3 at 59.94) at the start of
        // every minute except minutes divisible by ten.
        let drop = fps / 15; // 2 at 29.97, 4 at 59.94
        let per_10min = fps * 600 - drop * 9;
        let per_min = fps * 60 - drop;
        let tens = frame / per_10min;
        let rem = frame % per_10min;
        let extra = if rem > drop {
            drop * ((rem - drop) / per_min)
        } else {
            0
        };
        let shown = frame + drop * 9 * tens + extra;
        let (h, m, s, f) = split_frames(shown, fps);
        format!("{h:02}:{m:02}:{s:02};{f:02}")
    } else {
        let (h, m, s, f) = split_frames(frame, fps);
        format!("{h:02}:{m:02}:{s:02}:{f:02}")
    }
}

fn split_frames(frames: u64, fps: u64) -> (u64, u64, u64, u64) {
    let f = frames % fps;
    let secs = frames / fps;
    (secs / 3600, (secs / 60) % 60, secs % 60, f)
}

/// Wall-clock form of a PTS: `HH:MM:SS.mmm` (milliseconds truncated; negative shown with `-`).
pub fn clock_ms(pts_ns: i64) -> String {
    let sign = if pts_ns < 0 { "-" } else { "" };
    let ms = pts_ns.unsigned_abs() / 1_000_000;
    let (h, m, s, milli) = (
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000,
    );
    format!("{sign}{h:02}:{m:02}:{s:02}.{milli:03}")
}

/// Milliseconds of a PTS, rounded half away from zero: the one rounding used in every export.
pub fn ns_to_ms_round(pts_ns: i64) -> i64 {
    mul_div_round(pts_ns, 1, 1_000_000)
}

/// Parses a user's position: a frame number (`1234`), `HH:MM:SS.mmm`, `MM:SS.mmm`,
/// `SS.mmm` seconds, or a timecode `HH:MM:SS:FF`. Returns nanoseconds or a frame.
pub fn parse_position(text: &str, rate: FrameRate) -> Option<Position> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(frame) = text.parse::<u64>() {
        return Some(Position::Frame(frame));
    }
    let parts: Vec<&str> = text.split([':', ';']).collect();
    if parts.len() == 4 {
        let nums: Option<Vec<u64>> = parts.iter().map(|p| p.parse().ok()).collect();
        let nums = nums?;
        let fps = rate.nominal_fps();
        let &[h, m, s, f] = nums.as_slice() else {
            return None;
        };
        if m >= 60 || s >= 60 || f >= fps {
            return None;
        }
        return Some(Position::Frame(((h * 60 + m) * 60 + s) * fps + f));
    }
    if parts.len() > 3 {
        return None;
    }
    // [[h:]m:]s: each field shifts what came before by 60.
    let mut total_ns: i64 = 0;
    for (i, part) in parts.iter().enumerate() {
        let ns = if i + 1 == parts.len() {
            parse_seconds_ns(part)?
        } else {
            part.parse::<i64>().ok()?.checked_mul(NS_PER_SEC)?
        };
        total_ns = total_ns.checked_mul(60)?.checked_add(ns)?;
    }
    Some(Position::Ns(total_ns))
}

/// `12`, `12.5`, `12.345` seconds → nanoseconds, digits beyond nanoseconds ignored.
fn parse_seconds_ns(text: &str) -> Option<i64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let secs: i64 = whole.parse().ok()?;
    let mut frac_ns: i64 = 0;
    for (i, b) in frac.bytes().take(9).enumerate() {
        frac_ns += i64::from(b - b'0') * 10_i64.pow(8 - i as u32);
    }
    secs.checked_mul(NS_PER_SEC)?.checked_add(frac_ns)
}

/// A position typed by a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// A frame index.
    Frame(u64),
    /// A time from the start of the recording.
    Ns(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_reduces_and_parses() {
        assert_eq!(
            FrameRate::new(60, 2).unwrap(),
            FrameRate { num: 30, den: 1 }
        );
        assert_eq!(
            FrameRate::parse("30000/1001").unwrap(),
            FrameRate {
                num: 30000,
                den: 1001
            }
        );
        assert_eq!(
            FrameRate::parse("25").unwrap(),
            FrameRate { num: 25, den: 1 }
        );
        assert!(matches!(
            FrameRate::parse("0/1"),
            Err(FrameRateError::Zero(0, 1))
        ));
        assert!(matches!(
            FrameRate::parse("x/1"),
            Err(FrameRateError::Syntax(_))
        ));
    }

    #[test]
    fn frame_ns_conversions_at_ntsc_rates() {
        let r = FrameRate::new(30000, 1001).unwrap();
        assert_eq!(r.frame_to_ns(0), 0);
        assert_eq!(r.frame_to_ns(1), 33_366_666);
        assert_eq!(r.frame_to_ns(30000), 1001 * NS_PER_SEC);
        // Round trip for every frame of the first ten minutes and far out.
        for f in (0..18_000).chain([10_000_000, 324_000_000]) {
            assert_eq!(r.ns_to_frame_nearest(r.frame_to_ns(f)), f, "frame {f}");
        }
        let r = FrameRate::new(60000, 1001).unwrap();
        for f in (0..36_000).step_by(7) {
            assert_eq!(r.ns_to_frame_nearest(r.frame_to_ns(f)), f);
        }
        // Millisecond-rounded container times still map to the right frame.
        let r30 = FrameRate::FPS_30;
        assert_eq!(r30.ns_to_frame_nearest(33_000_000), 1);
        assert_eq!(r30.ns_to_frame_nearest(67_000_000), 2);
        assert_eq!(r30.ns_to_frame_nearest(-5), 0);
    }

    #[test]
    fn long_durations_do_not_overflow() {
        // 30 days at 60000/1001 fps.
        let r = FrameRate::new(60000, 1001).unwrap();
        let frames = 30 * 24 * 3600 * 60_000 / 1001;
        let ns = r.frame_to_ns(frames);
        assert!(ns > 29 * 24 * 3600 * NS_PER_SEC);
        assert_eq!(r.ns_to_frame_nearest(ns), frames);
        assert_eq!(timecode(3 * 3600 * 30, FrameRate::FPS_30), "03:00:00:00");
        assert_eq!(
            clock_ms(100 * 3600 * NS_PER_SEC + 1_234_000_000),
            "100:00:01.234"
        );
    }

    #[test]
    fn non_drop_timecode() {
        let r = FrameRate::new(25, 1).unwrap();
        assert_eq!(timecode(0, r), "00:00:00:00");
        assert_eq!(timecode(24, r), "00:00:00:24");
        assert_eq!(timecode(25, r), "00:00:01:00");
        assert_eq!(timecode(25 * 3661 + 3, r), "01:01:01:03");
    }

    #[test]
    fn drop_frame_timecode_2997() {
        let r = FrameRate::new(30000, 1001).unwrap();
        assert_eq!(timecode(0, r), "00:00:00;00");
        assert_eq!(timecode(1799, r), "00:00:59;29");
        // Frame numbers 00 and 01 are skipped at minute 1.
        assert_eq!(timecode(1800, r), "00:01:00;02");
        assert_eq!(timecode(17_981, r), "00:09:59;29");
        // ...but not at minute 10.
        assert_eq!(timecode(17_982, r), "00:10:00;00");
        // One hour of 29.97 is 107,892 frames and reads exactly one hour.
        assert_eq!(timecode(107_892, r), "01:00:00;00");
    }

    #[test]
    fn drop_frame_timecode_5994() {
        let r = FrameRate::new(60000, 1001).unwrap();
        assert_eq!(timecode(3599, r), "00:00:59;59");
        assert_eq!(timecode(3600, r), "00:01:00;04");
        assert_eq!(timecode(215_784, r), "01:00:00;00");
    }

    #[test]
    fn clock_format_and_ms_rounding() {
        assert_eq!(clock_ms(0), "00:00:00.000");
        assert_eq!(clock_ms(61_999_999_999), "00:01:01.999");
        assert_eq!(clock_ms(-1_500_000_000), "-00:00:01.500");
        assert_eq!(ns_to_ms_round(33_366_666), 33);
        assert_eq!(ns_to_ms_round(33_500_000), 34);
        assert_eq!(ns_to_ms_round(-33_500_000), -34);
        assert_eq!(mul_div_round(10, 1, 4), 3);
    }

    #[test]
    fn parses_positions() {
        let r = FrameRate::FPS_30;
        assert_eq!(parse_position("120", r), Some(Position::Frame(120)));
        assert_eq!(parse_position("00:00:04:10", r), Some(Position::Frame(130)));
        assert_eq!(parse_position("00:00:04:30", r), None);
        assert_eq!(
            parse_position("1:02.5", r),
            Some(Position::Ns(62_500_000_000))
        );
        assert_eq!(
            parse_position("01:00:00.001", r),
            Some(Position::Ns(3600 * NS_PER_SEC + 1_000_000))
        );
        assert_eq!(parse_position("4.25", r), Some(Position::Ns(4_250_000_000)));
        assert_eq!(parse_position("abc", r), None);
        assert_eq!(parse_position("", r), None);
    }
}
