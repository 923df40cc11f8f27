//! Agreement between two raters on one recording.
//!
//! Two measures, because they answer different questions:
//! - **Cohen's κ on time units**, per category: the recording is cut into
//!   units (1 s by default); in each, a rater's label for a category is the
//!   set of that category's codes they marked there (a duration covering
//!   the unit's midpoint, or a point event inside the unit), or "none".
//!   κ = (pₒ − pₑ) / (1 − pₑ) over those labels.
//! - **Event matching** with a tolerance (±1 s by default), per code: each
//!   of rater A's events is paired with at most one of rater B's of the same
//!   code whose start lies within the tolerance, closest pairs first. With A
//!   as the reference, recall = matched / A's events and precision =
//!   matched / B's events.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Annotation;
use super::codebook::Codebook;

/// κ for one category.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CategoryKappa {
    /// Category id.
    pub category: String,
    /// Cohen's κ; `None` when both raters used one label throughout (κ undefined).
    pub kappa: Option<f64>,
    /// Observed agreement pₒ.
    pub observed: f64,
    /// Agreement expected by chance pₑ.
    pub expected: f64,
    /// Units compared.
    pub units: usize,
}

/// Event matching for one code.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CodeMatch {
    /// Code id.
    pub code: String,
    /// Rater A's events.
    pub a: usize,
    /// Rater B's events.
    pub b: usize,
    /// Pairs within the tolerance.
    pub matched: usize,
    /// matched / b (`None` when B has none).
    pub precision: Option<f64>,
    /// matched / a (`None` when A has none).
    pub recall: Option<f64>,
}

/// Cohen's κ of two equally long label sequences: (κ, pₒ, pₑ).
pub fn cohen_kappa<T: Ord + Clone>(a: &[T], b: &[T]) -> Option<(Option<f64>, f64, f64)> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let n = a.len() as f64;
    let observed = a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / n;
    let mut counts: BTreeMap<T, (usize, usize)> = BTreeMap::new();
    for x in a {
        counts.entry(x.clone()).or_default().0 += 1;
    }
    for y in b {
        counts.entry(y.clone()).or_default().1 += 1;
    }
    let expected: f64 = counts
        .values()
        .map(|&(ca, cb)| (ca as f64 / n) * (cb as f64 / n))
        .sum();
    let kappa = if (1.0 - expected).abs() < 1e-12 {
        None
    } else {
        Some((observed - expected) / (1.0 - expected))
    };
    Some((kappa, observed, expected))
}

/// When an annotation ends (ns): the end of its last frame (durations), its start (points).
fn span(a: &Annotation, pts: &[i64], end_ns: i64) -> (i64, i64, bool) {
    match a.end_frame {
        Some(last) => {
            let end = pts.get(last as usize + 1).copied().unwrap_or(end_ns);
            (a.start_pts_ns, end, true)
        }
        None => (a.start_pts_ns, a.start_pts_ns, false),
    }
}

/// κ per category of `book`, over units of `unit_ns`, for raters `a` and `b`.
pub fn kappa_by_category(
    book: &Codebook,
    a: &[Annotation],
    b: &[Annotation],
    pts: &[i64],
    end_ns: i64,
    unit_ns: i64,
) -> Vec<CategoryKappa> {
    let units = ((end_ns + unit_ns - 1) / unit_ns.max(1)).max(1) as usize;
    let labels = |anns: &[Annotation], category: &str| -> Vec<Vec<String>> {
        let mut out = vec![Vec::new(); units];
        for ann in anns {
            let Some(code) = book.code(&ann.code) else {
                continue;
            };
            if code.category != category {
                continue;
            }
            let (start, end, is_span) = span(ann, pts, end_ns);
            for (u, slot) in out.iter_mut().enumerate() {
                let (u0, u1) = (u as i64 * unit_ns, (u as i64 + 1) * unit_ns);
                let mid = u0 + unit_ns / 2;
                let hit = if is_span {
                    start <= mid && mid < end
                } else {
                    u0 <= start && start < u1
                };
                if hit && !slot.contains(&ann.code) {
                    slot.push(ann.code.clone());
                }
            }
        }
        for slot in &mut out {
            slot.sort();
        }
        out
    };
    book.categories
        .iter()
        .filter_map(|c| {
            let (la, lb) = (labels(a, &c.id), labels(b, &c.id));
            let (kappa, observed, expected) = cohen_kappa(&la, &lb)?;
            Some(CategoryKappa {
                category: c.id.clone(),
                kappa: kappa.map(|k| (k * 10_000.0).round() / 10_000.0),
                observed: (observed * 10_000.0).round() / 10_000.0,
                expected: (expected * 10_000.0).round() / 10_000.0,
                units,
            })
        })
        .collect()
}

/// Event matching per code used by either rater, within `tolerance_ns`.
pub fn match_events(a: &[Annotation], b: &[Annotation], tolerance_ns: i64) -> Vec<CodeMatch> {
    let mut codes: Vec<&str> = a.iter().chain(b).map(|x| x.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
        .into_iter()
        .map(|code| {
            let ta: Vec<i64> = a
                .iter()
                .filter(|x| x.code == code)
                .map(|x| x.start_pts_ns)
                .collect();
            let tb: Vec<i64> = b
                .iter()
                .filter(|x| x.code == code)
                .map(|x| x.start_pts_ns)
                .collect();
            let mut pairs: Vec<(i64, usize, usize)> = Vec::new();
            for (i, &x) in ta.iter().enumerate() {
                for (j, &y) in tb.iter().enumerate() {
                    let d = (x - y).abs();
                    if d <= tolerance_ns {
                        pairs.push((d, i, j));
                    }
                }
            }
            pairs.sort_unstable();
            let (mut used_a, mut used_b) = (vec![false; ta.len()], vec![false; tb.len()]);
            let mut matched = 0;
            for (_, i, j) in pairs {
                if !used_a[i] && !used_b[j] {
                    used_a[i] = true;
                    used_b[j] = true;
                    matched += 1;
                }
            }
            let ratio = |n: usize| {
                (n > 0).then(|| (matched as f64 / n as f64 * 10_000.0).round() / 10_000.0)
            };
            CodeMatch {
                code: code.to_owned(),
                a: ta.len(),
                b: tb.len(),
                matched,
                precision: ratio(tb.len()),
                recall: ratio(ta.len()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::codebook::NEONATAL;
    use crate::model::metrics::tests::event;

    #[test]
    fn kappa_by_hand() {
        // pₒ = 0.8, pₑ = 0.5·0.3 + 0.5·0.7 = 0.5 → κ = 0.6
        let a = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
        let b = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
        let (k, po, pe) = cohen_kappa(&a, &b).unwrap();
        assert!(
            (k.unwrap() - 0.6).abs() < 1e-12
                && (po - 0.8).abs() < 1e-12
                && (pe - 0.5).abs() < 1e-12
        );
        // Perfect agreement: 1. Agreement no better than chance: 0.
        assert_eq!(cohen_kappa(&a, &a).unwrap().0, Some(1.0));
        let (k, _, _) = cohen_kappa(&[1, 1, 0, 0], &[1, 0, 1, 0]).unwrap();
        assert!(k.unwrap().abs() < 1e-12);
        // Systematic disagreement is negative; one label throughout is undefined.
        assert!(
            cohen_kappa(&[1, 0, 1, 0], &[0, 1, 0, 1])
                .unwrap()
                .0
                .unwrap()
                < -0.99
        );
        assert_eq!(cohen_kappa(&[0, 0], &[0, 0]).unwrap().0, None);
        assert!(cohen_kappa::<u8>(&[], &[]).is_none());
    }

    #[test]
    fn kappa_on_the_timeline_and_event_matching() {
        let book = Codebook::from_json(NEONATAL).unwrap();
        let s = 1_000_000_000i64;
        let pts: Vec<i64> = (0..300).map(|i| i * s / 30).collect();
        // Ten seconds. A: PPV over 0–5 s; B: PPV over 0–3 s. Units of 1 s, midpoints
        // 0.5…9.5 s: A labels 5 units, B 3: the 0.6 case above.
        let ppv_category = book.code("ppv").unwrap().category.clone();
        let a = vec![
            event("ppv", 0.0, Some(5.0 - 1.0 / 30.0), "a"),
            event("birth", 2.0, None, "a"),
            event("birth", 8.0, None, "a"),
        ];
        let b = vec![
            event("ppv", 0.0, Some(3.0 - 1.0 / 30.0), "b"),
            event("birth", 2.5, None, "b"),
        ];
        let k = kappa_by_category(&book, &a, &b, &pts, 10 * s, s);
        let ppv = k.iter().find(|c| c.category == ppv_category).unwrap();
        assert_eq!(
            (ppv.kappa, ppv.observed, ppv.expected, ppv.units),
            (Some(0.6), 0.8, 0.5, 10)
        );
        let m = match_events(&a, &b, s);
        let birth = m.iter().find(|c| c.code == "birth").unwrap();
        assert_eq!((birth.a, birth.b, birth.matched), (2, 1, 1));
        assert_eq!((birth.precision, birth.recall), (Some(1.0), Some(0.5)));
        // Outside the tolerance: no match.
        let m = match_events(&a, &b, s / 4);
        assert_eq!(m.iter().find(|c| c.code == "birth").unwrap().matched, 0);
    }
}
