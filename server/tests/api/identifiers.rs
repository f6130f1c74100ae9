//! 身份标识校验 over HTTP, with the reference examples.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::expect_problem;

fn examples() -> Value {
    serde_json::from_str(include_str!("../../../shared/tests/data/id_examples.json")).expect("JSON")
}

both! {
    async fn every_reference_identifier_gets_its_verdict(app) {
        let ex = examples();
        for (kind, key) in [("resident_id", "resident_id"), ("uscc", "uscc")] {
            for valid in ex[key]["valid"].as_array().expect("list") {
                let response = app.post_json("/api/v1/identifiers/check", &json!({"kind": kind, "value": valid["value"]})).await;
                assert_eq!(response.status(), StatusCode::OK, "{valid}");
            }
            for invalid in ex[key]["invalid"].as_array().expect("list") {
                let response = app.post_json("/api/v1/identifiers/check", &json!({"kind": kind, "value": invalid["value"]})).await;
                let problem = expect_problem(response, 422, "validation_failed").await;
                assert_eq!(problem.errors[0].field, "value");
                assert_eq!(problem.errors[0].code.as_str(), invalid["reason"].as_str().expect("reason"), "{invalid}");
            }
        }
    }
}

both! {
    async fn a_valid_identity_number_comes_back_masked(app) {
        let response = app.post_json("/api/v1/identifiers/check", &json!({"kind": "resident_id", "value": "44190019910704818x"})).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["display"], "4419**********818X");
        assert_eq!(body["birth_date"], "1991-07-04");
        assert_eq!(body["sex"], "female");
        assert!(!body.to_string().contains("44190019910704818X"), "the full number is never echoed");
    }
}

both! {
    async fn malformed_requests_are_refused_with_a_clear_problem(app) {
        let url = app.url("/api/v1/identifiers/check");
        let text = app.client.post(&url).body(r#"{"kind":"uscc","value":"x"}"#).send().await.expect("answers");
        expect_problem(text, 415, "unsupported_media_type").await;

        let broken = app.client.post(&url).header("content-type", "application/json").body("{\"kind\":").send().await.expect("answers");
        expect_problem(broken, 400, "invalid_json").await;

        let unknown = app.post_json("/api/v1/identifiers/check", &json!({"kind": "passport", "value": "E123"})).await;
        let problem = expect_problem(unknown, 422, "validation_failed").await;
        assert_eq!(problem.errors[0].field, "kind");

        let missing = app.post_json("/api/v1/identifiers/check", &json!({"kind": "uscc"})).await;
        expect_problem(missing, 422, "validation_failed").await;

        let huge = json!({"kind": "uscc", "value": "9".repeat(300 * 1024)});
        expect_problem(app.post_json("/api/v1/identifiers/check", &huge).await, 413, "payload_too_large").await;
    }
}
