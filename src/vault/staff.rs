//! The rules before the first frame: standing staff consent (the unit's
//! roster of team members who opted in to being recorded, until an expiry
//! date), the case's consent to recording or deferred consent, and the
//! policy's "do not record" list.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Vault, VaultError};
use crate::model::{ConsentStage, ConsentStatus};

/// One team member on the roster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StaffMember {
    /// Id.
    pub id: String,
    /// Name (or the unit's pseudonym).
    pub name: String,
    /// Team role ("nurse", "registrar").
    pub team_role: String,
    /// When they opted in (YYYY-MM-DD).
    pub opted_in_on: String,
    /// Their standing consent holds through this day (YYYY-MM-DD).
    pub expires_on: String,
    /// When they withdrew it, if they did.
    pub withdrawn_at: Option<String>,
}

/// What the recorder confirmed before recording.
#[derive(Clone, Debug, Default)]
pub struct BeforeRecording {
    /// Staff present (roster ids or names).
    pub present: Vec<String>,
    /// The patient or family has not consented yet: record under deferred
    /// consent (kept only until the policy's deadline without it).
    pub deferred_consent: bool,
    /// The recorder confirmed the situation is none on the policy's "do not record" list.
    pub confirmed_not_listed: bool,
}

impl StaffMember {
    /// Why this member's standing consent does not hold on `today`, if it does not.
    fn lapse(&self, today: NaiveDate) -> Option<String> {
        if let Some(at) = &self.withdrawn_at {
            return Some(format!("withdrew it on {}", at.get(..10).unwrap_or(at)));
        }
        match NaiveDate::parse_from_str(&self.expires_on, "%Y-%m-%d") {
            Ok(end) if end >= today => None,
            _ => Some(format!("it expired on {}", self.expires_on)),
        }
    }
}

fn member(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffMember> {
    Ok(StaffMember {
        id: r.get(0)?,
        name: r.get(1)?,
        team_role: r.get(2)?,
        opted_in_on: r.get(3)?,
        expires_on: r.get(4)?,
        withdrawn_at: r.get(5)?,
    })
}

const STAFF_COLUMNS: &str = "id, name, team_role, opted_in_on, expires_on, withdrawn_at";

impl Vault {
    /// Puts a team member on the roster with standing consent through
    /// `expires_on` (instructors; audited). Someone already on it with the
    /// same name is renewed instead (the old entry is closed).
    pub fn add_staff(
        &mut self,
        name: &str,
        team_role: &str,
        expires_on: NaiveDate,
    ) -> Result<String, VaultError> {
        self.require_instructor("manage the staff roster")?;
        let (name, team_role) = (name.trim(), team_role.trim());
        if name.is_empty() || team_role.is_empty() {
            return Err(VaultError::Invalid(
                "a team member needs a name and a team role".into(),
            ));
        }
        let today = self.now().date_naive();
        if expires_on < today {
            return Err(VaultError::Invalid(format!(
                "{expires_on} has passed: standing consent must hold at least through today"
            )));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let (now, user) = (self.now_string(), self.user.id);
        let detail = format!("role={team_role} expires={expires_on}");
        self.write("staff.opt_in", Some(&id), Some(&detail), |tx| {
            tx.execute(
                "UPDATE staff SET withdrawn_at = ?2 WHERE name = ?1 AND withdrawn_at IS NULL",
                params![name, now],
            )?;
            tx.execute(
                "INSERT INTO staff (id, name, team_role, opted_in_on, expires_on, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    name,
                    team_role,
                    today.to_string(),
                    expires_on.to_string(),
                    (user > 0).then_some(user),
                    now
                ],
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// Withdraws a team member's standing consent (by id or current name; audited).
    pub fn withdraw_staff(&mut self, who: &str) -> Result<(), VaultError> {
        self.require_instructor("manage the staff roster")?;
        let member = self
            .current_staff(who)?
            .ok_or_else(|| VaultError::NotFound {
                what: "team member on the roster",
                id: who.to_owned(),
            })?;
        if member.withdrawn_at.is_some() {
            return Err(VaultError::Invalid(format!(
                "{} has already withdrawn their standing consent",
                member.name
            )));
        }
        let now = self.now_string();
        self.write("staff.withdraw", Some(&member.id), None, |tx| {
            tx.execute(
                "UPDATE staff SET withdrawn_at = ?2 WHERE id = ?1",
                params![member.id, now],
            )?;
            Ok(())
        })
    }

    /// The roster, current entries first by name, then the closed ones.
    pub fn staff(&self) -> Result<Vec<StaffMember>, VaultError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {STAFF_COLUMNS} FROM staff ORDER BY withdrawn_at IS NOT NULL, name, recorded_at"
        ))?;
        let rows = stmt.query_map([], member)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The roster entry of `who` (an id, or a name: its current entry, else its latest).
    fn current_staff(&self, who: &str) -> Result<Option<StaffMember>, VaultError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {STAFF_COLUMNS} FROM staff WHERE id = ?1 OR name = ?1
                     ORDER BY withdrawn_at IS NOT NULL, recorded_at DESC LIMIT 1"
                ),
                [who.trim()],
                member,
            )
            .optional()?)
    }

    /// Checks the rules before the first frame; returns the present staff's
    /// ids and, under deferred consent, the day by which consent is due.
    /// Refused (naming who and why) when someone present has no standing
    /// consent, a case participant has not consented to recording (without
    /// deferred consent, or where the policy does not allow it), or the
    /// policy lists situations never recorded and the recorder has not
    /// confirmed this is none of them.
    pub fn check_before_recording(
        &self,
        case_id: &str,
        rules: &BeforeRecording,
    ) -> Result<(Vec<String>, Option<String>), VaultError> {
        self.check_case_visible(case_id)?;
        let policy = &self.policy.recording;
        if !policy.do_not_record.is_empty() && !rules.confirmed_not_listed {
            return Err(VaultError::Consent(format!(
                "the unit never records: {}. Confirm this situation is none of them \
                 (--confirm-not-listed; the Record screen's check box)",
                policy.do_not_record.join("; ")
            )));
        }
        let today = self.now().date_naive();
        let mut ids = Vec::new();
        let mut blocked = Vec::new();
        for who in &rules.present {
            match self.current_staff(who)? {
                None => blocked.push(format!("'{}' is not on the staff roster", who.trim())),
                Some(m) => match m.lapse(today) {
                    Some(why) => blocked.push(format!(
                        "the {} ({}) has no standing consent: {why}",
                        m.team_role, m.name
                    )),
                    None => ids.push(m.id),
                },
            }
        }
        if !blocked.is_empty() {
            return Err(VaultError::Consent(format!(
                "recording cannot start: {}. They must leave the cameras' view, or record their \
                 standing consent first (`debrief staff add`)",
                blocked.join("; ")
            )));
        }
        let missing = self.missing_recording_consent(case_id)?;
        let deadline = if rules.deferred_consent {
            if policy.deferred_consent_days == 0 {
                return Err(VaultError::Consent(
                    "the policy does not allow deferred consent: record consent before recording"
                        .into(),
                ));
            }
            let due = today + chrono::Duration::days(i64::from(policy.deferred_consent_days));
            Some(due.to_string())
        } else {
            if !missing.is_empty() {
                return Err(VaultError::Consent(format!(
                    "recording cannot start: no consent to recording (before-recording) from {}. \
                     Record it with `debrief consent set`, or record under deferred consent \
                     where the policy allows it (--deferred-consent: kept {} days without it)",
                    missing.join(", "),
                    policy.deferred_consent_days
                )));
            }
            None
        };
        Ok((ids, deadline))
    }

    /// The case's participants whose latest before-recording answer is not a grant.
    fn missing_recording_consent(&self, case_id: &str) -> Result<Vec<String>, VaultError> {
        self.participants_without(case_id, &[ConsentStage::BeforeRecording])
    }

    /// The case's participants (by role, or name) whose latest answer at any of
    /// `stages` is not a grant.
    pub(crate) fn participants_without(
        &self,
        case_id: &str,
        stages: &[ConsentStage],
    ) -> Result<Vec<String>, VaultError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, team_role FROM participants WHERE case_id = ?1 ORDER BY created_at",
        )?;
        let people: Vec<(String, String, Option<String>)> = stmt
            .query_map([case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        let mut out = Vec::new();
        for (id, name, role) in people {
            for stage in stages {
                let latest: Option<String> = self
                    .conn
                    .query_row(
                        "SELECT status FROM consent_events WHERE participant_id = ?1 AND stage = ?2
                         ORDER BY id DESC LIMIT 1",
                        params![id, stage.as_str()],
                        |r| r.get(0),
                    )
                    .optional()?;
                if latest.as_deref() != Some(ConsentStatus::Granted.as_str()) {
                    out.push(match &role {
                        Some(role) => format!("{name} ({role})"),
                        None => name.clone(),
                    });
                    break;
                }
            }
        }
        Ok(out)
    }
}
