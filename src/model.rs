//! Plain domain types shared by the vault, export and the app: no I/O here.
//!
//! Names of stages, statuses, purposes and roles are the strings of the CLI
//! contract (`before-review-use`, `quality-improvement`, …); each enum
//! converts to and from them in one place.

pub mod agreement;
pub mod boris;
pub mod codebook;
pub mod consent;
pub mod consent_sheet;
pub mod import;
pub mod interchange;
pub mod metrics;
pub mod permissions;
pub mod policy;
pub mod report;
pub mod schema;

pub use codebook::{Code, CodeKind, Codebook};
pub use consent::{ConsentMethod, ConsentStage, ConsentStatus};
pub use permissions::Permissions;
pub use policy::Policy;

/// Declares a string-backed enum: `as_str`, `FromStr` with a helpful error, `Display`, serde.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The contract's spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s { $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        concat!("'{}' is not a ", $what, ": use {}"),
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// What a user may do (ARCHITECTURE "Roles").
    Role, "role" {
        /// Everything in the vault.
        Instructor => "instructor",
        /// Only cases they take part in; private notes; no plenary export.
        Provider => "provider",
    }
);

string_enum!(
    /// Why a recording was made; the policy maps it to the consent each use needs.
    Purpose, "purpose" {
        /// Recorded as part of care.
        ClinicalCare => "clinical-care",
        /// Teaching.
        Education => "education",
        /// Quality improvement (the default).
        QualityImprovement => "quality-improvement",
        /// Research or public education.
        Research => "research",
    }
);

/// A user of the vault.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// A case: one procedure, one or more recordings.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Case {
    /// Id (uuid).
    pub id: String,
    /// Title (PHI: never logged).
    pub title: String,
    /// Date of the procedure (YYYY-MM-DD), if known.
    pub date: Option<String>,
    /// Unit or ward.
    pub unit: Option<String>,
    /// Free-text context.
    pub context: Option<String>,
    /// Codebook used for coding.
    pub codebook_id: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

/// A person in a case: team member (name or pseudonym) or patient/guardian.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Participant {
    /// Id (uuid).
    pub id: String,
    /// Case id.
    pub case_id: String,
    /// Name or pseudonym.
    pub name: String,
    /// Team role (e.g. "airway", "team lead", "parent").
    pub team_role: Option<String>,
    /// Linked provider account, if any.
    pub user: Option<String>,
}

/// A recording of a case, stored encrypted in the vault.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Recording {
    /// Id (uuid); also the media file's name.
    pub id: String,
    /// Case id.
    pub case_id: String,
    /// Why it was made.
    pub purpose: Purpose,
    /// Camera label.
    pub camera: Option<String>,
    /// Offset (ns) from the case's first recording, for multi-camera sync.
    pub offset_ns: i64,
    /// Video frames.
    pub frames: u64,
    /// Frame rate numerator.
    pub fps_num: u32,
    /// Frame rate denominator.
    pub fps_den: u32,
    /// Duration (ns).
    pub duration_ns: i64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// When it was imported (RFC 3339).
    pub imported_at: String,
    /// Set once crypto-shredded: when, and why.
    pub shredded: Option<(String, String)>,
    /// For a camera view of a recording: that recording's id (the view's
    /// frames are its own; the recording's are its reference view's).
    pub view_of: Option<String>,
    /// Recorded under deferred consent: without the patient's or family's
    /// consent by this day (YYYY-MM-DD) it is crypto-shredded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_deadline: Option<String>,
}

/// An annotation on a recording: a point event or a duration, frame-exact.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Annotation {
    /// Id (uuid).
    pub id: String,
    /// Recording id.
    pub recording_id: String,
    /// Codebook code id.
    pub code: String,
    /// First frame.
    pub start_frame: u64,
    /// Last frame for durations (inclusive); `None` for point events and open durations.
    pub end_frame: Option<u64>,
    /// PTS of the first frame (ns).
    pub start_pts_ns: i64,
    /// PTS of the last frame (ns).
    pub end_pts_ns: Option<i64>,
    /// Rating on the code's scale.
    pub rating: Option<f64>,
    /// Shared note.
    pub note: Option<String>,
    /// Private note, readable only by its author (`None` when absent or not readable).
    pub private_note: Option<String>,
    /// True when a private note exists (whether or not this user can read it).
    pub has_private_note: bool,
    /// Author's user name.
    pub author: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last edited (RFC 3339).
    pub edited_at: Option<String>,
}

/// Turns `name` into a message-safe short form: PHI never goes in logs.
pub fn redacted(id: &str) -> String {
    id.chars().take(8).collect()
}
