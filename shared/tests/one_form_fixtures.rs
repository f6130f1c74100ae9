//! The one-form compiler on a fixed set of cases, natively. `one_form_wasm.rs` runs the same
//! cases in the wasm build; both must give exactly the recorded results, so the app (wasm) and
//! the server (native) agree. `BLESS=1 cargo test -p shared --test one_form_fixtures` rewrites
//! the recorded results after an intended change of the rules.

#![cfg(not(target_arch = "wasm32"))]

#[path = "fixtures/cases.rs"]
mod cases;
#[path = "fixtures/generate.rs"]
mod generate;

#[test]
fn the_native_build_gives_the_recorded_results() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/one_form.json");
    if std::env::var_os("BLESS").is_some() {
        let fixture = generate::generate();
        std::fs::write(&path, serde_json::to_string_pretty(&fixture).expect("serializable") + "\n").expect("written");
    }
    let fixture: cases::Fixture =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the fixture file")).expect("a fixture");
    assert!(fixture.cases.len() >= 6, "the fixture covers the rules");
    for case in &fixture.cases {
        assert_eq!(case.run(), case.expected, "case {}", case.name);
    }
}
