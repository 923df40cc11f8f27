//! What the chair can do ([`PresentCmd`]) and the keys for it ([`KEYS`]).
//!
//! The keys, the control bar and the playlist all send a `PresentCmd`; one
//! place ([`super::Show::apply`]) carries them out. The key sheet is drawn
//! from the same table the keys are read from.

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::app::shortcuts::{Binding, key};

/// Something the chair asks of the presentation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PresentCmd {
    /// Play or pause.
    TogglePlay,
    /// One frame back.
    FrameBack,
    /// One frame forward.
    FrameForward,
    /// One second back.
    SecondBack,
    /// One second forward.
    SecondForward,
    /// First frame of the clip.
    GoToStart,
    /// Last frame of the clip.
    GoToEnd,
    /// Show frame n of the clip.
    Seek(u64),
    /// The next clip in the playlist.
    NextClip,
    /// The previous clip.
    PreviousClip,
    /// Clip n of the playlist.
    OpenClip(usize),
    /// The next annotation's first frame.
    NextAnnotation,
    /// The previous annotation's first frame.
    PreviousAnnotation,
    /// Playback rate (1, 0.5, 0.25; pitch kept).
    Rate(f64),
    /// The loop starts at the frame on screen.
    LoopIn,
    /// The loop ends at the frame on screen.
    LoopOut,
    /// Loop on or off (on only with a valid range).
    ToggleLoop,
    /// Black screen on or off.
    Black,
    /// The large frame counter on or off.
    Counter,
    /// Annotations beside the picture, or over it.
    Strip,
    /// The next drawing tool: pen, arrow, circle, off.
    CycleTool,
    /// Clear the drawing.
    ClearDrawing,
    /// Full screen on or off.
    Fullscreen,
    /// Full screen on the next screen (the projector).
    NextScreen,
    /// The key sheet on or off.
    Keys,
    /// Close the sheet, stop drawing, leave black or full screen (the first that applies).
    Escape,
}

/// The chair's keys, in the order the sheet lists them (clickers send Page
/// Up / Page Down and B).
pub const KEYS: &[Binding<PresentCmd>] = &[
    (PresentCmd::TogglePlay, key(Key::Space), "Play / pause"),
    (PresentCmd::TogglePlay, key(Key::K), "Play / pause"),
    // With Shift before without: egui matches a Shift-less pattern whether or not Shift is held.
    (
        PresentCmd::SecondBack,
        KeyboardShortcut::new(Modifiers::SHIFT, Key::ArrowLeft),
        "One second back",
    ),
    (
        PresentCmd::SecondForward,
        KeyboardShortcut::new(Modifiers::SHIFT, Key::ArrowRight),
        "One second forward",
    ),
    (PresentCmd::FrameBack, key(Key::ArrowLeft), "One frame back"),
    (
        PresentCmd::FrameForward,
        key(Key::ArrowRight),
        "One frame forward",
    ),
    (PresentCmd::GoToStart, key(Key::Home), "First frame"),
    (PresentCmd::GoToEnd, key(Key::End), "Last frame"),
    (
        PresentCmd::NextClip,
        key(Key::PageDown),
        "Next clip (clickers)",
    ),
    (
        PresentCmd::PreviousClip,
        key(Key::PageUp),
        "Previous clip (clickers)",
    ),
    (
        PresentCmd::NextAnnotation,
        key(Key::CloseBracket),
        "Next annotation",
    ),
    (
        PresentCmd::PreviousAnnotation,
        key(Key::OpenBracket),
        "Previous annotation",
    ),
    (PresentCmd::Rate(1.0), key(Key::Num1), "Speed 1×"),
    (
        PresentCmd::Rate(0.5),
        key(Key::Num2),
        "Speed 0.5× (pitch kept)",
    ),
    (
        PresentCmd::Rate(0.25),
        key(Key::Num3),
        "Speed 0.25× (pitch kept)",
    ),
    (PresentCmd::LoopIn, key(Key::I), "Loop starts here"),
    (PresentCmd::LoopOut, key(Key::O), "Loop ends here"),
    (PresentCmd::ToggleLoop, key(Key::L), "Loop on or off"),
    (
        PresentCmd::Black,
        key(Key::B),
        "Black screen (again, or Esc: back)",
    ),
    (
        PresentCmd::Counter,
        key(Key::C),
        "Large frame counter and timecode",
    ),
    (
        PresentCmd::Strip,
        key(Key::S),
        "Annotations beside the video or over it",
    ),
    (
        PresentCmd::CycleTool,
        key(Key::D),
        "Draw on the paused frame: pen, arrow, circle, off",
    ),
    (PresentCmd::ClearDrawing, key(Key::X), "Clear the drawing"),
    (PresentCmd::Fullscreen, key(Key::F11), "Full screen"),
    (
        PresentCmd::NextScreen,
        key(Key::M),
        "Full screen on the next screen (the projector)",
    ),
    // `?` without Shift: egui then matches it however the layout types it.
    (PresentCmd::Keys, key(Key::Questionmark), "This sheet"),
    (PresentCmd::Keys, key(Key::F1), "This sheet"),
    (
        PresentCmd::Escape,
        key(Key::Escape),
        "Close the sheet, stop drawing, leave black or full screen",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_table_is_consistent() {
        assert_eq!(
            crate::app::shortcuts::table_problems(KEYS),
            Vec::<String>::new()
        );
    }

    #[test]
    fn every_key_the_bar_offers_is_in_the_table() {
        // The bar's hover texts name these keys; each must do what it says.
        for cmd in [
            PresentCmd::PreviousClip,
            PresentCmd::NextClip,
            PresentCmd::FrameBack,
            PresentCmd::FrameForward,
            PresentCmd::TogglePlay,
            PresentCmd::ToggleLoop,
            PresentCmd::Counter,
            PresentCmd::Strip,
            PresentCmd::NextScreen,
            PresentCmd::Keys,
        ] {
            assert!(KEYS.iter().any(|(c, _, _)| *c == cmd), "{cmd:?} has no key");
        }
    }
}
