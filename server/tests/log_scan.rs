//! After the API suite has run, scans every log line it wrote for a full resident identity
//! number (PIPL: identity numbers appear in logs only masked). `.ci/run` runs this binary after
//! the suite; on its own it checks whatever logs the last run left.

use std::path::PathBuf;

use shared::ResidentId;

/// Every 18-character run of digits (the last may be X) in `text` that is a valid identity number.
fn full_identity_numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for start in 0..chars.len().saturating_sub(17) {
        let window: String = chars[start..start + 18].iter().collect();
        let before_is_digit = start > 0 && chars[start - 1].is_ascii_digit();
        if !before_is_digit && ResidentId::parse(&window).is_ok() {
            found.push(window);
        }
    }
    found
}

#[test]
fn the_scanner_finds_a_number_among_other_text() {
    let line = "INFO login id_number=44190019910704818X ok";
    assert_eq!(full_identity_numbers(line), ["44190019910704818X"]);
    assert!(full_identity_numbers("id_number=4419**********818X").is_empty());
}

#[test]
fn server_logs_never_hold_a_full_identity_number() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("server-logs");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no server logs in {} ({e}): run the API suite first", dir.display()));
    let (mut files, mut lines, mut masked) = (0, 0, 0);
    let mut leaks = Vec::new();
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("a readable log");
        files += 1;
        lines += text.lines().count();
        masked += text.matches("4419**********").count();
        for number in full_identity_numbers(&text) {
            leaks.push(format!("{}: {}", path.display(), ResidentId::parse(&number).expect("valid").masked()));
        }
    }
    assert!(files > 0 && lines > 100, "the suite wrote logs ({files} files, {lines} lines)");
    assert!(masked > 0, "sign-ins log masked numbers, so the scan has something to look at");
    assert!(leaks.is_empty(), "full identity numbers in the logs: {leaks:?}");
}

/// Contact details the API suite uses: the demo accounts' mobile number and the address the
/// notification tests send email to. Logs name them masked only.
const CONTACTS: [(&str, &str); 2] =
    [("13800138000", "138****8000"), ("chenmin.notices@example.com", "c***@example.com")];

#[test]
fn server_logs_never_hold_a_mobile_number_or_an_email_address_in_full() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("server-logs");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("no server logs in {} ({e}): run the API suite first", dir.display()));
    let mut text = String::new();
    for entry in entries {
        text.push_str(&std::fs::read_to_string(entry.expect("a directory entry").path()).expect("a readable log"));
    }
    for (full, masked) in CONTACTS {
        assert!(!text.contains(full), "{masked} appears in full in the server logs");
    }
    assert!(text.contains(CONTACTS[0].1), "text messages are logged masked, so the scan has something to look at");
}
