//! Key tables: one per context (the review screen here, the presenter and
//! the plain player beside their windows), each a list of `(action, keys,
//! what it does)` over that context's own action type. The same table drives
//! the handling ([`pressed`]) and the sheet that `?` shows ([`sheet_ui`]), so
//! the two cannot disagree, and remapping means editing data, not code.
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
    /// The chosen camera view's pictures one frame earlier.
    NudgeViewFrameBack,
    /// The chosen camera view's pictures one frame later.
    NudgeViewFrameForward,
    /// The chosen camera view's pictures 10 ms earlier.
    NudgeView10msBack,
    /// The chosen camera view's pictures 10 ms later.
    NudgeView10msForward,
    /// Choose camera view n (0: the reference).
    ChooseView(u8),
    /// The next arrangement of the camera views.
    NextLayout,
    /// Device data values over the video on or off.
    DataOverlay,
}

/// One row of a key table: the action, its keys, and what the sheet says it does.
/// An action may have several rows (several keys); the sheet shows them on one line.
pub type Binding<A> = (A, KeyboardShortcut, &'static str);

/// Shorthand for a binding without modifiers.
pub const fn key(key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, key)
}

/// The review screen's bindings, in the order the sheet lists them.
pub const BINDINGS: &[Binding<Action>] = &[
    // Alt first: egui matches a pattern without Alt (or Shift) whether or not it is held.
    (
        Action::NudgeView10msBack,
        KeyboardShortcut::new(Modifiers::ALT.plus(Modifiers::SHIFT), Key::ArrowLeft),
        "Chosen camera view 10 ms earlier",
    ),
    (
        Action::NudgeView10msForward,
        KeyboardShortcut::new(Modifiers::ALT.plus(Modifiers::SHIFT), Key::ArrowRight),
        "Chosen camera view 10 ms later",
    ),
    (
        Action::NudgeViewFrameBack,
        KeyboardShortcut::new(Modifiers::ALT, Key::ArrowLeft),
        "Chosen camera view one frame earlier",
    ),
    (
        Action::NudgeViewFrameForward,
        KeyboardShortcut::new(Modifiers::ALT, Key::ArrowRight),
        "Chosen camera view one frame later",
    ),
    (
        Action::ChooseView(0),
        KeyboardShortcut::new(Modifiers::ALT, Key::Num1),
        "Choose camera view 1 (the reference)",
    ),
    (
        Action::ChooseView(1),
        KeyboardShortcut::new(Modifiers::ALT, Key::Num2),
        "Choose camera view 2",
    ),
    (
        Action::ChooseView(2),
        KeyboardShortcut::new(Modifiers::ALT, Key::Num3),
        "Choose camera view 3",
    ),
    (
        Action::ChooseView(3),
        KeyboardShortcut::new(Modifiers::ALT, Key::Num4),
        "Choose camera view 4",
    ),
    (
        Action::NextLayout,
        KeyboardShortcut::new(Modifiers::ALT, Key::V),
        "Next arrangement of the camera views",
    ),
    (
        Action::DataOverlay,
        KeyboardShortcut::new(Modifiers::ALT, Key::D),
        "Device data values over the video on / off",
    ),
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
        // Without Shift: egui then matches `?` however the layout types it.
        key(Key::Questionmark),
        "This sheet",
    ),
    (
        Action::Back,
        KeyboardShortcut::new(Modifiers::NONE, Key::Escape),
        "Close the sheet / back to the library",
    ),
];

/// Consumes the shortcuts of `table` pressed this frame, in table order (so
/// Ctrl+Shift+Z wins over Ctrl+Z and Shift+Right over Right).
pub fn pressed<A: Copy>(ctx: &egui::Context, table: &[Binding<A>]) -> Vec<A> {
    ctx.input_mut(|input| {
        let mut actions = Vec::new();
        for (action, shortcut, _) in table {
            if input.consume_shortcut(shortcut) {
                actions.push(*action);
            }
        }
        actions
    })
}

/// A shortcut as people write it: egui's text ("Ctrl+Shift+Z"), with the
/// keys egui only names ("CloseBracket", "Questionmark") shown as typed.
pub fn shortcut_text(ctx: &egui::Context, shortcut: &KeyboardShortcut) -> String {
    let text = ctx.format_shortcut(shortcut);
    let typed = match shortcut.logical_key {
        Key::Questionmark => "?",
        Key::OpenBracket => "[",
        Key::CloseBracket => "]",
        Key::Comma => ",",
        Key::Period => ".",
        Key::PageUp => "Page Up",
        Key::PageDown => "Page Down",
        _ => return text,
    };
    [
        shortcut.logical_key.name(),
        shortcut.logical_key.symbol_or_name(),
    ]
    .iter()
    .find_map(|name| text.strip_suffix(name))
    .map_or(text.clone(), |mods| format!("{mods}{typed}"))
}

/// What a table's sheet shows: one row per action, its keys joined with " / ".
pub fn sheet_rows<A: PartialEq>(
    ctx: &egui::Context,
    table: &[Binding<A>],
) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(&A, String, &'static str)> = Vec::new();
    for (action, shortcut, what) in table {
        let keys = shortcut_text(ctx, shortcut);
        match rows.iter_mut().find(|(a, _, _)| *a == action) {
            Some((_, k, _)) => {
                k.push_str(" / ");
                k.push_str(&keys);
            }
            None => rows.push((action, keys, what)),
        }
    }
    rows.into_iter().map(|(_, k, w)| (k, w)).collect()
}

/// A button's hover text: `what`, then the keys `table` binds to `action`
/// ("Next clip (Page Down)"), so a button never names a key that does
/// something else.
pub fn hint<A: PartialEq>(
    ctx: &egui::Context,
    table: &[Binding<A>],
    action: &A,
    what: &str,
) -> String {
    let keys: Vec<String> = table
        .iter()
        .filter(|(a, _, _)| a == action)
        .map(|(_, k, _)| shortcut_text(ctx, k))
        .collect();
    if keys.is_empty() {
        what.to_owned()
    } else {
        format!("{what} ({})", keys.join(" / "))
    }
}

/// The key a codebook hotkey names (`"B"`, `"3"`, `"F2"`), if egui knows it.
pub fn code_key(hotkey: &str) -> Option<Key> {
    Key::from_name(hotkey.trim())
}

/// The sheet: every binding of `table`, then `extra` rows (a codebook's hotkeys).
pub fn sheet_ui<A: PartialEq>(ui: &mut egui::Ui, table: &[Binding<A>], codes: &[(String, String)]) {
    egui::Grid::new("shortcut-sheet")
        .striped(true)
        .num_columns(2)
        .show(ui, |ui| {
            for (keys, what) in sheet_rows(ui.ctx(), table) {
                ui.monospace(keys);
                ui.label(what);
                ui.end_row();
            }
            for (key, label) in codes {
                ui.monospace(key);
                ui.label(format!("Code: {label}"));
                ui.end_row();
            }
        });
}

/// A table's own consistency: no shortcut bound twice, and every Shift
/// variant before its plain key (egui matches a pattern without Shift whether
/// or not Shift is held, so the plain one would swallow it). Each table's
/// tests call this.
pub fn table_problems<A: std::fmt::Debug>(table: &[Binding<A>]) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, (x, a, _)) in table.iter().enumerate() {
        for (y, b, _) in &table[i + 1..] {
            if a == b {
                problems.push(format!("{a:?} is bound to both {x:?} and {y:?}"));
            }
            if a.logical_key == b.logical_key && a.modifiers.is_none() && !b.modifiers.is_none() {
                problems.push(format!("{x:?} ({a:?}) shadows {y:?} ({b:?})"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_table_is_consistent() {
        assert_eq!(table_problems(BINDINGS), Vec::<String>::new());
    }

    #[test]
    fn a_shadowed_or_doubled_key_is_found() {
        #[derive(Debug)]
        enum T {
            A,
            B,
        }
        let doubled = [(T::A, key(Key::A), ""), (T::B, key(Key::A), "")];
        assert_eq!(table_problems(&doubled).len(), 1);
        let shadowed = [
            (T::A, key(Key::ArrowLeft), ""),
            (
                T::B,
                KeyboardShortcut::new(Modifiers::SHIFT, Key::ArrowLeft),
                "",
            ),
        ];
        assert_eq!(table_problems(&shadowed).len(), 1);
    }

    #[test]
    fn the_sheet_shows_an_action_with_several_keys_on_one_line() {
        let table = [
            (1, key(Key::Space), "Play"),
            (2, key(Key::B), "Black"),
            (1, key(Key::K), "Play"),
        ];
        let rows = sheet_rows(&egui::Context::default(), &table);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], ("Space / K".to_owned(), "Play"));
    }

    #[test]
    fn keys_egui_only_names_are_shown_as_typed() {
        let ctx = egui::Context::default();
        assert_eq!(shortcut_text(&ctx, &key(Key::CloseBracket)), "]");
        assert_eq!(shortcut_text(&ctx, &key(Key::Questionmark)), "?");
        assert_eq!(shortcut_text(&ctx, &key(Key::PageDown)), "Page Down");
        assert_eq!(shortcut_text(&ctx, &key(Key::B)), "B");
    }

    #[test]
    fn a_hint_names_the_keys_of_its_action() {
        let table = [(1, key(Key::Space), "Play"), (1, key(Key::K), "Play")];
        let ctx = egui::Context::default();
        assert_eq!(hint(&ctx, &table, &1, "Play"), "Play (Space / K)");
        assert_eq!(hint(&ctx, &table, &2, "Other"), "Other");
    }

    #[test]
    fn a_question_mark_opens_the_sheet_with_or_without_shift() {
        let ctx = egui::Context::default();
        for modifiers in [Modifiers::NONE, Modifiers::SHIFT] {
            let input = egui::RawInput {
                events: vec![egui::Event::Key {
                    key: Key::Questionmark,
                    physical_key: None,
                    pressed: true,
                    repeat: false,
                    modifiers,
                }],
                ..Default::default()
            };
            let mut got = Vec::new();
            let mut out = ctx.run_ui(input, |ui| got = pressed(ui.ctx(), BINDINGS));
            // Nothing renders here: the font atlas upload is dropped on purpose.
            out.textures_delta.clear();
            assert_eq!(got, vec![Action::ShortcutSheet], "with {modifiers:?}");
        }
    }

    #[test]
    fn codebook_hotkeys_map_to_keys() {
        assert_eq!(code_key("B"), Some(Key::B));
        assert_eq!(code_key("F2"), Some(Key::F2));
        assert_eq!(code_key("nonsense"), None);
    }
}
