//! The consent ledger in the vault, and what it permits per recording.
//!
//! Events are only ever appended: a refusal or withdrawal is a new event,
//! never an edit. After each event the policy is applied at once: under
//! a stage whose `on_refusal` is `delete` a refusal crypto-shreds the case's
//! recordings; under `individual-review-only` they stay, for the linked
//! providers alone.

use rusqlite::params;

use super::{Vault, VaultError};
use crate::model::consent::{self, ConsentEvent};
use crate::model::{ConsentMethod, ConsentStage, ConsentStatus, Participant, Permissions, Purpose};

/// A consent event to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConsent {
    /// Participant id.
    pub participant_id: String,
    /// Stage.
    pub stage: ConsentStage,
    /// Answer.
    pub status: ConsentStatus,
    /// How it was given.
    pub method: Option<ConsentMethod>,
    /// Note.
    pub note: Option<String>,
}

/// The ledger of a case and what it permits now (`consent show --json`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConsentReport {
    /// Case id.
    pub case_id: String,
    /// Participants with their latest event per stage.
    pub participants: Vec<ParticipantConsent>,
    /// Every event, oldest first.
    pub events: Vec<ConsentEvent>,
    /// Per recording: purpose and permissions.
    pub recordings: Vec<RecordingPermissions>,
}

/// One participant's current answers.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ParticipantConsent {
    /// The participant.
    #[serde(flatten)]
    pub participant: Participant,
    /// Latest event per stage (`None`: pending).
    pub stages: std::collections::BTreeMap<String, Option<ConsentEvent>>,
}

/// What a recording may be used for now.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RecordingPermissions {
    /// Recording id.
    pub recording_id: String,
    /// Purpose.
    pub purpose: Purpose,
    /// Permissions.
    pub permissions: Permissions,
}

impl Vault {
    /// Records a granted answer at every stage for one participant (demo
    /// vaults, benchmarks and tests start from full consent).
    pub fn grant_all_stages(
        &mut self,
        participant_id: &str,
        method: Option<ConsentMethod>,
    ) -> Result<(), VaultError> {
        for &stage in ConsentStage::ALL {
            self.set_consent(NewConsent {
                participant_id: participant_id.to_owned(),
                stage,
                status: ConsentStatus::Granted,
                method,
                note: None,
            })?;
        }
        Ok(())
    }

    /// The printable consent information sheet for a case (HTML), from the
    /// policy and the purposes of the case's recordings.
    pub fn consent_sheet(&self, case_id: &str) -> Result<String, VaultError> {
        let case = self.case(case_id)?;
        let mut input = crate::model::consent_sheet::SheetInput {
            unit: case.unit,
            date: case.date,
            ..Default::default()
        };
        for rec in self.recordings(case_id)? {
            if rec.shredded.is_some() {
                continue;
            }
            let sound = self.media_info(&rec.id)?.has_audio();
            input.sound = Some(input.sound.unwrap_or(false) || sound);
            input.purposes.push(rec.purpose);
        }
        Ok(crate::model::consent_sheet::render(&input, &self.policy))
    }

    /// Records a consent event (instructors) and applies the policy at once.
    /// Returns the ids of recordings shredded as a result.
    pub fn set_consent(&mut self, new: NewConsent) -> Result<Vec<String>, VaultError> {
        self.require_instructor("record consent")?;
        let case_id = self.participant_case(&new.participant_id)?;
        let (now, user_id) = (self.now_string(), self.user.id);
        let detail = format!("stage={} status={}", new.stage, new.status);
        self.write("consent.set", Some(&new.participant_id), Some(&detail), |tx| {
            tx.execute(
                "INSERT INTO consent_events (participant_id, stage, status, method, note, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    new.participant_id,
                    new.stage.as_str(),
                    new.status.as_str(),
                    new.method.map(|m| m.as_str()),
                    new.note,
                    (user_id > 0).then_some(user_id),
                    now
                ],
            )?;
            Ok(())
        })?;
        if new.status == ConsentStatus::Granted {
            return Ok(Vec::new());
        }
        // A refusal or withdrawal takes effect now, not at the next retention run.
        let mut shredded = Vec::new();
        let reason = format!("consent {} at {}", new.status, new.stage);
        for rec in self.recordings(&case_id)? {
            if rec.shredded.is_none() && self.permissions(&rec.id)?.must_delete {
                self.shred(&rec.id, &reason)?;
                shredded.push(rec.id);
            }
        }
        Ok(shredded)
    }

    /// Every consent event of a case, oldest first.
    pub fn consent_events(&self, case_id: &str) -> Result<Vec<ConsentEvent>, VaultError> {
        self.check_case_visible(case_id)?;
        let mut stmt = self.conn.prepare(
            "SELECT e.participant_id, e.stage, e.status, e.method, e.note, COALESCE(u.name, '(recovery)'), e.recorded_at
             FROM consent_events e JOIN participants p ON p.id = e.participant_id
             LEFT JOIN users u ON u.id = e.recorded_by WHERE p.case_id = ?1 ORDER BY e.id",
        )?;
        let rows = stmt.query_map([case_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?;
        let mut events = Vec::new();
        for row in rows {
            let (participant_id, stage, status, method, note, recorded_by, recorded_at) = row?;
            events.push(ConsentEvent {
                participant_id,
                stage: stage.parse().map_err(VaultError::Invalid)?,
                status: status.parse().map_err(VaultError::Invalid)?,
                method: method
                    .map(|m| m.parse())
                    .transpose()
                    .map_err(VaultError::Invalid)?,
                note,
                recorded_by,
                recorded_at,
            });
        }
        Ok(events)
    }

    /// What the ledger permits for a recording now.
    pub fn permissions(&self, recording_id: &str) -> Result<Permissions, VaultError> {
        let rec = self.recording(recording_id)?;
        let people: Vec<(String, String)> = self
            .participants(&rec.case_id)?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let events = self.consent_events(&rec.case_id)?;
        Ok(crate::model::permissions::permissions(
            &self.policy,
            rec.purpose,
            &people,
            &events,
        ))
    }

    /// The ledger of a case and what it permits (`consent show`).
    pub fn consent_report(&self, case_id: &str) -> Result<ConsentReport, VaultError> {
        let participants = self.participants(case_id)?;
        let events = self.consent_events(case_id)?;
        let latest = consent::latest(&events);
        let people: Vec<(String, String)> = participants
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect();
        let mut recordings = Vec::new();
        for rec in self.recordings(case_id)? {
            if rec.shredded.is_some() {
                continue;
            }
            let permissions =
                crate::model::permissions::permissions(&self.policy, rec.purpose, &people, &events);
            recordings.push(RecordingPermissions {
                recording_id: rec.id,
                purpose: rec.purpose,
                permissions,
            });
        }
        let participants = participants
            .into_iter()
            .map(|p| {
                let stages = ConsentStage::ALL
                    .iter()
                    .map(|&s| {
                        (
                            s.as_str().to_owned(),
                            latest.get(&(p.id.clone(), s)).map(|e| (*e).clone()),
                        )
                    })
                    .collect();
                ParticipantConsent {
                    participant: p,
                    stages,
                }
            })
            .collect();
        Ok(ConsentReport {
            case_id: case_id.to_owned(),
            participants,
            events,
            recordings,
        })
    }
}
