//! 办事工作日制度与效能监察: the calendar's answers, each case's deadline with its pauses and
//! extension, yellow and red cards raised by the scan (once, whatever runs it), and 督办.

use chrono::{Days, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::audit::AuditAction;
use shared::calendar::{Alarm, CalendarYear, Due, DueFact, PauseKind};
use shared::supervision::{Card, CardCause, CardColor, CardPage, CardStatus, SupervisionOverview};

use crate::applying::{call, upload_png};
use crate::both;
use crate::cases::{act, act_ok, detail, file_for_enterprise, verify};
use crate::helpers::{Db, TestApp, expect_problem};

/// 食品生产许可 (an enterprise's, at the market regulator): 10 working days promised, so a
/// case turns yellow with 2 left.
const ITEM: &str = "DG-QY-0007";

/// Files the item for the demo enterprise and has the front desk accept it; its case number.
async fn accepted_case(app: &TestApp) -> String {
    accepted_cases(app, 1).await.remove(0)
}

/// … `n` times (one sign-in each: an authenticator code is taken once).
async fn accepted_cases(app: &TestApp, n: usize) -> Vec<String> {
    let agent = app.sign_in_demo("陈敏").await;
    let clerk = app.sign_in_demo("黄丽").await;
    let mut cases = Vec::new();
    for _ in 0..n {
        let receipt = file_for_enterprise(app, &agent, &[ITEM]).await;
        let case_no = receipt.cases[0].case_no.clone();
        act_ok(app, &clerk, &case_no, json!({"action": "accept"})).await;
        cases.push(case_no);
    }
    cases
}

/// Moves the server's clock forward by whole days.
fn advance_days(app: &TestApp, days: i64) {
    app.state.clock.advance(chrono::Duration::days(days));
}

async fn cards(app: &TestApp, token: &str, query: &str) -> CardPage {
    let response = call(app, Method::GET, &format!("/api/v1/cards?{query}"), token, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.expect("cards")
}

async fn card_act(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    call(app, Method::POST, &format!("/api/v1/cards/{id}/acts"), token, Some(&body)).await
}

/// The cards of a case, read from the store (the tests' sessions lapse as the clock moves).
async fn cards_of(app: &TestApp, case_no: &str) -> Vec<(CardColor, CardCause)> {
    let filter = server::store::deadlines::CardFilter {
        status: Some(CardStatus::Open),
        case_no: Some(case_no.to_owned()),
        limit: 50,
        ..Default::default()
    };
    let (rows, _) = app.state.store.cards(&filter).await.expect("cards");
    let mut out: Vec<_> = rows.iter().map(|r| (r.color, r.cause)).collect();
    out.sort_by_key(|(c, _)| *c);
    out
}

/// Working days in `(after, through]` by the server's calendar.
fn working_between(app: &TestApp, after: NaiveDate, through: NaiveDate) -> u32 {
    let calendar = app.state.calendar.get();
    after.iter_days().skip(1).take_while(|d| *d <= through).filter(|d| calendar.day(*d).is_working()).count() as u32
}

both! {
    async fn the_calendar_explains_due_dates_and_names_what_is_wrong(app) {
        let due: Due = app.get_ok("/api/v1/calendar/due?from=2026-02-13&working_days=2").await;
        assert_eq!(due.due, NaiveDate::from_ymd_opt(2026, 2, 24).expect("a date"));
        assert!(!due.assumed);
        let texts: Vec<&str> = due.explanation.iter().map(|n| n.text.zh.as_str()).collect();
        assert!(texts.contains(&"2026-02-14 为春节调休上班日，计入"), "{texts:?}");
        assert!(texts.contains(&"2026-02-15 至 2026-02-23 春节假期，不计入"), "{texts:?}");
        let year: CalendarYear = app.get_ok("/api/v1/calendar/2026").await;
        assert_eq!((year.working_days, year.days.len(), year.assumed), (248, 365, false));

        for (query, field) in [
            ("from=2026-02-30&working_days=2", "from"),
            ("from=2026-02-13&working_days=-3", "working_days"),
            ("from=2026-02-13&working_days=100000", "working_days"),
            ("from=2026-02-13&working_days=ten", "working_days"),
        ] {
            let problem = expect_problem(app.get(&format!("/api/v1/calendar/due?{query}")).await, 422, "validation_failed").await;
            assert_eq!(problem.errors[0].field, field, "{query}");
        }
        expect_problem(app.get("/api/v1/calendar/1999").await, 422, "validation_failed").await;
        expect_problem(app.get("/api/v1/calendar/next").await, 400, "invalid_path").await;

        // 2027 has no notice yet: counted as Monday to Friday, and said so.
        let assumed: Due = app.get_ok("/api/v1/calendar/due?from=2026-12-31&working_days=1").await;
        assert!(assumed.assumed);
        assert_eq!(assumed.due, NaiveDate::from_ymd_opt(2027, 1, 1).expect("a date"));

        // A catalogue administrator enters it; from then on New Year's Day is a holiday.
        let notice = json!({"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
            "holidays": [{"name": {"zh": "元旦", "en": "New Year's Day"}, "start": "2027-01-01", "end": "2027-01-03"}],
            "make_up_days": []});
        let clerk = app.sign_in_demo("黄丽").await;
        expect_problem(call(app, Method::PUT, "/api/v1/calendar/2027", &clerk, Some(&notice)).await, 403, "forbidden").await;
        let admin = app.sign_in_demo("孙悦").await;
        let mut wrong = notice.clone();
        wrong["make_up_days"] = json!([{"date": "2027-01-04", "holiday": {"zh": "元旦", "en": "New Year's Day"}}]);
        let refused = expect_problem(call(app, Method::PUT, "/api/v1/calendar/2027", &admin, Some(&wrong)).await, 422, "validation_failed").await;
        assert_eq!(refused.errors[0].field, "make_up_days[0].date", "a Monday is no make-up day");
        let entered = call(app, Method::PUT, "/api/v1/calendar/2027", &admin, Some(&notice)).await;
        assert_eq!(entered.status(), StatusCode::OK);
        let known: Due = app.get_ok("/api/v1/calendar/due?from=2026-12-31&working_days=1").await;
        assert!(!known.assumed);
        assert_eq!(known.due, NaiveDate::from_ymd_opt(2027, 1, 4).expect("a date"));
        let events = app.state.store.trail_of("calendar", "calendar").await.expect("events");
        assert!(events.iter().any(|e| e.action == AuditAction::CalendarNoticeEntered && e.actor.is_some()));
    }
}

both! {
    async fn a_case_goes_yellow_then_red_and_its_red_card_is_resolved_by_supervision(app) {
        let case_no = accepted_case(app).await;
        let undertaker = app.sign_in_demo("刘洋").await;
        let deadline = detail(app, &undertaker, &case_no).await.deadline.expect("an accepted case has a deadline");
        assert_eq!((deadline.promised_working_days, deadline.alarm, deadline.remaining), (10, Alarm::OnTime, 10));
        let accepted_on = app.state.clock.today();
        let expected: Due = app.get_ok(&format!("/api/v1/calendar/due?from={accepted_on}&working_days=10")).await;
        assert_eq!(deadline.due.due, expected.due);
        assert_eq!(deadline.steps.last().map(|s| s.due), Some(expected.due), "the steps share the limit");

        // Day by day: no card while more than two working days remain, a yellow card with two
        // left, a red card once the due date has passed, each once.
        let due = expected.due;
        let mut yellow_on = None;
        let mut red_on = None;
        while red_on.is_none() {
            advance_days(app, 1);
            let today = app.state.clock.today();
            app.state.deadlines().scan().await.expect("a scan");
            let raised = cards_of(app, &case_no).await;
            let remaining = working_between(app, today.pred_opt().expect("a day"), due);
            match raised.as_slice() {
                [] => assert!(remaining > 2, "{today}: {remaining} left and no card"),
                [(CardColor::Yellow, CardCause::NearLimit)] => {
                    assert!(remaining <= 2 && today <= due, "{today}: yellow with {remaining} left");
                    yellow_on.get_or_insert(today);
                }
                [(CardColor::Yellow, _), (CardColor::Red, CardCause::Overdue)] => {
                    assert!(today > due, "red only once the due date has passed");
                    red_on = Some(today);
                }
                other => panic!("{today}: {other:?}"),
            }
            assert!(today < due + Days::new(10), "a red card by then");
        }
        assert!(yellow_on.is_some_and(|y| y <= due), "yellow came first");
        assert!(app.state.deadlines().scan().await.expect("a scan").is_empty(), "raised once");

        // The department answers, the supervisor accepts: resolved, and on the trail.
        let undertaker = app.sign_in_demo("刘洋").await;
        let supervisor = app.sign_in_demo("郑华").await;
        let open = cards(app, &supervisor, &format!("case_no={case_no}")).await;
        assert_eq!(open.total, 2);
        let red = open.cards.iter().find(|c| c.color == CardColor::Red).expect("a red card").clone();
        assert_eq!((red.due_on, red.department.code.as_str()), (Some(due), "DG-SAMR"));
        assert_eq!(cards(app, &undertaker, "").await.cards.iter().filter(|c| c.case_no == case_no).count(), 2, "the department sees its cards");
        let early = card_act(app, &supervisor, &red.id, json!({"act": "resolve", "text": "已核实"})).await;
        expect_problem(early, 409, "card_not_now").await;
        let clerk = app.sign_in_demo("黄丽").await;
        expect_problem(card_act(app, &clerk, &red.id, json!({"act": "answer", "text": "已处理"})).await, 403, "forbidden").await;
        expect_problem(card_act(app, &undertaker, &red.id, json!({"act": "answer", "text": " "})).await, 422, "validation_failed").await;
        let answered = card_act(app, &undertaker, &red.id, json!({"act": "answer", "text": "因现场核查排期延误，已于今日办结"})).await;
        assert_eq!(answered.status(), StatusCode::OK);
        expect_problem(card_act(app, &undertaker, &red.id, json!({"act": "resolve", "text": "自行办结"})).await, 403, "role_may_not").await;
        let returned: Card = card_act(app, &supervisor, &red.id, json!({"act": "return", "text": "请说明延误的具体原因"})).await.json().await.expect("a card");
        assert_eq!(returned.status, CardStatus::Open);
        card_act(app, &undertaker, &red.id, json!({"act": "answer", "text": "核查人员病假，已调整排班并办结"})).await;
        let resolved: Card = card_act(app, &supervisor, &red.id, json!({"act": "resolve", "text": "同意，督办办结"})).await.json().await.expect("a card");
        assert_eq!((resolved.status, resolved.answer.as_deref()), (CardStatus::Resolved, Some("核查人员病假，已调整排班并办结")));
        let unresolved = cards(app, &supervisor, &format!("case_no={case_no}")).await;
        assert_eq!(unresolved.cards.iter().map(|c| c.color).collect::<Vec<_>>(), [CardColor::Yellow]);
        assert_eq!(cards(app, &supervisor, &format!("case_no={case_no}&status=resolved")).await.total, 1);

        let actions: Vec<AuditAction> = app.state.store.trail_of(&red.id, &red.id).await.expect("events").iter().map(|e| e.action).collect();
        assert_eq!(actions, [AuditAction::CardAnswered, AuditAction::CardReturned, AuditAction::CardAnswered, AuditAction::CardResolved]);
        let raised = app.state.store.trail_of(&case_no, &case_no).await.expect("events");
        assert_eq!(raised.iter().filter(|e| e.action == AuditAction::CardRaised).count(), 2);
        let outbox = app.state.store.outbox_of(&case_no).await.expect("outbox");
        assert_eq!(outbox.iter().filter(|(topic, _)| topic == "card").count(), 2, "each card goes to the department");
        assert!(verify(app, &supervisor).await.ok);
    }
}

both! {
    async fn a_supplement_pause_moves_the_due_date_by_exactly_the_working_days_paused(app) {
        let case_no = accepted_case(app).await;
        let accepted_on = app.state.clock.today();
        let undertaker = app.sign_in_demo("刘洋").await;
        let before = detail(app, &undertaker, &case_no).await;
        let unpaused = before.deadline.expect("a deadline").due.due;
        let key = before.listed_materials[0].key.clone();

        // Paused for supplement on the day after acceptance: a notice goes to the applicant.
        advance_days(app, 1);
        let paused_on = app.state.clock.today();
        let undertaker = app.sign_in_demo("刘洋").await;
        let missing = expect_problem(act(app, &undertaker, &case_no, json!({"action": "pause", "reason": "需补正"})).await, 422, "validation_failed").await;
        assert_eq!(missing.errors[0].field, "pause");
        let pause = json!({"action": "pause", "pause": "supplement", "reason": "审查发现平面图与现场不符",
            "materials": [{"key": key, "reason": "请提供与现场一致的平面图"}]});
        let outcome = act_ok(app, &undertaker, &case_no, pause).await;
        assert_eq!(outcome.state.paused, Some(PauseKind::Supplement));
        expect_problem(act(app, &undertaker, &case_no, json!({"action": "undertake", "comment": "同意"})).await, 409, "action_not_allowed").await;

        // Three weeks pass: past the first due date, yet no card, for the clock stands still.
        advance_days(app, 21);
        app.state.deadlines().scan().await.expect("a scan");
        assert!(cards_of(app, &case_no).await.is_empty(), "no card while paused");
        let agent = app.sign_in_demo("陈敏").await;
        let seen = detail(app, &agent, &case_no).await;
        assert_eq!(seen.demanded.len(), 1, "the applicant sees what to supplement");
        let paused = seen.deadline.expect("a deadline").paused.expect("paused");
        assert_eq!((paused.kind, paused.from), (PauseKind::Supplement, paused_on));

        let file = upload_png(app, &agent).await;
        let supplied = act_ok(app, &agent, &case_no, json!({"action": "supplement", "files": [{"key": key, "upload_id": file.id}]})).await;
        assert_eq!(supplied.state.paused, None);
        let resumed_on = app.state.clock.today();
        let undertaker = app.sign_in_demo("刘洋").await;
        let deadline = detail(app, &undertaker, &case_no).await.deadline.expect("a deadline");
        let paused_days = working_between(app, paused_on, resumed_on);
        assert!(paused_days >= 14, "three weeks hold at least 14 working days: {paused_days}");
        let expected: Due = app.get_ok(&format!("/api/v1/calendar/due?from={accepted_on}&working_days={}", 10 + paused_days)).await;
        assert_eq!(deadline.due.due, expected.due, "moved by exactly the working days paused");
        assert!(deadline.due.due > unpaused);
        let noted = deadline.due.explanation.iter().find_map(|n| match &n.fact {
            DueFact::Paused { pause, working_days } => Some((pause.until, *working_days)),
            _ => None,
        });
        assert_eq!(noted, Some((Some(resumed_on), paused_days)));
        assert!(detail(app, &undertaker, &case_no).await.materials.iter().any(|m| m.file.as_ref().is_some_and(|f| f.upload_id == file.id)));
    }
}

both! {
    async fn other_pauses_resume_by_the_undertaker_and_an_approver_extends_once(app) {
        let case_no = accepted_case(app).await;
        let undertaker = app.sign_in_demo("刘洋").await;
        let approver = app.sign_in_demo("吴刚").await;
        let first = detail(app, &undertaker, &case_no).await.deadline.expect("a deadline").due.due;
        let inspect = json!({"action": "pause", "pause": "on_site_inspection", "reason": "需现场核查生产条件"});
        expect_problem(act(app, &approver, &case_no, inspect.clone()).await, 403, "role_may_not").await;
        act_ok(app, &undertaker, &case_no, inspect).await;
        expect_problem(act(app, &undertaker, &case_no, json!({"action": "supplement", "files": []})).await, 403, "role_may_not").await;
        let resumed = act_ok(app, &undertaker, &case_no, json!({"action": "resume", "comment": "核查完毕"})).await;
        assert_eq!(resumed.state.paused, None);
        assert_eq!(detail(app, &undertaker, &case_no).await.deadline.expect("a deadline").due.due, first, "paused and resumed the same day");

        let too_long = json!({"action": "extend", "extension_days": 31, "reason": "需组织专家论证"});
        let refused = expect_problem(act(app, &approver, &case_no, too_long).await, 422, "validation_failed").await;
        assert_eq!(refused.errors[0].field, "extension_days");
        expect_problem(act(app, &undertaker, &case_no, json!({"action": "extend", "extension_days": 5, "reason": "延期"})).await, 403, "role_may_not").await;
        act_ok(app, &approver, &case_no, json!({"action": "extend", "extension_days": 5, "reason": "需组织专家论证"})).await;
        let again = act(app, &approver, &case_no, json!({"action": "extend", "extension_days": 5, "reason": "再次延期"})).await;
        expect_problem(again, 409, "action_not_allowed").await;
        let deadline = detail(app, &undertaker, &case_no).await.deadline.expect("a deadline");
        let accepted_on = app.state.clock.today();
        let expected: Due = app.get_ok(&format!("/api/v1/calendar/due?from={accepted_on}&working_days=15")).await;
        assert_eq!(deadline.due.due, expected.due);
        assert_eq!(deadline.extension.map(|e| e.working_days), Some(5));
        assert!(deadline.due.explanation.iter().any(|n| n.text.zh == "经批准延期 5 个工作日：需组织专家论证"));
        let trail: Vec<AuditAction> = detail(app, &approver, &case_no).await.trail.iter().map(|e| e.action).collect();
        for action in [AuditAction::CasePaused, AuditAction::CaseResumed, AuditAction::CaseExtended] {
            assert!(trail.contains(&action), "{action:?} on the trail");
        }
    }
}

both! {
    async fn two_scanners_at_once_raise_each_card_once(app) {
        let cases = accepted_cases(app, 2).await;
        let (first, second) = (&cases[0], &cases[1]);
        advance_days(app, 40);
        let deadlines = app.state.deadlines();
        let (a, b) = tokio::join!(deadlines.scan(), deadlines.scan());
        let (a, b) = (a.expect("a scan"), b.expect("a scan"));
        assert_eq!(a.len() + b.len(), 4, "yellow and red for each case: {a:?} {b:?}");
        assert!(a.iter().all(|id| !b.contains(id)));
        for case_no in [first, second] {
            assert_eq!(cards_of(app, case_no).await, [(CardColor::Yellow, CardCause::NearLimit), (CardColor::Red, CardCause::Overdue)]);
        }
        assert!(deadlines.scan().await.expect("a scan").is_empty());
    }
}

/// Runs the periodic scan: a card appears without anyone asking.
#[tokio::test]
async fn the_periodic_scan_raises_cards_by_itself() {
    let app = TestApp::spawn_with(Db::Sqlite, |c| c.deadline_scan_secs = 1).await;
    let case_no = accepted_case(&app).await;
    advance_days(&app, 40);
    let mut waited = 0;
    while cards_of(&app, &case_no).await.len() < 2 {
        assert!(waited < 100, "the periodic scan raised the cards within 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    app.finish().await;
}

/// A card survives a restart, is never deleted, and a scan after the restart raises it again
/// neither on SQLite nor on PostgreSQL.
#[tokio::test]
async fn a_card_survives_a_restart() {
    for db in [Db::Sqlite, Db::Postgres] {
        let dir = tempfile::tempdir().expect("a directory");
        let data_dir = dir.path().join("data");
        let pg = match db {
            Db::Postgres => Some(crate::helpers::create_postgres_database().await),
            Db::Sqlite => None,
        };
        let configure = |c: &mut server::config::Config| {
            c.data_dir = data_dir.clone();
            c.database_url = pg.as_ref().map(|(url, _)| url.clone());
        };
        let app = TestApp::spawn_with(db, configure).await;
        let case_no = accepted_case(&app).await;
        advance_days(&app, 40);
        assert_eq!(app.state.deadlines().scan().await.expect("a scan").len(), 2);
        let deleted = server::on_pool!(app.state.store.pool(), |p| sqlx::query("DELETE FROM supervision_cards")
            .execute(p)
            .await
            .map(|r| r.rows_affected()));
        assert!(deleted.is_err(), "{db:?}: cards are never deleted");
        app.finish().await;

        let again = TestApp::spawn_with(db, configure).await;
        assert_eq!(cards_of(&again, &case_no).await.len(), 2, "{db:?}: the cards are still there");
        advance_days(&again, 40);
        assert!(again.state.deadlines().scan().await.expect("a scan").is_empty(), "{db:?}: and raised once");
        again.finish().await;
        if let Some((_, name)) = pg {
            crate::helpers::drop_postgres_database(&name).await;
        }
    }
}

both! {
    async fn the_dashboard_counts_open_cases_and_its_stream_brings_a_new_card_without_asking(app) {
        let cases = accepted_cases(app, 2).await;
        let case_no = cases[0].clone();
        let supervisor = app.sign_in_demo("郑华").await;
        let undertaker = app.sign_in_demo("刘洋").await;
        expect_problem(call(app, Method::GET, "/api/v1/supervision/overview", &undertaker, None).await, 403, "forbidden").await;
        // The other case concludes the day it was accepted: on time, in no working day.
        act_ok(app, &undertaker, &cases[1], json!({"action": "undertake", "comment": "同意"})).await;
        act_ok(app, &app.sign_in_demo("周婷").await, &cases[1], json!({"action": "review", "comment": "同意"})).await;
        act_ok(app, &app.sign_in_demo("吴刚").await, &cases[1], json!({"action": "approve", "comment": "准予许可"})).await;
        let overview: SupervisionOverview =
            call(app, Method::GET, "/api/v1/supervision/overview", &supervisor, None).await.json().await.expect("an overview");
        let samr = overview.by_department.iter().find(|c| c.key == "DG-SAMR").expect("the regulator's open cases");
        assert_eq!((samr.open, samr.yellow, samr.red), (1, 0, 0));
        assert!(overview.by_item.iter().any(|c| c.key == ITEM && c.open == 1));
        assert_eq!(overview.by_hall.iter().map(|c| c.open).sum::<u64>(), 1);
        assert_eq!(overview.cards_by_day.len(), 30);
        let samr_rate = overview.on_time.iter().find(|r| r.department.code == "DG-SAMR").expect("a rate");
        assert_eq!((samr_rate.concluded, samr_rate.on_time), (1, 1));
        let took = overview.durations.iter().find(|d| d.item_code == ITEM).expect("its processing times");
        assert_eq!(took.counts, [1, 0, 0, 0, 0, 0, 0]);

        // The stream sends the overview at once, then again when the scan raises cards.
        let mut stream = call(app, Method::GET, "/api/v1/supervision/stream", &supervisor, None).await;
        assert_eq!(stream.status(), StatusCode::OK);
        assert!(stream.headers()["content-type"].to_str().expect("text").starts_with("text/event-stream"));
        let first = next_overview(&mut stream).await;
        assert!(first.cards.is_empty());
        advance_days(app, 40);
        app.state.deadlines().scan().await.expect("a scan");
        let next = next_overview(&mut stream).await;
        assert_eq!(next.unresolved_cards, 2);
        assert!(next.cards.iter().any(|c| c.case_no == case_no && c.color == CardColor::Red));
        let samr = next.by_department.iter().find(|c| c.key == "DG-SAMR").expect("counted");
        assert_eq!((samr.open, samr.yellow, samr.red), (1, 1, 1));
        let today = app.state.clock.today();
        let raised = next.cards_by_day.iter().find(|d| d.day == today).expect("today");
        assert_eq!((raised.yellow, raised.red), (1, 1));
    }
}

/// Reads a dashboard stream up to its next `overview` event.
async fn next_overview(stream: &mut reqwest::Response) -> SupervisionOverview {
    let mut text = String::new();
    loop {
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), stream.chunk())
            .await
            .expect("an event within 10 s")
            .expect("the stream reads")
            .expect("the stream goes on");
        text.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        if let Some(end) = text.find("\n\n") {
            let event = &text[..end];
            if event.lines().any(|l| l == "event: overview") {
                let data: String = event.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
                return serde_json::from_str(&data).expect("an overview");
            }
            text = text[end + 2..].to_owned();
        }
    }
}
