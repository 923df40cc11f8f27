//! What the consent ledger permits for one recording now, under the policy.
//!
//! Sits above both the ledger (`consent`) and the policy (`policy`), which
//! knows the stages: neither imports this.

use super::Purpose;
use super::consent::{ConsentEvent, ConsentStage, ConsentStatus, latest};
use super::policy::{OnRefusal, Policy};

/// Why a use is not permitted for one participant.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Missing {
    /// Participant id.
    pub participant_id: String,
    /// Participant name or pseudonym.
    pub participant: String,
    /// The stage that lacks consent.
    pub stage: ConsentStage,
    /// `pending`, `refused`, `withdrawn` or `not written`.
    pub reason: String,
}

/// What the ledger permits for one recording now.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Permissions {
    /// The linked providers may review it privately.
    pub private_review: bool,
    /// Instructors may review it with the team.
    pub instructor_review: bool,
    /// It may be shown (de-identified) in a plenary session.
    pub plenary: bool,
    /// The policy says it must be crypto-shredded (a refusal or withdrawal under `delete`).
    pub must_delete: bool,
    /// What stands in the way of instructor review.
    pub missing_for_instructor_review: Vec<Missing>,
    /// What stands in the way of plenary use.
    pub missing_for_plenary: Vec<Missing>,
}

/// What `events` permit for a recording made for `purpose`, with these
/// participants (`(id, name)`), under `policy`.
pub fn permissions(
    policy: &Policy,
    purpose: Purpose,
    participants: &[(String, String)],
    events: &[ConsentEvent],
) -> Permissions {
    let latest = latest(events);
    let rule = policy.rule(purpose);
    let mut refusals = Vec::new();
    for (id, name) in participants {
        for &stage in ConsentStage::ALL {
            if let Some(e) = latest.get(&(id.clone(), stage))
                && e.status != ConsentStatus::Granted
            {
                refusals.push(Missing {
                    participant_id: id.clone(),
                    participant: name.clone(),
                    stage,
                    reason: e.status.as_str().to_owned(),
                });
            }
        }
    }
    let missing_for = |stages: &[ConsentStage]| -> Vec<Missing> {
        let mut missing = Vec::new();
        for (id, name) in participants {
            for &stage in stages {
                let reason = match latest.get(&(id.clone(), stage)) {
                    None => Some("pending"),
                    Some(e) if e.status != ConsentStatus::Granted => Some(e.status.as_str()),
                    Some(e)
                        if rule.written_only && e.method != Some(super::ConsentMethod::Written) =>
                    {
                        Some("not written")
                    }
                    Some(_) => None,
                };
                if let Some(reason) = reason {
                    missing.push(Missing {
                        participant_id: id.clone(),
                        participant: name.clone(),
                        stage,
                        reason: reason.into(),
                    });
                }
            }
        }
        missing
    };
    let mut missing_instructor = missing_for(&rule.instructor_review);
    let mut missing_plenary = missing_for(&rule.plenary);
    if participants.is_empty() {
        // Nobody recorded means nobody consented: review needs documented consent.
        let none = || Missing {
            participant_id: String::new(),
            participant: "(no participants recorded)".into(),
            stage: ConsentStage::AfterRecording,
            reason: "pending".into(),
        };
        missing_instructor.push(none());
        missing_plenary.push(none());
    }
    if !refusals.is_empty() {
        // Each stage's refusal does what the policy says for that stage; any
        // refusal at all leaves the recording to the linked providers only.
        let must_delete = refusals
            .iter()
            .any(|r| policy.on_refusal.at(r.stage) == OnRefusal::Delete);
        return Permissions {
            private_review: !must_delete,
            instructor_review: false,
            plenary: false,
            must_delete,
            missing_for_instructor_review: merge(missing_instructor, &refusals),
            missing_for_plenary: merge(missing_plenary, &refusals),
        };
    }
    Permissions {
        private_review: true,
        instructor_review: missing_instructor.is_empty(),
        plenary: missing_plenary.is_empty(),
        must_delete: false,
        missing_for_instructor_review: missing_instructor,
        missing_for_plenary: missing_plenary,
    }
}

/// `missing` plus any refusal it does not already list.
fn merge(mut missing: Vec<Missing>, refusals: &[Missing]) -> Vec<Missing> {
    for r in refusals {
        if !missing
            .iter()
            .any(|m| m.participant_id == r.participant_id && m.stage == r.stage)
        {
            missing.push(r.clone());
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConsentMethod;

    fn event(
        p: &str,
        stage: ConsentStage,
        status: ConsentStatus,
        method: ConsentMethod,
    ) -> ConsentEvent {
        ConsentEvent {
            participant_id: p.into(),
            stage,
            status,
            method: Some(method),
            note: None,
            recorded_by: "inst".into(),
            recorded_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    fn people() -> Vec<(String, String)> {
        vec![("a".into(), "Alex".into()), ("b".into(), "Blair".into())]
    }

    /// Every combination of the three stages' latest status (pending, granted,
    /// refused, withdrawn) for one participant, under delete-everywhere,
    /// individual-review-everywhere and the default per-stage policy.
    #[test]
    fn permission_table_for_every_combination() {
        let states = [
            None,
            Some(ConsentStatus::Granted),
            Some(ConsentStatus::Refused),
            Some(ConsentStatus::Withdrawn),
        ];
        use crate::model::policy::RefusalActions;
        let default = Policy::default_policy().on_refusal;
        for on_refusal in [
            RefusalActions::all(OnRefusal::Delete),
            RefusalActions::all(OnRefusal::IndividualReviewOnly),
            default,
        ] {
            let mut policy = Policy::default_policy();
            policy.on_refusal = on_refusal;
            for &s0 in &states {
                for &s1 in &states {
                    for &s2 in &states {
                        let mut events = vec![event(
                            "a",
                            ConsentStage::BeforeRecording,
                            ConsentStatus::Granted,
                            ConsentMethod::Written,
                        )];
                        events.push(event(
                            "a",
                            ConsentStage::AfterRecording,
                            ConsentStatus::Granted,
                            ConsentMethod::Written,
                        ));
                        events.push(event(
                            "a",
                            ConsentStage::BeforeReviewUse,
                            ConsentStatus::Granted,
                            ConsentMethod::Written,
                        ));
                        for (stage, s) in ConsentStage::ALL.iter().zip([s0, s1, s2]) {
                            if let Some(status) = s {
                                events.push(event("b", *stage, status, ConsentMethod::Verbal));
                            }
                        }
                        let p =
                            permissions(&policy, Purpose::QualityImprovement, &people(), &events);
                        let statuses = [s0, s1, s2];
                        let refused_at: Vec<ConsentStage> = ConsentStage::ALL
                            .iter()
                            .zip(statuses)
                            .filter(|(_, s)| {
                                matches!(s, Some(ConsentStatus::Refused | ConsentStatus::Withdrawn))
                            })
                            .map(|(&stage, _)| stage)
                            .collect();
                        let deletes = refused_at
                            .iter()
                            .any(|&stage| on_refusal.at(stage) == OnRefusal::Delete);
                        let label = format!("{on_refusal:?} {statuses:?}");
                        if !refused_at.is_empty() {
                            assert!(!p.instructor_review && !p.plenary, "{label}");
                            assert_eq!(p.must_delete, deletes, "{label}");
                            assert_eq!(p.private_review, !deletes, "{label}");
                        } else {
                            // Quality improvement: instructor review needs after-recording,
                            // plenary adds before-review-use.
                            assert!(p.private_review && !p.must_delete, "{label}");
                            assert_eq!(
                                p.instructor_review,
                                s1 == Some(ConsentStatus::Granted),
                                "{label}"
                            );
                            assert_eq!(
                                p.plenary,
                                s1 == Some(ConsentStatus::Granted)
                                    && s2 == Some(ConsentStatus::Granted),
                                "{label}"
                            );
                        }
                        if !p.plenary {
                            assert!(
                                !p.missing_for_plenary.is_empty(),
                                "{label}: a refusal says why"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_latest_event_counts_and_withdrawal_revokes() {
        let policy = Policy::default_policy();
        let mut events = Vec::new();
        for p in ["a", "b"] {
            for &stage in ConsentStage::ALL {
                events.push(event(
                    p,
                    stage,
                    ConsentStatus::Granted,
                    ConsentMethod::Written,
                ));
            }
        }
        assert!(permissions(&policy, Purpose::Education, &people(), &events).plenary);
        events.push(event(
            "b",
            ConsentStage::BeforeReviewUse,
            ConsentStatus::Withdrawn,
            ConsentMethod::Verbal,
        ));
        // By default a withdrawal of review use keeps the recording for the linked
        // providers' individual review: nobody else's review is lost.
        let p = permissions(&policy, Purpose::Education, &people(), &events);
        assert!(!p.must_delete && p.private_review, "{p:?}");
        assert!(!p.plenary && !p.instructor_review, "{p:?}");
        assert_eq!(p.missing_for_plenary[0].participant, "Blair");
        assert_eq!(p.missing_for_plenary[0].reason, "withdrawn");
        let blocked = &p.missing_for_instructor_review;
        assert!(
            blocked
                .iter()
                .any(|m| m.participant == "Blair" && m.stage == ConsentStage::BeforeReviewUse),
            "instructor review names who and which stage: {blocked:?}"
        );
        // A withdrawal after recording deletes it.
        events.push(event(
            "a",
            ConsentStage::AfterRecording,
            ConsentStatus::Withdrawn,
            ConsentMethod::Verbal,
        ));
        let p = permissions(&policy, Purpose::Education, &people(), &events);
        assert!(p.must_delete && !p.private_review, "{p:?}");
    }

    #[test]
    fn research_needs_written_consent_and_nobody_means_no() {
        let policy = Policy::default_policy();
        let mut events = Vec::new();
        for p in ["a", "b"] {
            for &stage in ConsentStage::ALL {
                events.push(event(
                    p,
                    stage,
                    ConsentStatus::Granted,
                    ConsentMethod::Verbal,
                ));
            }
        }
        let p = permissions(&policy, Purpose::Research, &people(), &events);
        assert!(
            !p.plenary
                && p.missing_for_plenary
                    .iter()
                    .all(|m| m.reason == "not written")
        );
        let p = permissions(&policy, Purpose::QualityImprovement, &[], &[]);
        assert!(p.private_review && !p.instructor_review && !p.plenary);
    }
}
