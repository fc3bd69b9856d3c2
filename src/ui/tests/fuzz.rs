//! Any sequence of keys, at any size, draws without a panic (the keys that write files or run
//! checks are left out: they are tested on their own).

use proptest::prelude::*;

use super::*;

const KEYS: &[&str] = &[
    "j",
    "k",
    "h",
    "l",
    "g",
    "G",
    "b",
    "f",
    "d",
    "m",
    "n",
    "D",
    "w",
    "?",
    "/",
    "x",
    "<Tab>",
    "<BackTab>",
    "<Enter>",
    "<Esc>",
    "<Up>",
    "<Down>",
    "<Left>",
    "<Right>",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_keys_at_any_size_draw(
        keys in proptest::collection::vec(0..KEYS.len(), 1..40),
        wide in any::<bool>(),
        trace in any::<bool>(),
    ) {
        let mut app = app_on(if trace { TRACE } else { MODEL });
        let (w, h) = if wide { (160, 48) } else { (80, 24) };
        render(&app, w, h);
        for k in keys {
            typed(&mut app, KEYS[k]);
            render(&app, w, h);
        }
        render(&app, 79, 20);
    }
}
