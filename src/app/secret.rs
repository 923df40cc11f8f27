//! A passphrase as it is typed: a text buffer for `egui::TextEdit` that
//! never leaves a copy of itself in freed memory.
//!
//! A plain `String` field reallocates as it grows (the old buffer is freed
//! with the characters in it), is cloned to build the key, and is cleared
//! without wiping. [`SecretText`] keeps its characters in one zeroizing
//! buffer, moves into a new zeroizing buffer when it must grow (the old one
//! is wiped as it drops), wipes itself on [`clear`](SecretText::clear), on
//! [`take`](SecretText::take) and on drop, and hands out the passphrase only
//! as a [`SecretString`] of exactly its length.
//!
//! egui itself keeps short-lived copies of what a text field shows (its
//! undo history and a per-frame comparison copy); [`SecretText::forget`]
//! drops the widgets' undo history once a passphrase has been used.

use std::ops::Range;

use egui::TextBuffer;
use egui::text::CharIndex;
use secrecy::SecretString;
use zeroize::{Zeroize, Zeroizing};

/// Room for a long passphrase without growing.
const START_CAPACITY: usize = 128;

/// Passphrase field contents; wiped on clear, take and drop.
pub struct SecretText(Zeroizing<String>);

impl Default for SecretText {
    fn default() -> Self {
        Self(Zeroizing::new(String::with_capacity(START_CAPACITY)))
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText(…)")
    }
}

impl SecretText {
    /// True when nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Characters typed (for length rules).
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }

    /// True when both hold the same text (the "type it again" check).
    pub fn same_as(&self, other: &SecretText) -> bool {
        *self.0 == *other.0
    }

    /// Replaces the contents (e.g. a passphrase given on the command line).
    pub fn set(&mut self, text: &str) {
        self.clear();
        self.insert_text(text, CharIndex(0));
    }

    /// Wipes the contents.
    pub fn clear(&mut self) {
        self.0.zeroize();
    }

    /// The passphrase, as a secret of exactly its length; the field is wiped.
    pub fn take(&mut self) -> SecretString {
        let secret = SecretString::from(self.0.as_str());
        self.clear();
        secret
    }

    /// The passphrase as a secret, leaving the field as it is.
    pub fn secret(&self) -> SecretString {
        SecretString::from(self.0.as_str())
    }

    /// Drops the undo history egui keeps for its text fields (cursor
    /// positions go too), so that no copy of a used passphrase stays there.
    pub fn forget(ctx: &egui::Context) {
        ctx.data_mut(|data| data.remove_by_type::<egui::text_edit::TextEditState>());
    }

    /// Makes room for `more` bytes without letting `String` reallocate: the
    /// text moves into a new zeroizing buffer and the old one is wiped.
    fn reserve(&mut self, more: usize) {
        let needed = self.0.len() + more;
        if needed <= self.0.capacity() {
            return;
        }
        let mut bigger = Zeroizing::new(String::with_capacity(needed.max(self.0.capacity() * 2)));
        bigger.push_str(&self.0);
        self.0 = bigger;
    }
}

impl TextBuffer for SecretText {
    fn is_mutable(&self) -> bool {
        true
    }

    fn as_str(&self) -> &str {
        self.0.as_str()
    }

    fn insert_text(&mut self, text: &str, char_index: CharIndex) -> usize {
        self.reserve(text.len());
        let at = self.byte_index_from_char_index(char_index);
        self.0.insert_str(at.into(), text);
        text.chars().count()
    }

    fn delete_char_range(&mut self, char_range: Range<CharIndex>) {
        let start: usize = self.byte_index_from_char_index(char_range.start).into();
        let end: usize = self.byte_index_from_char_index(char_range.end).into();
        if start < end {
            self.0.replace_range(start..end, "");
        }
    }

    fn clear(&mut self) {
        SecretText::clear(self);
    }

    fn replace_with(&mut self, text: &str) {
        self.set(text);
    }

    fn type_id(&self) -> std::any::TypeId {
        std::any::TypeId::of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn growing_past_the_first_buffer_keeps_every_character() {
        let mut text = SecretText::default();
        let long: String = "pässwörd-".repeat(40);
        for (n, ch) in long.chars().enumerate() {
            text.insert_text(&ch.to_string(), CharIndex(n));
        }
        assert_eq!(text.as_str(), long);
        assert!(text.0.capacity() >= long.len());
    }

    #[test]
    fn take_hands_over_the_text_and_wipes_the_field() {
        let mut text = SecretText::default();
        text.set("correct horse");
        text.delete_char_range(CharIndex(7)..CharIndex(13));
        text.insert_text("battery", CharIndex(7));
        assert_eq!(text.as_str(), "correctbattery");
        let secret = text.take();
        assert_eq!(secret.expose_secret(), "correctbattery");
        assert!(text.is_empty());
    }

    #[test]
    fn comparing_two_fields() {
        let (mut a, mut b) = (SecretText::default(), SecretText::default());
        a.set("same words");
        b.set("same words");
        assert!(a.same_as(&b));
        b.insert_text("!", CharIndex(10));
        assert!(!a.same_as(&b));
    }
}
