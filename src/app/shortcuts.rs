//! Every keyboard shortcut in one table, so the sheet (`?`) and the handling
//! cannot disagree, and remapping later means editing data, not code.
//! Codebook hotkeys come from the codebook and are added at run time.

use egui::{Key, KeyboardShortcut, Modifiers};

/// Something a key can do in the review screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Play or pause.
    PlayPause,
    /// Shuttle backwards (press again: faster).
    ShuttleBack,
    /// Stop shuttling / pause.
    ShuttleStop,
    /// Shuttle forwards (press again: faster).
    ShuttleForward,
    /// One frame back.
    FrameBack,
    /// One frame forward.
    FrameForward,
    /// One second back.
    SecondBack,
    /// One second forward.
    SecondForward,
    /// First frame.
    GoToStart,
    /// Last frame.
    GoToEnd,
    /// Clip in point at the displayed frame.
    SetIn,
    /// Clip out point at the displayed frame.
    SetOut,
    /// Open the export window for the I–O range.
    ExportClip,
    /// Undo the last annotation change.
    Undo,
    /// Redo.
    Redo,
    /// Find in the annotation list.
    Find,
    /// Full screen.
    Fullscreen,
    /// Delete the selected annotation.
    DeleteSelected,
    /// Show or hide this sheet.
    ShortcutSheet,
    /// Back to the library.
    Back,
}

/// The default bindings, in the order the sheet lists them.
pub const BINDINGS: &[(Action, KeyboardShortcut, &str)] = &[
    (
        Action::PlayPause,
        KeyboardShortcut::new(Modifiers::NONE, Key::Space),
        "Play / pause",
    ),
    (
        Action::ShuttleBack,
        KeyboardShortcut::new(Modifiers::NONE, Key::J),
        "Shuttle back (again: faster)",
    ),
    (
        Action::ShuttleStop,
        KeyboardShortcut::new(Modifiers::NONE, Key::K),
        "Stop",
    ),
    (
        Action::ShuttleForward,
        KeyboardShortcut::new(Modifiers::NONE, Key::L),
        "Shuttle forward (again: faster)",
    ),
    // With Shift before without: egui matches a Shift-less pattern whether or not Shift is held.
    (
        Action::SecondBack,
        KeyboardShortcut::new(Modifiers::SHIFT, Key::ArrowLeft),
        "One second back",
    ),
    (
        Action::SecondForward,
        KeyboardShortcut::new(Modifiers::SHIFT, Key::ArrowRight),
        "One second forward",
    ),
    (
        Action::FrameBack,
        KeyboardShortcut::new(Modifiers::NONE, Key::ArrowLeft),
        "One frame back",
    ),
    (
        Action::FrameForward,
        KeyboardShortcut::new(Modifiers::NONE, Key::ArrowRight),
        "One frame forward",
    ),
    (
        Action::GoToStart,
        KeyboardShortcut::new(Modifiers::NONE, Key::Home),
        "First frame",
    ),
    (
        Action::GoToEnd,
        KeyboardShortcut::new(Modifiers::NONE, Key::End),
        "Last frame",
    ),
    (
        Action::SetIn,
        KeyboardShortcut::new(Modifiers::NONE, Key::I),
        "Set clip in point",
    ),
    (
        Action::SetOut,
        KeyboardShortcut::new(Modifiers::NONE, Key::O),
        "Set clip out point",
    ),
    (
        Action::ExportClip,
        KeyboardShortcut::new(Modifiers::COMMAND, Key::E),
        "Export a de-identified clip of the in–out range",
    ),
    (
        Action::Redo,
        KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::Z),
        "Redo",
    ),
    (
        Action::Undo,
        KeyboardShortcut::new(Modifiers::COMMAND, Key::Z),
        "Undo",
    ),
    (
        Action::Find,
        KeyboardShortcut::new(Modifiers::COMMAND, Key::F),
        "Find in annotations",
    ),
    (
        Action::Fullscreen,
        KeyboardShortcut::new(Modifiers::NONE, Key::F11),
        "Full screen",
    ),
    (
        Action::DeleteSelected,
        KeyboardShortcut::new(Modifiers::NONE, Key::Delete),
        "Delete the selected annotation",
    ),
    (
        Action::ShortcutSheet,
        KeyboardShortcut::new(Modifiers::SHIFT, Key::Questionmark),
        "This sheet",
    ),
    (
        Action::Back,
        KeyboardShortcut::new(Modifiers::NONE, Key::Escape),
        "Close the sheet / back to the library",
    ),
];

/// Consumes the shortcuts pressed this frame, in table order (so Ctrl+Shift+Z wins over
/// Ctrl+Z and Shift+Right over Right).
pub fn pressed(ctx: &egui::Context) -> Vec<Action> {
    ctx.input_mut(|input| {
        let mut actions = Vec::new();
        for (action, shortcut, _) in BINDINGS {
            // `?` arrives with or without Shift depending on the keyboard layout.
            let hit = input.consume_shortcut(shortcut)
                || (*action == Action::ShortcutSheet
                    && input.consume_key(Modifiers::NONE, Key::Questionmark));
            if hit {
                actions.push(*action);
            }
        }
        actions
    })
}

/// The key a codebook hotkey names (`"B"`, `"3"`, `"F2"`), if egui knows it.
pub fn code_key(hotkey: &str) -> Option<Key> {
    Key::from_name(hotkey.trim())
}

/// The sheet: every shortcut, plus the codebook's hotkeys.
pub fn sheet_ui(ui: &mut egui::Ui, codes: &[(String, String)]) {
    egui::Grid::new("shortcut-sheet")
        .striped(true)
        .num_columns(2)
        .show(ui, |ui| {
            for (_, shortcut, what) in BINDINGS {
                ui.monospace(ui.ctx().format_shortcut(shortcut));
                ui.label(*what);
                ui.end_row();
            }
            for (key, label) in codes {
                ui.monospace(key);
                ui.label(format!("Code: {label}"));
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_actions_share_a_shortcut() {
        for (i, (_, a, _)) in BINDINGS.iter().enumerate() {
            for (_, b, _) in &BINDINGS[i + 1..] {
                assert!(a != b, "{a:?} bound twice");
            }
        }
    }

    #[test]
    fn shift_variants_come_before_their_plain_keys() {
        // egui matches a pattern without Shift whether or not Shift is held, so the
        // Shift binding must be consumed first or it never fires.
        for (i, (_, a, _)) in BINDINGS.iter().enumerate() {
            for (_, b, _) in &BINDINGS[i + 1..] {
                let plain_first = a.logical_key == b.logical_key
                    && a.modifiers.is_none()
                    && !b.modifiers.is_none();
                assert!(!plain_first, "{a:?} shadows {b:?}");
            }
        }
    }

    #[test]
    fn codebook_hotkeys_map_to_keys() {
        assert_eq!(code_key("B"), Some(Key::B));
        assert_eq!(code_key("F2"), Some(Key::F2));
        assert_eq!(code_key("nonsense"), None);
    }
}
