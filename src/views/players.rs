//! Every view of a recording positioned together: one step is one frame of
//! the reference; every other view shows the frame its mapping gives
//! ([`super::view_frame`]), or nothing outside its range.
//!
//! One [`Player`] per view (each its own pipeline and frame cache); this only
//! decides which frame each shows. A view following the reference's step
//! back is asked for the frame just behind its own, which the player treats
//! as a step (the whole GOP decoded into its cache), so steps back stay
//! cache hits on every view.

use std::sync::Arc;
use std::time::Duration;

use super::{Mapping, Shown, View, view_frame};
use crate::media::{Frame, MediaError, MediaInfo, Player, PlayerCommand, PlayerConfig};

/// Decoded frames all the views of one recording keep for stepping back, together.
pub const CACHE_BUDGET: usize = 512 * 1024 * 1024;

/// The frame cache of each view's player when `views` views play together:
/// the budget shared out, never more than one player's default (so four
/// 1080p views stay near 1 GB in all: measured by `debrief bench views`).
pub fn cache_bytes(views: usize) -> usize {
    (CACHE_BUDGET / views.max(1)).min(PlayerConfig::default().cache_bytes)
}

/// One view and its player.
pub struct ViewPlayer {
    /// The view as stored (its mapping is the one in use).
    pub view: View,
    /// Its player.
    pub player: Player,
}

/// The views of one recording, the reference first.
pub struct Players {
    views: Vec<ViewPlayer>,
    /// What each view was last asked to show.
    shown: Vec<Shown>,
}

impl Players {
    /// Views in the recording's order: the first must be the reference.
    pub fn new(views: Vec<ViewPlayer>) -> Result<Self, MediaError> {
        if views.first().is_none_or(|v| !v.view.reference) {
            return Err(MediaError::InvalidArgument(
                "the first view must be the recording's reference".into(),
            ));
        }
        let shown = vec![Shown::Outside; views.len()];
        Ok(Self { views, shown })
    }

    /// The views with their players.
    pub fn views(&self) -> &[ViewPlayer] {
        &self.views
    }

    /// The reference's media (its frame table numbers the recording's frames).
    pub fn reference(&self) -> &Arc<MediaInfo> {
        self.views[0].player.info()
    }

    /// What every view shows at reference frame `ref_index`.
    pub fn targets(&self, ref_index: u64) -> Vec<Shown> {
        let reference = &self.reference().table;
        self.views
            .iter()
            // The reference's own mapping is the identity: its frame is `ref_index`.
            .map(|v| view_frame(reference, &v.player.info().table, v.view.mapping, ref_index))
            .collect()
    }

    /// Asks every view for its frame at reference frame `ref_index` (returns
    /// at once; frames arrive in each player's mailbox). A view with nothing
    /// there keeps its player where it was; the caller shows "no video here".
    pub fn show(&mut self, ref_index: u64) -> Result<Vec<Shown>, MediaError> {
        let targets = self.targets(ref_index);
        for ((v, target), last) in self.views.iter().zip(&targets).zip(&mut self.shown) {
            if let Shown::Frame(n) = *target
                && *last != *target
            {
                v.player.send(PlayerCommand::Seek(n))?;
            }
            *last = *target;
        }
        Ok(targets)
    }

    /// [`Players::show`], waiting until every view with a frame there has it
    /// (CLI, tests, benchmarks): `None` for a view with nothing there.
    pub fn show_wait(
        &mut self,
        ref_index: u64,
        timeout: Duration,
    ) -> Result<Vec<Option<Arc<Frame>>>, MediaError> {
        let targets = self.targets(ref_index);
        let mut frames = Vec::with_capacity(targets.len());
        // Ask all first, then wait: the views decode in parallel.
        for (v, target) in self.views.iter().zip(&targets) {
            if let Shown::Frame(n) = *target {
                while v.player.try_event().is_some() {}
                v.player.send(PlayerCommand::Seek(n))?;
            }
        }
        for (v, target) in self.views.iter().zip(&targets) {
            frames.push(match *target {
                Shown::Frame(n) => Some(v.player.seek_wait(n, timeout)?),
                Shown::Outside => None,
            });
        }
        self.shown = targets;
        Ok(frames)
    }

    /// Changes view `index`'s mapping (a nudge, a new sync); the next
    /// [`Players::show`] uses it. The reference cannot move.
    pub fn set_mapping(&mut self, index: usize, mapping: Mapping) -> Result<(), MediaError> {
        match self.views.get_mut(index) {
            Some(v) if !v.view.reference => {
                v.view.mapping = mapping;
                Ok(())
            }
            _ => Err(MediaError::InvalidArgument(
                "only a view other than the reference can be moved".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_share_the_cache_budget_and_one_view_keeps_the_default() {
        let default = PlayerConfig::default().cache_bytes;
        assert_eq!(cache_bytes(1), default);
        assert_eq!(cache_bytes(2), default.min(CACHE_BUDGET / 2));
        assert_eq!(cache_bytes(4), CACHE_BUDGET / 4);
        assert!(4 * cache_bytes(4) <= CACHE_BUDGET);
    }
}
