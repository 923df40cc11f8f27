//! The triple-consent ledger: stages, answers, events.
//!
//! Each participant gives or refuses consent at three stages; the latest
//! event per participant and stage counts. Refusals are documented, never
//! just absent. What a recording may be used for follows from the latest
//! events and the policy: see [`super::permissions`].

use std::collections::HashMap;

use super::string_enum;

string_enum!(
    /// When consent is asked.
    ConsentStage, "consent stage" {
        /// Before the procedure is recorded.
        BeforeRecording => "before-recording",
        /// After it was recorded: may the recording be kept and reviewed?
        AfterRecording => "after-recording",
        /// Before the recording is used in a review session.
        BeforeReviewUse => "before-review-use",
    }
);

string_enum!(
    /// The answer at a stage.
    ConsentStatus, "consent status" {
        /// Yes.
        Granted => "granted",
        /// No.
        Refused => "refused",
        /// Yes earlier, no now.
        Withdrawn => "withdrawn",
    }
);

string_enum!(
    /// How consent was given.
    ConsentMethod, "consent method" {
        /// Said aloud, documented by the recorder.
        Verbal => "verbal",
        /// Signed.
        Written => "written",
    }
);

/// One entry of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ConsentEvent {
    /// Participant id.
    pub participant_id: String,
    /// Stage.
    pub stage: ConsentStage,
    /// Answer.
    pub status: ConsentStatus,
    /// How it was given.
    pub method: Option<ConsentMethod>,
    /// Free-text note.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When (RFC 3339).
    pub recorded_at: String,
}

/// The latest event per (participant, stage) from a ledger in recording order.
pub fn latest(events: &[ConsentEvent]) -> HashMap<(String, ConsentStage), &ConsentEvent> {
    let mut map = HashMap::new();
    for e in events {
        map.insert((e.participant_id.clone(), e.stage), e);
    }
    map
}
