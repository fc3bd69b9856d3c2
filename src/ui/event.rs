//! The event loop: one channel of events (terminal input from a reader thread, file changes,
//! wake-ups), one screen that handles them, and a redraw only when something changed. Events
//! already queued are all handled before the next frame (renders coalesce to the latest; a
//! burst of file changes reloads once);
//! nothing redraws on a timer while idle. The loop is generic over the ratatui `Backend`, so
//! tests run it on `TestBackend`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event};
use ratatui::{Frame, Terminal, backend::Backend};

/// An event for the explorer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UiEvent {
    /// Input from the terminal (a key, the mouse, a resize).
    Term(Event),
    /// The model file changed.
    FileChanged,
    /// A periodic look at background work (sent only while some runs).
    Tick,
}

/// What handling an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Nothing visible changed.
    Same,
    /// The screen must be drawn again.
    Redraw,
    /// Leave the loop.
    Quit,
}

/// What the loop drives.
pub trait Screen {
    /// Handles one event.
    fn handle(&mut self, event: UiEvent) -> Flow;
    /// Draws the whole screen (read-only).
    fn draw(&self, frame: &mut Frame);
    /// While background work runs, how often to look at it ([`UiEvent::Tick`]); `None` when
    /// idle, so that nothing wakes the loop but input.
    fn tick(&self) -> Option<Duration>;
}

/// A failure of the terminal.
#[derive(Debug, thiserror::Error)]
#[error("terminal: {0}")]
pub struct TerminalError(pub String);

/// Runs the loop until the screen quits or every sender is gone. `frames` counts the frames
/// drawn (the benchmark and the tests read it).
pub fn run<B: Backend, S: Screen>(
    terminal: &mut Terminal<B>,
    screen: &mut S,
    events: &Receiver<UiEvent>,
    mut on_frame: impl FnMut(),
) -> Result<(), TerminalError> {
    let mut dirty = true;
    let mut last_tick = Instant::now();
    loop {
        if dirty {
            terminal
                .draw(|f| screen.draw(f))
                .map_err(|e| TerminalError(e.to_string()))?;
            on_frame();
            dirty = false;
        }
        let first = match screen.tick() {
            Some(every) => match events.recv_timeout(every) {
                Ok(e) => e,
                Err(RecvTimeoutError::Timeout) => UiEvent::Tick,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            },
            None => match events.recv() {
                Ok(e) => e,
                Err(_) => return Ok(()),
            },
        };
        // Everything queued is handled before the next frame; a burst of file changes (an
        // editor's save) or of ticks counts once, after the input.
        let (mut file_changed, mut tick) = (false, false);
        let mut next = Some(first);
        while let Some(event) = next {
            match event {
                UiEvent::FileChanged => file_changed = true,
                UiEvent::Tick => tick = true,
                event => {
                    if let UiEvent::Term(Event::Resize(..)) = event {
                        terminal
                            .autoresize()
                            .map_err(|e| TerminalError(e.to_string()))?;
                    }
                    match screen.handle(event) {
                        Flow::Quit => return Ok(()),
                        Flow::Redraw => dirty = true,
                        Flow::Same => {}
                    }
                }
            }
            next = events.try_recv().ok();
        }
        // Busy input does not starve the ticks of background work.
        if screen
            .tick()
            .is_some_and(|every| last_tick.elapsed() >= every)
        {
            tick = true;
        }
        if tick {
            last_tick = Instant::now();
        }
        for (pending, event) in [(file_changed, UiEvent::FileChanged), (tick, UiEvent::Tick)] {
            if pending {
                match screen.handle(event) {
                    Flow::Quit => return Ok(()),
                    Flow::Redraw => dirty = true,
                    Flow::Same => {}
                }
            }
        }
    }
}

/// Reads terminal input on its own thread into the channel until `stop` is set or the
/// receiver is gone.
pub fn spawn_input(events: Sender<UiEvent>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match event::poll(Duration::from_millis(50)) {
                Ok(true) => match event::read() {
                    Ok(e) => {
                        if events.send(UiEvent::Term(e)).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                },
                Ok(false) => {}
                Err(_) => return,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::Paragraph;
    use std::sync::mpsc::channel;

    struct Counter {
        handled: usize,
        quit_at: usize,
        ticks: usize,
        busy: bool,
    }

    impl Screen for Counter {
        fn handle(&mut self, event: UiEvent) -> Flow {
            self.handled += 1;
            match event {
                UiEvent::Tick => {
                    self.ticks += 1;
                    Flow::Same
                }
                _ if self.handled == self.quit_at => Flow::Quit,
                _ => Flow::Redraw,
            }
        }
        fn draw(&self, frame: &mut Frame) {
            frame.render_widget(Paragraph::new(self.handled.to_string()), frame.area());
        }
        fn tick(&self) -> Option<Duration> {
            self.busy.then_some(Duration::ZERO)
        }
    }

    #[test]
    fn queued_events_are_drawn_once_and_nothing_is_drawn_for_no_change() {
        let mut terminal = Terminal::new(TestBackend::new(10, 2)).unwrap();
        let (tx, rx) = channel();
        for _ in 0..5 {
            tx.send(UiEvent::FileChanged).unwrap();
        }
        tx.send(UiEvent::Tick).unwrap();
        drop(tx);
        let mut screen = Counter {
            handled: 0,
            quit_at: 0,
            ticks: 0,
            busy: false,
        };
        let mut frames = 0;
        run(&mut terminal, &mut screen, &rx, || frames += 1).unwrap();
        assert_eq!(
            screen.handled, 2,
            "five file changes count once, and the tick"
        );
        assert_eq!(frames, 2, "the first frame, then one for the five changes");
        terminal
            .backend()
            .assert_buffer_lines(["2         ", "          "]);
    }

    #[test]
    fn quit_leaves_at_once() {
        let mut terminal = Terminal::new(TestBackend::new(10, 2)).unwrap();
        let (tx, rx) = channel();
        for c in "abcde".chars() {
            let key = event::KeyEvent::new(event::KeyCode::Char(c), event::KeyModifiers::NONE);
            tx.send(UiEvent::Term(Event::Key(key))).unwrap();
        }
        let mut screen = Counter {
            handled: 0,
            quit_at: 2,
            ticks: 0,
            busy: false,
        };
        let mut frames = 0;
        run(&mut terminal, &mut screen, &rx, || frames += 1).unwrap();
        assert_eq!((screen.handled, frames), (2, 1));
    }

    #[test]
    fn input_that_never_pauses_still_lets_background_work_tick() {
        let mut terminal = Terminal::new(TestBackend::new(10, 2)).unwrap();
        let (tx, rx) = channel();
        for _ in 0..3 {
            tx.send(UiEvent::FileChanged).unwrap();
        }
        drop(tx);
        let mut screen = Counter {
            handled: 0,
            quit_at: 0,
            ticks: 0,
            busy: true,
        };
        run(&mut terminal, &mut screen, &rx, || {}).unwrap();
        assert_eq!(
            screen.ticks, 1,
            "a tick after the burst, with no timeout in between"
        );
    }
}
