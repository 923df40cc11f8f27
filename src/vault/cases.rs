//! Cases, participants and codebooks, with the visibility rule for providers.

use rusqlite::{OptionalExtension, params};

use super::{Vault, VaultError};
use crate::model::{Case, Codebook, Participant, Role};

/// A case to create.
#[derive(Clone, Debug, Default)]
pub struct NewCase {
    /// Title (PHI).
    pub title: String,
    /// Date (YYYY-MM-DD).
    pub date: Option<String>,
    /// Unit or ward.
    pub unit: Option<String>,
    /// Free-text context.
    pub context: Option<String>,
    /// Codebook id; the bundled neonatal resuscitation codebook when `None`.
    pub codebook_id: Option<String>,
}

fn case_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Case> {
    Ok(Case {
        id: r.get(0)?,
        title: r.get(1)?,
        date: r.get(2)?,
        unit: r.get(3)?,
        context: r.get(4)?,
        codebook_id: r.get(5)?,
        created_at: r.get(6)?,
    })
}

const CASE_COLUMNS: &str =
    "c.id, c.title, c.case_date, c.unit, c.context, c.codebook_id, c.created_at";

impl Vault {
    /// Creates a case (instructors).
    pub fn create_case(&mut self, new: NewCase) -> Result<String, VaultError> {
        self.require_instructor("create cases")?;
        if new.title.trim().is_empty() {
            return Err(VaultError::Invalid("a case needs a title".into()));
        }
        if let Some(date) = &new.date
            && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err()
        {
            return Err(VaultError::Invalid(format!(
                "'{date}' is not a date: write YYYY-MM-DD"
            )));
        }
        let codebook_id = new.codebook_id.unwrap_or_else(|| Codebook::neonatal().id);
        self.codebook(&codebook_id)?;
        let id = uuid::Uuid::new_v4().to_string();
        let (now, user_id) = (self.now_string(), self.user.id);
        self.write("case.create", Some(&id), None, |tx| {
            tx.execute(
                "INSERT INTO cases (id, title, case_date, unit, context, codebook_id, created_at, created_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![id, new.title.trim(), new.date, new.unit, new.context, codebook_id, now, (user_id > 0).then_some(user_id)],
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// The cases this user may see: all for instructors, their own for providers.
    pub fn cases(&self) -> Result<Vec<Case>, VaultError> {
        let (sql, user) = match self.user.role {
            Role::Instructor => (format!("SELECT {CASE_COLUMNS} FROM cases c ORDER BY c.created_at DESC"), None),
            Role::Provider => (
                format!(
                    "SELECT {CASE_COLUMNS} FROM cases c WHERE EXISTS
                     (SELECT 1 FROM participants p WHERE p.case_id = c.id AND p.user_id = ?1) ORDER BY c.created_at DESC"
                ),
                Some(self.user.id),
            ),
        };
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = match user {
            Some(u) => stmt
                .query_map([u], case_from_row)?
                .collect::<Result<Vec<_>, _>>()?,
            None => stmt
                .query_map([], case_from_row)?
                .collect::<Result<Vec<_>, _>>()?,
        };
        Ok(rows)
    }

    /// One case, if this user may see it.
    pub fn case(&self, id: &str) -> Result<Case, VaultError> {
        self.check_case_visible(id)?;
        self.conn
            .query_row(
                &format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.id = ?1"),
                [id],
                case_from_row,
            )
            .optional()?
            .ok_or_else(|| VaultError::NotFound {
                what: "case",
                id: id.to_owned(),
            })
    }

    /// Fails unless this user may see the case. A provider gets the same
    /// "does not exist" as for a missing case: nothing leaks about others' cases.
    pub(crate) fn check_case_visible(&self, case_id: &str) -> Result<(), VaultError> {
        let visible: bool = match self.user.role {
            Role::Instructor => self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?1)",
                [case_id],
                |r| r.get(0),
            )?,
            Role::Provider => self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM participants WHERE case_id = ?1 AND user_id = ?2)",
                params![case_id, self.user.id],
                |r| r.get(0),
            )?,
        };
        if visible {
            Ok(())
        } else {
            Err(VaultError::NotFound {
                what: "case",
                id: case_id.to_owned(),
            })
        }
    }

    /// Adds a participant to a case (instructors); `user` links a provider account.
    pub fn add_participant(
        &mut self,
        case_id: &str,
        name: &str,
        team_role: Option<&str>,
        user: Option<&str>,
    ) -> Result<String, VaultError> {
        self.require_instructor("add participants")?;
        self.check_case_visible(case_id)?;
        if name.trim().is_empty() {
            return Err(VaultError::Invalid(
                "a participant needs a name or pseudonym".into(),
            ));
        }
        let user_id = user.map(|u| self.user_id(u)).transpose()?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = self.now_string();
        self.write("participant.add", Some(&id), Some(&format!("case={}", crate::model::redacted(case_id))), |tx| {
            tx.execute(
                "INSERT INTO participants (id, case_id, name, team_role, user_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, case_id, name.trim(), team_role, user_id, now],
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// The participants of a case.
    pub fn participants(&self, case_id: &str) -> Result<Vec<Participant>, VaultError> {
        self.check_case_visible(case_id)?;
        let mut stmt = self.conn.prepare(
            "SELECT p.id, p.case_id, p.name, p.team_role, u.name FROM participants p
             LEFT JOIN users u ON u.id = p.user_id WHERE p.case_id = ?1 ORDER BY p.created_at, p.id",
        )?;
        let rows = stmt.query_map([case_id], |r| {
            Ok(Participant {
                id: r.get(0)?,
                case_id: r.get(1)?,
                name: r.get(2)?,
                team_role: r.get(3)?,
                user: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The case a participant belongs to.
    pub(crate) fn participant_case(&self, participant_id: &str) -> Result<String, VaultError> {
        let case: Option<String> = self
            .conn
            .query_row(
                "SELECT case_id FROM participants WHERE id = ?1",
                [participant_id],
                |r| r.get(0),
            )
            .optional()?;
        let case = case.ok_or_else(|| VaultError::NotFound {
            what: "participant",
            id: participant_id.to_owned(),
        })?;
        self.check_case_visible(&case)
            .map_err(|_| VaultError::NotFound {
                what: "participant",
                id: participant_id.to_owned(),
            })?;
        Ok(case)
    }

    /// Every codebook in the vault (bundled ones included).
    pub fn codebooks(&self) -> Result<Vec<Codebook>, VaultError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, json FROM codebooks ORDER BY bundled DESC, id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut books = Vec::new();
        for row in rows {
            let (id, json) = row?;
            books.push(Codebook::from_json(&json).map_err(|e| {
                VaultError::Integrity(format!("stored codebook '{id}' is invalid: {e}"))
            })?);
        }
        Ok(books)
    }

    /// One codebook.
    pub fn codebook(&self, id: &str) -> Result<Codebook, VaultError> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT json FROM codebooks WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let json = json.ok_or_else(|| VaultError::NotFound {
            what: "codebook",
            id: id.to_owned(),
        })?;
        Codebook::from_json(&json)
            .map_err(|e| VaultError::Integrity(format!("stored codebook '{id}' is invalid: {e}")))
    }

    /// Adds or replaces a user codebook (instructors; bundled ones cannot be replaced).
    pub fn save_codebook(&mut self, json: &str, file: &str) -> Result<String, VaultError> {
        self.require_instructor("add codebooks")?;
        let book = Codebook::validate(json, file).map_err(|problems| VaultError::NotValid {
            what: "codebook",
            file: file.to_owned(),
            problems,
        })?;
        let bundled: Option<i64> = self
            .conn
            .query_row(
                "SELECT bundled FROM codebooks WHERE id = ?1",
                [&book.id],
                |r| r.get(0),
            )
            .optional()?;
        if bundled == Some(1) {
            return Err(VaultError::Invalid(format!(
                "'{}' is a bundled codebook: copy it under a new id to change it",
                book.id
            )));
        }
        // Codes that annotations still use must stay, or those annotations would
        // turn "uncategorised" and their exports could no longer be imported.
        let mut in_use = self.conn.prepare(
            "SELECT a.code, COUNT(*) FROM annotations a
             JOIN recordings r ON r.id = a.recording_id
             JOIN cases c ON c.id = r.case_id
             WHERE c.codebook_id = ?1 AND a.deleted_at IS NULL AND r.shredded_at IS NULL
             GROUP BY a.code ORDER BY a.code",
        )?;
        let dropped: Vec<String> = in_use
            .query_map([&book.id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .filter_map(Result::ok)
            .filter(|(code, _)| book.code(code).is_none())
            .map(|(code, n)| format!("'{code}' ({n})"))
            .collect();
        drop(in_use);
        if !dropped.is_empty() {
            return Err(VaultError::Invalid(format!(
                "this version of codebook '{}' leaves out codes that annotations still use: {} \
                 (annotations in brackets); keep those codes (their labels may change) or \
                 delete the annotations first; nothing was changed",
                book.id,
                dropped.join(", ")
            )));
        }
        let now = self.now_string();
        self.write("codebook.save", Some(&book.id), None, |tx| {
            tx.execute(
                "INSERT INTO codebooks (id, json, bundled, created_at) VALUES (?1, ?2, 0, ?3)
                 ON CONFLICT(id) DO UPDATE SET json = excluded.json",
                params![book.id, json, now],
            )?;
            Ok(())
        })?;
        Ok(book.id)
    }
}
