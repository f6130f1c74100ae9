//! 事项目录: listing, filtering, searching and reading guides.

use reqwest::StatusCode;
use serde_json::Value;
use shared::api::{DepartmentEntry, ItemPage};
use shared::catalogue::{ItemCode, LimitKind, ServiceItem, ServiceObject, Theme};

use crate::both;
use crate::helpers::expect_problem;

/// The audit event of a publication.
fn published(subject: &str) -> server::store::AuditEvent<'_> {
    crate::helpers::audit_event(shared::audit::AuditAction::ItemPublished, subject)
}

fn codes(page: &ItemPage) -> Vec<&str> {
    page.items.iter().map(|i| i.code.as_str()).collect()
}

both! {
    async fn lists_twenty_items_a_page_with_the_total(app) {
        let first: ItemPage = app.get_ok("/api/v1/items").await;
        assert_eq!((first.total, first.page, first.per_page, first.items.len()), (24, 1, 20, 20));
        let second: ItemPage = app.get_ok("/api/v1/items?page=2").await;
        assert_eq!(second.items.len(), 4);
        let mut all = codes(&first);
        all.extend(codes(&second));
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(all, sorted, "pages are ordered by code and do not overlap");
        let past_the_end: ItemPage = app.get_ok("/api/v1/items?page=9").await;
        assert!(past_the_end.items.is_empty());
        assert_eq!(past_the_end.total, 24);
    }
}

both! {
    async fn filters_by_service_object_theme_and_department(app) {
        let persons: ItemPage = app.get_ok("/api/v1/items?object=person&per_page=100").await;
        assert_eq!(persons.total, 11);
        assert!(persons.items.iter().all(|i| i.service_object == ServiceObject::Person));

        let setup: ItemPage = app.get_ok("/api/v1/items?object=enterprise&theme=enterprise_setup").await;
        assert!(setup.total > 0);
        assert!(setup.items.iter().all(|i| i.theme_key == "enterprise_setup"));
        assert!(codes(&setup).contains(&"DG-QY-0001"));

        let samr: ItemPage = app.get_ok("/api/v1/items?department=DG-SAMR&per_page=100").await;
        assert!(samr.total > 0);
        assert!(samr.items.iter().all(|i| i.department.code == "DG-SAMR"));

        let none: ItemPage = app.get_ok("/api/v1/items?object=person&theme=enterprise_setup").await;
        assert_eq!(none.total, 0);
    }
}

both! {
    async fn searches_in_chinese_and_english_case_insensitively(app) {
        let zh: ItemPage = app.get_ok("/api/v1/items?q=居住证").await;
        assert!(codes(&zh).contains(&"DG-GR-0002"), "{:?}", codes(&zh));
        let en: ItemPage = app.get_ok("/api/v1/items?q=Residence%20PERMIT").await;
        assert!(codes(&en).contains(&"DG-GR-0002"), "{:?}", codes(&en));
        // Every word must appear, in any order.
        let words: ItemPage = app.get_ok("/api/v1/items?q=registration%20company").await;
        assert_eq!(codes(&words), ["DG-QY-0001"]);
        // By department name and by code.
        let by_dept: ItemPage = app.get_ok("/api/v1/items?q=公安局").await;
        assert!(by_dept.items.iter().all(|i| i.department.code == "DG-PSB") && by_dept.total > 0);
        let by_code: ItemPage = app.get_ok("/api/v1/items?q=dg-qy-0011").await;
        assert_eq!(codes(&by_code), ["DG-QY-0011"]);
    }
}

/// 检索相关性 — what a citizen types, and the items that must come first, in any order among
/// themselves (items that tie, or that a synonym names together), before any other.
const RELEVANCE: &[(&str, &[&str])] = &[
    // The examples of the search box's placeholder, and a citizen's words for services.
    ("社保", &["DG-QY-0005", "DG-GR-0005", "DG-GR-0010"]),
    ("失业金", &["DG-GR-0009"]),
    ("营业执照", &["DG-GR-0001", "DG-QY-0001"]),
    ("开公司", &["DG-QY-0001"]),
    ("暂住证", &["DG-GR-0002", "DG-GR-0003"]),
    ("准生证", &["DG-GR-0004"]),
    ("狗证", &["DG-GR-0006"]),
    ("二手房 过户", &["DG-GR-0007"]),
    // A word in the name comes before the same word in a material.
    ("就业", &["DG-GR-0011"]),
    ("居住证", &["DG-GR-0002", "DG-GR-0003"]),
    ("公积金", &["DG-GR-0008", "DG-QY-0006"]),
    ("食品", &["DG-QY-0002"]),
    ("消防", &["DG-QY-0008"]),
    // Pinyin, in full and as initials, of names and synonyms.
    ("shebao", &["DG-QY-0005", "DG-GR-0005", "DG-GR-0010"]),
    ("sb", &["DG-QY-0005", "DG-GR-0005", "DG-GR-0010"]),
    ("jiuye", &["DG-GR-0011"]),
    ("juzhuzheng", &["DG-GR-0002", "DG-GR-0003"]),
    ("shiyejin", &["DG-GR-0009"]),
    // English, stemmed, every word required; and the item code.
    ("residence permit", &["DG-GR-0002", "DG-GR-0003"]),
    ("dog", &["DG-GR-0006"]),
    ("unemployment", &["DG-GR-0009"]),
    ("DG-QY-0009", &["DG-QY-0009"]),
];

both! {
    async fn search_puts_what_citizens_mean_first(app) {
        for (q, first) in RELEVANCE {
            let page: ItemPage = app.get_ok(&format!("/api/v1/items?q={q}&per_page=100")).await;
            let found = codes(&page);
            assert!(found.len() >= first.len(), "q={q}: {found:?}");
            let mut top = found[..first.len()].to_vec();
            top.sort();
            let mut want = first.to_vec();
            want.sort();
            assert_eq!(top, want, "q={q}: {found:?}");
            assert!(page.suggestions.is_empty(), "q={q}: suggestions only when nothing matches");
        }
        // The search box's own example finds nothing unrelated first.
        let licence: ItemPage = app.get_ok("/api/v1/items?q=营业执照").await;
        assert_ne!(codes(&licence)[0], "DG-GR-0002");
        // Filters narrow what the text finds, and the total counts what they leave.
        let persons: ItemPage = app.get_ok("/api/v1/items?q=社保&object=person").await;
        let mut person_codes = codes(&persons);
        person_codes.sort();
        assert_eq!(person_codes, ["DG-GR-0005", "DG-GR-0010"]);
        assert_eq!(persons.total, 2);
        // Pages of a search do not overlap.
        let all: ItemPage = app.get_ok("/api/v1/items?q=登记&per_page=100").await;
        let first: ItemPage = app.get_ok("/api/v1/items?q=登记&per_page=3").await;
        let second: ItemPage = app.get_ok("/api/v1/items?q=登记&per_page=3&page=2").await;
        assert_eq!(codes(&first), codes(&all)[..3]);
        assert_eq!(codes(&second), codes(&all)[3..6]);
        assert_eq!(second.total, all.total);
    }
}

both! {
    async fn a_search_that_finds_nothing_suggests_the_nearest_items(app) {
        let none: ItemPage = app.get_ok("/api/v1/items?q=排污许可证补发").await;
        assert_eq!(none.total, 0);
        assert_eq!(none.suggestions.first().map(|i| i.code.as_str()), Some("DG-QY-0013"), "{:?}", none.suggestions);
        assert!(none.suggestions.len() <= 3);
        let nothing_near: ItemPage = app.get_ok("/api/v1/items?q=zzzzqqq").await;
        assert!(nothing_near.items.is_empty() && nothing_near.suggestions.is_empty());
    }
}

both! {
    async fn a_catalogue_administrator_teaches_search_a_new_word(app) {
        use reqwest::Method;
        use shared::search::Synonym;
        let before: ItemPage = app.get_ok("/api/v1/items?q=办证").await;
        assert_eq!(before.total, 0);
        let path = format!("/api/v1/catalogue/synonyms/{}", "办证");
        let body = serde_json::json!({"means": ["居住证申领"]});
        let clerk = app.sign_in_demo("黄丽").await;
        let refused = app.with_session(Method::PUT, &path, &clerk).json(&body).send().await.expect("an answer");
        expect_problem(refused, 403, "forbidden").await;
        let admin = app.sign_in_demo("孙悦").await;
        let wrong = app.with_session(Method::PUT, &path, &admin).json(&serde_json::json!({"means": ["a b"]})).send().await.expect("an answer");
        assert_eq!(expect_problem(wrong, 422, "validation_failed").await.errors[0].field, "means[0]");
        let set = app.with_session(Method::PUT, &path, &admin).json(&body).send().await.expect("an answer");
        assert_eq!(set.status(), StatusCode::OK);
        // The next search, on any node, uses it.
        let after: ItemPage = app.get_ok("/api/v1/items?q=办证").await;
        assert_eq!(codes(&after), ["DG-GR-0002"]);
        let pinyin: ItemPage = app.get_ok("/api/v1/items?q=banzheng").await;
        assert_eq!(codes(&pinyin), ["DG-GR-0002"]);
        let listed: Vec<Synonym> = app.get_ok("/api/v1/catalogue/synonyms").await;
        assert!(listed.iter().any(|s| s.term == "办证" && s.means == ["居住证申领"]));
        // Removed, it finds nothing again; removing it twice says there is none.
        let removed = app.with_session(Method::DELETE, &path, &admin).send().await.expect("an answer");
        assert_eq!(removed.status(), StatusCode::NO_CONTENT);
        let gone: ItemPage = app.get_ok("/api/v1/items?q=办证").await;
        assert_eq!(gone.total, 0);
        let again = app.with_session(Method::DELETE, &path, &admin).send().await.expect("an answer");
        expect_problem(again, 404, "synonym_not_found").await;
        let trail: Vec<shared::audit::AuditAction> =
            app.state.store.audit_of("synonym").await.expect("the trail").iter().map(|e| e.action).collect();
        // The demo's installation, this change and this removal.
        use shared::audit::AuditAction::{SynonymRemoved, SynonymSet};
        assert_eq!(trail.iter().filter(|a| **a == SynonymSet).count(), 2, "{trail:?}");
        assert_eq!(trail.iter().filter(|a| **a == SynonymRemoved).count(), 1, "{trail:?}");
    }
}

both! {
    async fn search_wildcards_are_taken_literally(app) {
        for q in ["%25", "_", "%5C"] {
            let page: ItemPage = app.get_ok(&format!("/api/v1/items?q={q}")).await;
            assert_eq!(page.total, 0, "q={q}");
        }
        let blank: ItemPage = app.get_ok("/api/v1/items?q=%20%20").await;
        assert_eq!(blank.total, 24, "a blank search matches everything");
    }
}

both! {
    async fn bad_query_parameters_get_a_problem_naming_the_field(app) {
        for (query, status, code, field) in [
            ("page=0", 422, "validation_failed", "page"),
            ("page=-1", 400, "invalid_query", "page"),
            ("page=abc", 400, "invalid_query", "page"),
            ("page=99999999999", 400, "invalid_query", "page"),
            ("per_page=101", 422, "validation_failed", "per_page"),
            ("object=alien", 400, "invalid_query", "object"),
        ] {
            let problem = expect_problem(app.get(&format!("/api/v1/items?{query}")).await, status, code).await;
            assert_eq!(problem.errors.len(), 1, "{query}");
            assert_eq!(problem.errors[0].field, field, "{query}");
        }
        let long = "字".repeat(101);
        let problem = expect_problem(app.get(&format!("/api/v1/items?q={long}")).await, 422, "validation_failed").await;
        assert_eq!(problem.errors[0].code.as_str(), "too_long");
    }
}

both! {
    async fn a_guide_shows_every_standard_element(app) {
        let item: ServiceItem = app.get_ok("/api/v1/items/DG-QY-0001").await;
        assert_eq!(item.code.as_str(), "DG-QY-0001");
        assert_eq!(item.service_object, ServiceObject::Enterprise);
        assert!(!item.name.zh.is_empty() && !item.name.en.is_empty());
        assert!(!item.legal_basis.is_empty());
        assert!(!item.acceptance_conditions.is_empty());
        assert!(!item.channels.is_empty() && !item.halls.is_empty());
        assert!(!item.fee.zh.is_empty() && !item.fee.en.is_empty());
        assert!(item.materials.iter().any(|m| m.e_license.is_some()), "some material comes from the e-license library");
        assert!(item.materials.iter().any(|m| m.condition.is_some()), "some material depends on a situation");
        assert!(!item.fields.is_empty());
        let instant: ServiceItem = app.get_ok("/api/v1/items/DG-GR-0001").await;
        assert_eq!(instant.time_limits.kind, LimitKind::Instant);
        assert_eq!(instant.time_limits.promised_working_days, 0);
        // Codes are matched whatever their case.
        let lower: ServiceItem = app.get_ok("/api/v1/items/dg-qy-0001").await;
        assert_eq!(lower, item);
    }
}

both! {
    async fn an_unknown_or_malformed_item_code_gets_a_problem(app) {
        expect_problem(app.get("/api/v1/items/DG-QY-9999").await, 404, "item_not_found").await;
        let problem = expect_problem(app.get("/api/v1/items/DG%20QY").await, 400, "invalid_path").await;
        assert_eq!(problem.errors[0].field, "code");
        let long = "A".repeat(200);
        let problem = expect_problem(app.get(&format!("/api/v1/items/{long}")).await, 400, "invalid_path").await;
        assert_eq!(problem.errors[0].code.as_str(), "item_code_length");
        expect_problem(app.get("/api/v1/items/%FF").await, 400, "invalid_path").await;
    }
}

both! {
    async fn publishing_a_new_version_supersedes_the_old_one(app) {
        let code = ItemCode::parse("DG-GR-0002").expect("a code");
        let mut v2 = app.state.store.published_item(&code).await.expect("readable").expect("published");
        v2.version = 2;
        v2.time_limits.promised_working_days = 5;
        app.state.store.publish_item(&v2, &published("DG-GR-0002@2")).await.expect("publishes");
        let trail = app.state.store.audit_of("DG-GR-0002@2").await.expect("the trail");
        assert_eq!(trail.len(), 1, "the publication is on the record");

        let item: ServiceItem = app.get_ok("/api/v1/items/DG-GR-0002").await;
        assert_eq!((item.version, item.time_limits.promised_working_days), (2, 5));
        let list: ItemPage = app.get_ok("/api/v1/items?q=DG-GR-0002").await;
        assert_eq!(list.total, 1, "one entry per item, not per version");
        assert_eq!(list.items[0].version, 2);

        // Starting again with --demo does not bring version 1 back.
        let demo = server::demo::DemoCatalogue::load().expect("demo");
        assert_eq!(demo.install(&app.state.store).await.expect("installs"), 0);
        let item: ServiceItem = app.get_ok("/api/v1/items/DG-GR-0002").await;
        assert_eq!(item.version, 2);
    }
}

both! {
    async fn a_published_version_is_never_rewritten(app) {
        let store = &app.state.store;
        let code = ItemCode::parse("DG-GR-0002").expect("a code");
        // This node keeps version 1 once read; a rewrite of it would leave the copy stale.
        let v1 = store.item_version("DG-GR-0002", 1).await.expect("readable").expect("stored");
        let trail = store.audit_of("DG-GR-0002@1").await.expect("the trail").len();
        let mut rewritten = (*v1).clone();
        rewritten.time_limits.promised_working_days += 7;
        store.publish_item(&rewritten, &published("DG-GR-0002@1")).await.expect_err("version 1 is stored already");

        let stored = store.published_item(&code).await.expect("readable").expect("published");
        assert_eq!(stored.time_limits.promised_working_days, v1.time_limits.promised_working_days, "unchanged");
        assert_eq!(store.audit_of("DG-GR-0002@1").await.expect("the trail").len(), trail, "nothing recorded");
        let kept = store.item_version("DG-GR-0002", 1).await.expect("readable").expect("stored");
        assert_eq!(kept.time_limits.promised_working_days, stored.time_limits.promised_working_days);
        // A change is a new version, and the old one is still read as it was.
        rewritten.version = 2;
        store.publish_item(&rewritten, &published("DG-GR-0002@2")).await.expect("publishes");
        let old = store.item_version("DG-GR-0002", 1).await.expect("readable").expect("stored");
        assert_eq!(old.time_limits.promised_working_days, v1.time_limits.promised_working_days);
        let new = store.item_version("DG-GR-0002", 2).await.expect("readable").expect("stored");
        assert_eq!(new.time_limits.promised_working_days, v1.time_limits.promised_working_days + 7);
    }
}

both! {
    async fn this_nodes_copy_of_the_catalogue_follows_publications_halls_and_bundles(app) {
        let store = &app.state.store;
        let before = store.catalogue().await.expect("the catalogue");
        let v1 = before.item("DG-GR-0002").expect("published").clone();
        let mut v2 = v1.clone();
        v2.version = 2;
        v2.time_limits.promised_working_days = v1.time_limits.promised_working_days + 3;
        store.publish_item(&v2, &published("DG-GR-0002@2")).await.expect("publishes");

        let after = store.catalogue().await.expect("the catalogue");
        assert_eq!(after.item("DG-GR-0002").map(|i| i.version), Some(2), "the new version, at once");
        // A case filed under version 1 is still read with version 1's limits.
        let old = store.item_version("DG-GR-0002", 1).await.expect("readable").expect("stored");
        assert_eq!(old.time_limits.promised_working_days, v1.time_limits.promised_working_days);
        let new = store.item_version("DG-GR-0002", 2).await.expect("readable").expect("stored");
        assert_eq!(new.time_limits.promised_working_days, v2.time_limits.promised_working_days);
        assert!(store.item_version("DG-GR-0002", 3).await.expect("readable").is_none());

        let hall = shared::case::Hall {
            code: "DG-TEST".into(),
            name: shared::Bilingual::new("测试大厅", "Test hall"),
            address: "东莞市".into(),
        };
        store.upsert_hall(&hall).await.expect("adds a hall");
        let mut bundle = before.bundles[0].clone();
        bundle.code = "TEST-BUNDLE".into();
        store.upsert_bundle(&bundle, 99).await.expect("adds a bundle");
        let latest = store.catalogue().await.expect("the catalogue");
        assert!(latest.halls.iter().any(|h| h.code == "DG-TEST"), "the new hall");
        assert_eq!(latest.bundles.last().map(|b| b.code.as_str()), Some("TEST-BUNDLE"), "the new bundle, last");
        assert_eq!(latest.halls.len(), before.halls.len() + 1);
    }
}

both! {
    async fn departments_and_themes_are_listed(app) {
        let departments: Vec<DepartmentEntry> = app.get_ok("/api/v1/departments").await;
        assert_eq!(departments.len(), 13);
        let total: u64 = departments.iter().map(|d| d.items).sum();
        assert_eq!(total, 24);
        let hall = departments.iter().find(|d| d.name.zh == "东莞市政务服务数据管理局").expect("the hall operator");
        assert_eq!(hall.items, 0, "the hall operator owns no item");

        let themes: Vec<Theme> = app.get_ok("/api/v1/themes").await;
        assert_eq!(themes.len(), 10);
        assert_eq!(themes[0].service_object, ServiceObject::Person, "persons' themes come first");
        let response = app.get("/api/v1/themes").await;
        assert_eq!(response.status(), StatusCode::OK);
        let raw: Value = response.json().await.expect("JSON");
        assert!(raw[0]["name"]["en"].is_string());
    }
}

both! {
    async fn one_form_bundles_are_listed_with_their_items(app) {
        let bundles: Vec<shared::application::Bundle> = app.get_ok("/api/v1/bundles").await;
        let company = bundles.iter().find(|b| b.code == "DG-YJS-0002").expect("开办企业");
        assert_eq!(company.name.zh, "开办企业");
        let codes: Vec<&str> = company.items.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes, ["DG-QY-0001", "DG-QY-0004", "DG-QY-0005", "DG-QY-0006"]);
        assert!(
            bundles.iter().any(|b| b.code == "DG-YJS-0001"),
            "a person's registration with the new business's permits is offered as one form"
        );
    }
}
