//! What to record from: cameras and microphones named on the command line
//! or chosen on the Record screen.

use std::fmt;
use std::str::FromStr;

/// A camera.
#[derive(Clone, PartialEq, Eq)]
pub enum CameraSpec {
    /// A live test pattern with the frame code of the shared clock's frame
    /// in its top strip (demos and tests: two test cameras show the same
    /// code at the same instant).
    Test,
    /// A V4L2 device (`v4l2:/dev/video0`).
    V4l2(String),
    /// An RTSP/IP camera (`rtsp://…`); its address may hold credentials, so
    /// it is never stored, logged or shown whole.
    Rtsp(String),
}

impl CameraSpec {
    /// What the vault stores and the audit names: no address, no credentials.
    pub fn stored(&self) -> String {
        match self {
            Self::Test => "test".into(),
            Self::V4l2(device) => format!("v4l2:{device}"),
            Self::Rtsp(_) => "rtsp".into(),
        }
    }
}

/// Shows an RTSP address without its user and password.
impl fmt::Debug for CameraSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl fmt::Display for CameraSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Test => f.write_str("test"),
            Self::V4l2(device) => write!(f, "v4l2:{device}"),
            Self::Rtsp(url) => f.write_str(&without_credentials(url)),
        }
    }
}

/// `rtsp://user:secret@host/path` as `rtsp://host/path`.
pub fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "rtsp://…".into();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("{scheme}://{host}{path}")
}

impl FromStr for CameraSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "test" {
            Ok(Self::Test)
        } else if let Some(device) = s.strip_prefix("v4l2:") {
            if device.starts_with("/dev/") {
                Ok(Self::V4l2(device.to_owned()))
            } else {
                Err(format!(
                    "'{s}' does not name a device: use v4l2:/dev/videoN"
                ))
            }
        } else if s.starts_with("rtsp://") || s.starts_with("rtsps://") {
            Ok(Self::Rtsp(s.to_owned()))
        } else {
            Err(format!(
                "'{}' is not a camera: use test, v4l2:/dev/videoN or rtsp://host/path",
                without_credentials(s)
            ))
        }
    }
}

/// A microphone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MicSpec {
    /// A live test tone.
    Test,
    /// A PulseAudio/PipeWire source (`default`, or `pulse:NAME`).
    Pulse(Option<String>),
}

impl MicSpec {
    /// What the vault stores.
    pub fn stored(&self) -> String {
        match self {
            Self::Test => "test".into(),
            Self::Pulse(None) => "pulse".into(),
            Self::Pulse(Some(name)) => format!("pulse:{name}"),
        }
    }
}

impl FromStr for MicSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "test" => Ok(Self::Test),
            "default" | "pulse" => Ok(Self::Pulse(None)),
            _ => match s.strip_prefix("pulse:") {
                Some(name) if !name.is_empty() => Ok(Self::Pulse(Some(name.to_owned()))),
                _ => Err(format!(
                    "'{s}' is not a microphone: use test, default or pulse:SOURCE"
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_specs_parse_and_never_show_credentials() {
        assert_eq!("test".parse(), Ok(CameraSpec::Test));
        assert_eq!(
            "v4l2:/dev/video2".parse(),
            Ok(CameraSpec::V4l2("/dev/video2".into()))
        );
        let cam: CameraSpec = "rtsp://nurse:s3cret@10.0.0.5:554/stream1".parse().unwrap();
        for shown in [cam.to_string(), format!("{cam:?}"), cam.stored()] {
            assert!(
                !shown.contains("s3cret") && !shown.contains("nurse"),
                "{shown}"
            );
        }
        assert_eq!(cam.to_string(), "rtsp://10.0.0.5:554/stream1");
        let err = "http://user:pw@cam/x".parse::<CameraSpec>().unwrap_err();
        assert!(err.contains("not a camera") && !err.contains("pw"), "{err}");
        assert!("v4l2:video0".parse::<CameraSpec>().is_err());
        assert_eq!(
            "pulse:alsa_input.usb".parse(),
            Ok(MicSpec::Pulse(Some("alsa_input.usb".into())))
        );
        assert!("pulse:".parse::<MicSpec>().is_err());
    }
}
