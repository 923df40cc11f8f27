//! Interval metrics and inter-rater agreement on a recording's annotations.

use super::{Vault, VaultError};
use crate::model::agreement::{self, CategoryKappa, CodeMatch};
use crate::model::metrics::{self, MetricResult};

/// `debrief agreement`'s result.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AgreementReport {
    /// Recording id.
    pub recording_id: String,
    /// Rater A (the reference) and rater B.
    pub raters: [String; 2],
    /// Unit for κ, seconds.
    pub unit_seconds: f64,
    /// Tolerance for event matching, seconds.
    pub tolerance_seconds: f64,
    /// κ per category.
    pub kappa: Vec<CategoryKappa>,
    /// Event matching per code.
    pub events: Vec<CodeMatch>,
}

impl Vault {
    /// The codebook's interval metrics on a recording (all raters, or one).
    pub fn metrics(
        &self,
        recording_id: &str,
        rater: Option<&str>,
    ) -> Result<Vec<MetricResult>, VaultError> {
        let recording = self.recording(recording_id)?;
        let book = self.codebook(&self.case(&recording.case_id)?.codebook_id)?;
        let info = self.media_info(recording_id)?;
        let mut annotations = self.annotations(recording_id)?;
        if let Some(r) = rater {
            annotations.retain(|a| a.author == r);
        }
        Ok(metrics::interval_metrics(
            &book,
            &annotations,
            info.table.end_ns(),
        ))
    }

    /// The codebook's data metrics on a recording's device data (the `from`
    /// codes of all raters, or one).
    pub fn data_metrics(
        &self,
        recording_id: &str,
        rater: Option<&str>,
    ) -> Result<Vec<metrics::DataMetricResult>, VaultError> {
        let recording = self.recording(recording_id)?;
        let book = self.codebook(&self.case(&recording.case_id)?.codebook_id)?;
        if book.data_metrics.is_empty() {
            return Ok(Vec::new());
        }
        let info = self.media_info(recording_id)?;
        let mut annotations = self.annotations(recording_id)?;
        if let Some(r) = rater {
            annotations.retain(|a| a.author == r);
        }
        let data = self.recording_data(recording_id)?;
        let sources: Vec<_> = data.iter().map(|(s, set)| (s.mapping, set)).collect();
        Ok(crate::device_data::metrics::data_metrics(
            &book,
            &annotations,
            &sources,
            info.table.end_ns(),
        ))
    }

    /// The printable debrief report of a recording (HTML, self-contained;
    /// audited, as it leaves the vault). Raters appear as letters, private
    /// notes never; shared notes only with `include_notes`.
    pub fn report(
        &mut self,
        recording_id: &str,
        include_notes: bool,
    ) -> Result<String, VaultError> {
        let recording = self.recording(recording_id)?;
        let case = self.case(&recording.case_id)?;
        let book = self.codebook(&case.codebook_id)?;
        let info = self.media_info(recording_id)?;
        let annotations = self.annotations(recording_id)?;
        let end_ns = info.table.end_ns();
        let metrics = metrics::interval_metrics(&book, &annotations, end_ns);
        let data = self.recording_data(recording_id)?;
        let sources: Vec<_> = data.iter().map(|(s, set)| (s.mapping, set)).collect();
        let data_metrics =
            crate::device_data::metrics::data_metrics(&book, &annotations, &sources, end_ns);
        let data_plots = crate::device_data::metrics::plots(&sources, end_ns, 400);
        let generated_at = self.now_string();
        let html = crate::model::report::render(&crate::model::report::ReportInput {
            export: crate::model::interchange::ExportInput {
                recording_id,
                rate: info.rate,
                pts: info.table.all_pts(),
                end_ns,
                codebook: &book,
                annotations: &annotations,
                exported_at: &generated_at,
                views: &[],
            },
            unit: case.unit.as_deref(),
            date: case.date.as_deref(),
            purpose: recording.purpose,
            metrics: &metrics,
            data_metrics: &data_metrics,
            data_plots: &data_plots,
            include_notes,
        });
        let detail = format!("annotations={} notes={include_notes}", annotations.len());
        self.write("report.create", Some(recording_id), Some(&detail), |_| {
            Ok(())
        })?;
        Ok(html)
    }

    /// Agreement between raters `a` and `b` on a recording.
    pub fn agreement(
        &self,
        recording_id: &str,
        a: &str,
        b: &str,
        unit_seconds: f64,
        tolerance_seconds: f64,
    ) -> Result<AgreementReport, VaultError> {
        if !(0.01..=3600.0).contains(&unit_seconds) || !(0.0..=3600.0).contains(&tolerance_seconds)
        {
            return Err(VaultError::Invalid(
                "the unit must be between 0.01 and 3600 s and the tolerance between 0 and 3600 s"
                    .into(),
            ));
        }
        if a == b {
            return Err(VaultError::Invalid(
                "name two different raters: --raters A,B".into(),
            ));
        }
        let recording = self.recording(recording_id)?;
        let book = self.codebook(&self.case(&recording.case_id)?.codebook_id)?;
        let info = self.media_info(recording_id)?;
        let all = self.annotations(recording_id)?;
        let by = |rater: &str| -> Result<Vec<_>, VaultError> {
            let mine: Vec<_> = all.iter().filter(|x| x.author == rater).cloned().collect();
            if mine.is_empty() {
                return Err(VaultError::Invalid(format!(
                    "rater '{rater}' has no annotations on this recording: check the name (raters are vault user names)"
                )));
            }
            Ok(mine)
        };
        let (la, lb) = (by(a)?, by(b)?);
        let unit_ns = (unit_seconds * 1e9) as i64;
        let tolerance_ns = (tolerance_seconds * 1e9) as i64;
        Ok(AgreementReport {
            recording_id: recording_id.to_owned(),
            raters: [a.to_owned(), b.to_owned()],
            unit_seconds,
            tolerance_seconds,
            kappa: agreement::kappa_by_category(
                &book,
                &la,
                &lb,
                info.table.all_pts(),
                info.table.end_ns(),
                unit_ns,
            ),
            events: agreement::match_events(&la, &lb, tolerance_ns),
        })
    }
}

/// Formats annotations can be imported from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// Debrief JSON (frame-exact).
    Json,
    /// ELAN EAF 3.0.
    Eaf,
}

impl std::str::FromStr for ImportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "eaf" => Ok(Self::Eaf),
            other => Err(format!(
                "'{other}' is not an import format: use json or eaf"
            )),
        }
    }
}

impl Vault {
    /// Adds the annotations in `text` (a file named `file`) to a recording,
    /// as the current user, in one audited batch. Returns how many.
    pub fn import_annotations(
        &mut self,
        recording_id: &str,
        format: ImportFormat,
        text: &str,
        file: &str,
    ) -> Result<usize, VaultError> {
        use crate::model::import;
        let items = match format {
            ImportFormat::Json => {
                import::from_json(text, file).map_err(|p| VaultError::Invalid(p.join("\n")))?
            }
            ImportFormat::Eaf => {
                let recording = self.recording(recording_id)?;
                let book = self.codebook(&self.case(&recording.case_id)?.codebook_id)?;
                let info = self.media_info(recording_id)?;
                import::from_eaf(text, file, &book, info.table.all_pts())
                    .map_err(VaultError::Invalid)?
            }
        };
        let n = items.len();
        let new = items
            .into_iter()
            .map(|a| super::NewAnnotation {
                recording_id: recording_id.to_owned(),
                code: a.code,
                start_frame: a.start_frame,
                end_frame: a.end_frame,
                rating: a.rating,
                note: a.note,
                private_note: None,
            })
            .collect();
        self.add_annotations(recording_id, new)?;
        Ok(n)
    }
}
