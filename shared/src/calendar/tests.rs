use proptest::prelude::*;

use super::*;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

fn official() -> WorkingCalendar {
    WorkingCalendar::new(official_notices().expect("the shipped notices parse"))
}

fn pause(kind: PauseKind, from: &str, until: Option<&str>) -> Pause {
    Pause { kind, reason: "测试".into(), from: date(from), until: until.map(date) }
}

/// Working days in `(after, through]`, by the calendar's own day kinds.
fn working_between(cal: &WorkingCalendar, after: NaiveDate, through: NaiveDate) -> u32 {
    after.iter_days().skip(1).take_while(|d| *d <= through).filter(|d| cal.day(*d).is_working()).count() as u32
}

#[test]
fn the_shipped_notices_are_valid_and_give_248_working_days_a_year() {
    let notices = official_notices().expect("the shipped notices parse");
    assert_eq!(notices.iter().map(|n| n.year).collect::<Vec<_>>(), [2025, 2026]);
    for n in &notices {
        assert_eq!(n.check(), Vec::new(), "{}", n.year);
    }
    let cal = official();
    assert_eq!(cal.year(2025).working_days, 248);
    assert_eq!(cal.year(2026).working_days, 248);
    assert!(!cal.year(2026).assumed);
    assert_eq!(cal.year(2026).days.len(), 365);
    assert!(cal.year(2027).assumed);
}

#[test]
fn days_are_classified_by_the_notice() {
    let cal = official();
    let kind = |s| cal.day(date(s));
    assert_eq!(kind("2026-02-16"), DayKind::Holiday { name: Bilingual::new("春节", "Spring Festival") });
    assert_eq!(kind("2026-02-14"), DayKind::MakeUp { holiday: Bilingual::new("春节", "Spring Festival") });
    assert_eq!(kind("2026-02-21"), DayKind::Holiday { name: Bilingual::new("春节", "Spring Festival") });
    assert_eq!(kind("2026-03-07"), DayKind::Weekend);
    assert_eq!(kind("2026-03-09"), DayKind::Working);
    // Mid-Autumn and National Day are separate holidays in 2026, one in 2025.
    assert_eq!(kind("2026-09-20"), DayKind::MakeUp { holiday: Bilingual::new("国庆节", "National Day") });
    assert!(matches!(kind("2025-10-06"), DayKind::Holiday { name } if name.zh == "国庆节、中秋节"));
}

/// Each row: accepted on, limit, due — counted by hand over the 2025 and 2026 notices.
const TABLE: &[(&str, u32, &str)] = &[
    // Spring Festival 2026: Saturday 14 February is worked, 15–23 February are off.
    ("2026-02-13", 1, "2026-02-14"),
    ("2026-02-13", 2, "2026-02-24"),
    ("2026-02-12", 3, "2026-02-24"),
    // Spring Festival 2025: Sunday 26 January is worked, 28 January – 4 February off, and
    // Saturday 8 February worked.
    ("2025-01-24", 1, "2025-01-26"),
    ("2025-01-24", 2, "2025-01-27"),
    ("2025-01-24", 5, "2025-02-07"),
    // National Day 2025: 1–8 October off, Saturday 11 October worked.
    ("2025-09-30", 1, "2025-10-09"),
    ("2025-09-30", 3, "2025-10-11"),
    // National Day 2026: 1–7 October off, Saturday 10 October worked.
    ("2026-09-30", 5, "2026-10-13"),
    // Accepted on a holiday, on a make-up day, on the Saturday before a make-up Sunday.
    ("2025-10-03", 1, "2025-10-09"),
    ("2025-09-28", 1, "2025-09-29"),
    ("2025-09-27", 1, "2025-09-28"),
    // New Year 2026 (1–3 January off, Sunday 4 January worked), across the years.
    ("2025-12-31", 1, "2026-01-04"),
    ("2025-12-31", 3, "2026-01-06"),
    // Labour Day 2026, Dragon Boat 2026.
    ("2026-05-08", 1, "2026-05-09"),
    ("2026-04-30", 5, "2026-05-11"),
    ("2026-06-18", 1, "2026-06-22"),
    // Limits of 0 (concluded on the spot) and of 60.
    ("2026-02-16", 0, "2026-02-16"),
    ("2026-01-05", 60, "2026-04-03"),
    ("2025-12-01", 20, "2025-12-29"),
];

#[test]
fn due_dates_over_2025_and_2026_match_the_table() {
    let cal = official();
    for (from, n, due) in TABLE {
        let got = cal.due(date(from), *n);
        assert_eq!(got.due, date(due), "{from} + {n}");
        assert!(!got.assumed, "{from} + {n}");
    }
}

#[test]
fn an_explanation_names_each_day_skipped_and_each_make_up_day() {
    let due = official().due(date("2026-02-13"), 2);
    let facts: Vec<&DueFact> = due.explanation.iter().map(|n| &n.fact).collect();
    let spring = Bilingual::new("春节", "Spring Festival");
    assert_eq!(
        facts,
        [
            &DueFact::Start { accepted_on: date("2026-02-13"), working_days: 2 },
            &DueFact::MadeUp { date: date("2026-02-14"), holiday: spring.clone() },
            &DueFact::Skipped {
                from: date("2026-02-15"),
                to: date("2026-02-23"),
                reason: DayKind::Holiday { name: spring }
            },
            &DueFact::End { due: date("2026-02-24") },
        ]
    );
    assert_eq!(due.explanation[2].text.zh, "2026-02-15 至 2026-02-23 春节假期，不计入");
    assert_eq!(due.explanation[1].text.en, "2026-02-14 is a make-up working day for Spring Festival: counted");
    let weekend = official().due(date("2026-03-06"), 1);
    assert_eq!(weekend.explanation[1].text.en, "2026-03-07 to 2026-03-08: weekend, not counted");
}

#[test]
fn a_year_without_a_notice_is_counted_as_weekdays_and_says_so() {
    let cal = official();
    // 2027-01-01 is a Friday: with no notice entered it is a working day, but the answer says
    // it assumed so.
    let due = cal.due(date("2026-12-31"), 1);
    assert_eq!(due.due, date("2027-01-01"));
    assert!(due.assumed);
    assert!(due.explanation.iter().any(|n| n.fact == DueFact::Assumed { year: 2027 }));
    assert!(due.explanation.iter().any(|n| n.text.zh.contains("2027 年的节假日安排尚未录入")));
    // Counting entirely within known years assumes nothing.
    assert!(!cal.due(date("2026-12-01"), 10).assumed);
    // A limit of 0 on a day of an unknown year relies on no other day, yet on that year.
    assert!(cal.due(date("2030-05-01"), 0).assumed);
}

#[test]
fn a_pause_spanning_a_holiday_moves_the_due_date_by_the_working_days_paused() {
    let cal = official();
    let unpaused = cal.due(date("2026-02-02"), 10);
    assert_eq!(unpaused.due, date("2026-02-14"));
    let clock = CaseClock {
        accepted_on: date("2026-02-02"),
        working_days: 10,
        pauses: vec![pause(PauseKind::Supplement, "2026-02-11", Some("2026-02-26"))],
        extension: None,
    };
    let due = clock.due(&cal, date("2026-03-10"));
    // 12, 13, 14 (a make-up Saturday), 24, 25 and 26 February are paused: six working days.
    assert_eq!(due.due, date("2026-03-02"));
    assert_eq!(due.due, cal.due(date("2026-02-02"), 16).due);
    let paused = due.explanation.iter().find_map(|n| match &n.fact {
        DueFact::Paused { working_days, .. } => Some(*working_days),
        _ => None,
    });
    assert_eq!(paused, Some(6));
}

#[test]
fn a_pause_that_lasts_runs_through_today_and_stops_the_alarm() {
    let cal = official();
    let clock = CaseClock {
        accepted_on: date("2026-03-02"),
        working_days: 5,
        pauses: vec![pause(PauseKind::OnSiteInspection, "2026-03-04", None)],
        extension: None,
    };
    // Two working days counted (3 and 4 March); paused since; on 20 March three remain.
    let reading = clock.read(&cal, date("2026-03-20"), warning_threshold(5, None));
    assert_eq!(reading.due.due, date("2026-03-25"));
    assert_eq!(reading.remaining, 3);
    assert_eq!(reading.alarm, Alarm::OnTime);
    assert_eq!(reading.paused.map(|p| p.kind), Some(PauseKind::OnSiteInspection));
}

#[test]
fn cards_follow_the_remaining_working_time() {
    let cal = official();
    let clock = CaseClock { accepted_on: date("2026-03-02"), working_days: 10, pauses: vec![], extension: None };
    let warn = warning_threshold(10, None);
    assert_eq!(warn, 2);
    let read = |d| clock.read(&cal, date(d), warn);
    assert_eq!(read("2026-03-02").remaining, 10);
    assert_eq!(read("2026-03-02").alarm, Alarm::OnTime);
    assert_eq!(read("2026-03-12").alarm, Alarm::OnTime); // 12, 13, 16 remain
    assert_eq!(read("2026-03-13").alarm, Alarm::Yellow); // 13 and 16 remain
    assert_eq!(read("2026-03-16").alarm, Alarm::Yellow); // the last day, until 24:00
    assert_eq!(read("2026-03-17").alarm, Alarm::Red);
    // An extension takes it back within its limit.
    let extended =
        CaseClock { extension: Some(Extension { working_days: 5, reason: "需补充论证".into() }), ..clock.clone() };
    let reading = extended.read(&cal, date("2026-03-17"), warn);
    assert_eq!(reading.due.due, date("2026-03-23"));
    assert_eq!(reading.alarm, Alarm::OnTime);
    assert!(reading.due.explanation.iter().any(|n| n.text.zh == "经批准延期 5 个工作日：需补充论证"));
    assert_eq!(
        reading.due.explanation[0].fact,
        DueFact::Start { accepted_on: date("2026-03-02"), working_days: 10 },
        "the promised limit, the extension told apart"
    );
}

#[test]
fn dates_are_said_in_plain_words() {
    let d = plain_date(date("2026-03-16"));
    assert_eq!((d.zh.as_str(), d.en.as_str()), ("2026年3月16日（星期一）", "Monday 16 March 2026"));
    assert_eq!(plain_date(date("2026-02-22")).zh, "2026年2月22日（星期日）");
}

#[test]
fn warning_thresholds_are_one_day_or_a_fifth() {
    assert_eq!(warning_threshold(1, None), 1);
    assert_eq!(warning_threshold(5, None), 1);
    assert_eq!(warning_threshold(6, None), 2);
    assert_eq!(warning_threshold(20, None), 4);
    assert_eq!(warning_threshold(60, None), 12);
    assert_eq!(warning_threshold(20, Some(3)), 3);
}

#[test]
fn notices_are_checked_field_by_field() {
    let mut n = official_notices().expect("parse").remove(1);
    n.make_up_days[0].date = date("2026-01-05"); // a Monday
    n.holidays[1].end = date("2026-02-10"); // before its start
    n.source = " ".into();
    let fields: Vec<String> = n.check().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["source", "holidays[1].end", "make_up_days[0].date"]);
    let mut far = official_notices().expect("parse").remove(0);
    far.holidays[0].start = date("2027-03-01");
    assert!(far.check().iter().any(|e| e.field == "holidays[0].start" && e.code == FieldCode::OutOfRange));
    let mut overlapping = official_notices().expect("parse").remove(0);
    overlapping.holidays[2].start = overlapping.holidays[1].end;
    overlapping.holidays[2].end = overlapping.holidays[1].end;
    assert!(overlapping.check().iter().any(|e| e.field == "holidays[2].start"));
    let year = YearNotice { year: 1999, ..official_notices().expect("parse").remove(0) };
    assert_eq!(year.check().first().map(|e| e.field.as_str()), Some("year"));
}

#[test]
fn due_queries_name_the_field_that_is_wrong() {
    let q = |from: &str, n: &str| DueQuery { from: from.into(), working_days: n.into() }.check();
    assert_eq!(q("2026-02-13", "2"), Ok((date("2026-02-13"), 2)));
    let fields = |r: Result<(NaiveDate, u32), Vec<FieldError>>| {
        r.expect_err("refused").into_iter().map(|e| (e.field, e.code)).collect::<Vec<_>>()
    };
    assert_eq!(fields(q("2026-02-30", "2")), [("from".into(), FieldCode::NotDate)]);
    assert_eq!(fields(q("13/02/2026", "2")), [("from".into(), FieldCode::NotDate)]);
    assert_eq!(fields(q("1850-01-01", "2")), [("from".into(), FieldCode::OutOfRange)]);
    assert_eq!(fields(q("2026-02-13", "-1")), [("working_days".into(), FieldCode::Negative)]);
    assert_eq!(fields(q("2026-02-13", "366")), [("working_days".into(), FieldCode::OutOfRange)]);
    assert_eq!(fields(q("2026-02-13", "1e9")), [("working_days".into(), FieldCode::NotInteger)]);
    assert_eq!(fields(q("x", "y")).len(), 2);
    // Written exactly: no sign, no leading zeros, no spaces, two-digit months and days.
    assert_eq!(fields(q("2026-2-13", "2")), [("from".into(), FieldCode::NotDate)]);
    assert_eq!(fields(q(" 2026-02-13", "2")), [("from".into(), FieldCode::NotDate)]);
    assert_eq!(fields(q("2026-02-13", "+2")), [("working_days".into(), FieldCode::NotInteger)]);
    assert_eq!(fields(q("2026-02-13", "02")), [("working_days".into(), FieldCode::NotInteger)]);
    assert_eq!(q("2026-02-13", "0"), Ok((date("2026-02-13"), 0)));
}

fn day_in_known_years() -> impl Strategy<Value = NaiveDate> {
    (0u64..700).prop_map(|n| date("2025-01-01") + Days::new(n))
}

proptest! {
    /// Counting N working days ends on a working day with exactly N working days after the day
    /// of acceptance, and one more day never ends earlier.
    #[test]
    fn the_due_date_is_the_nth_working_day(from in day_in_known_years(), n in 0u32..=60) {
        let cal = official();
        let due = cal.due(from, n);
        prop_assert_eq!(working_between(&cal, from, due.due), n);
        if n > 0 {
            prop_assert!(cal.day(due.due).is_working());
            prop_assert!(cal.due(from, n + 1).due > due.due);
        } else {
            prop_assert_eq!(due.due, from);
        }
        prop_assert_eq!(due.remaining(from), n);
    }

    /// A pause within the limit moves the due date by exactly the working days it covers.
    #[test]
    fn a_pause_moves_the_due_date_by_its_working_days(
        from in day_in_known_years(),
        n in 1u32..=40,
        start in 0u64..30,
        length in 0u64..30,
    ) {
        let cal = official();
        let (p, r) = (from + Days::new(start), from + Days::new(start + length));
        let clock = CaseClock {
            accepted_on: from,
            working_days: n,
            pauses: vec![Pause { kind: PauseKind::ExpertReview, reason: "评审".into(), from: p, until: Some(r) }],
            extension: None,
        };
        let due = clock.due(&cal, r);
        let paused = working_between(&cal, p, r.min(due.due));
        prop_assert_eq!(due.due, cal.due(from, n + paused).due);
        prop_assert!(!clock.pauses[0].covers(due.due, r));
        // The date alone is the date of the explained answer, for every share of the limit.
        for share in 0..=n + 2 {
            prop_assert_eq!(clock.due_date_after(&cal, r, share), clock.due_after(&cal, r, share).due);
        }
    }
}
