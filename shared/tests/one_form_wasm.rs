//! The one-form compiler's recorded cases, run in the wasm build under Node
//! (`wasm-bindgen-test-runner`): the app must reach exactly the server's results.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test;

#[path = "fixtures/cases.rs"]
mod cases;

const FIXTURE: &str = include_str!("fixtures/one_form.json");

#[wasm_bindgen_test]
fn the_wasm_build_gives_the_recorded_results() {
    let fixture: cases::Fixture = serde_json::from_str(FIXTURE).expect("a fixture");
    assert!(fixture.cases.len() >= 6);
    for case in &fixture.cases {
        assert_eq!(case.run(), case.expected, "case {}", case.name);
    }
}
