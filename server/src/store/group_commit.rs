//! 成组写入 — a whole group of submissions in a few statements: what its rows depend on read
//! first (the authorizations filed under, the keys and the consents each at once, the audit
//! chain's head), then every table's rows in one multi-row `INSERT` and the group's audit events
//! chained in one pass, all written as one [`Batch`]. Each statement costs a round trip to
//! PostgreSQL and a hand-off to SQLite's connection thread, and the writer runs them one after
//! another; on SQLite a batch is one hand-off: a group takes five (begin, keys, the chain's
//! head, the batch, commit). Where the rest of a group's time goes is in BENCHMARKS.md.
//!
//! A group is all or nothing here: when any statement fails, the writer rolls the group back
//! and writes it again one submission at a time, each in a savepoint, so that one bad
//! submission does not sink the others ([`super::Store::write_submissions`]).

use std::collections::HashMap;
use std::sync::LazyLock;

use super::applications::{IdempotentRow, KEY_ANSWER, KeyAnswerRow};
use super::rows::{Batch, Cell, Rows};
use super::submissions::{Idempotency, NewApplication, Outcome, Submission, first_step, submission_event};
use super::{Timestamp, UnitOfWork};

/// Keys looked up per statement on SQLite.
const KEYS_PER_LOOKUP: usize = 500;

/// A stored key and its answer.
#[derive(sqlx::FromRow)]
struct KeyedAnswerRow {
    scope: String,
    key: String,
    #[sqlx(flatten)]
    answer: KeyAnswerRow,
}

impl UnitOfWork {
    /// Writes `group` in this transaction and answers what became of each submission: what
    /// the group's rows depend on is read first (authorizations, keys, consents, the audit
    /// chain's head), and then every row is written in one batch ([`Batch`]).
    pub(super) async fn write_group(&mut self, group: &[&Submission]) -> Result<Vec<Outcome>, sqlx::Error> {
        let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(group.len());
        for s in group {
            let a = &s.application;
            let lapsed = match &a.proxy {
                Some((_, grant)) => {
                    let today = a.submitted_at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
                    !self.proxy_holds(grant, today).await?
                }
                None => false,
            };
            outcomes.push(lapsed.then_some(Outcome::ProxyLapsed));
        }
        let new_keys = self.claim_keys(group, &mut outcomes).await?;
        let created: Vec<&NewApplication> =
            group.iter().zip(&outcomes).filter(|(_, o)| o.is_none()).map(|(s, _)| &s.application).collect();
        for a in created.iter().filter(|a| a.draft.is_some()) {
            self.remove_draft(a).await?;
        }
        let kept = self.answers_to_keep(&created).await?;
        let files: Vec<Vec<String>> = created.iter().map(|a| super::submissions::files_of(a)).collect();
        let events: Vec<_> = created.iter().zip(&files).map(|(a, files)| submission_event(a, files)).collect();
        let chained = self.chain(&events).await?;
        let ids = LogIds::for_group(&created);

        let mut batch = Batch::default();
        batch.rows(application_rows(&created));
        batch.rows(key_rows(&new_keys));
        let (cases, steps) = case_rows(&created, &ids.steps);
        batch.rows(cases);
        batch.rows(steps);
        batch.rows(material_rows(&created));
        batch.rows(read_rows(&created, &ids.reads));
        batch.rows(kept);
        chained.write_into(&mut batch);
        self.write_batch(&batch).await?;
        Ok(outcomes.into_iter().map(|o| o.unwrap_or(Outcome::Created)).collect())
    }

    /// Replays a key stored before, or sent earlier in the same group; the other keys are the
    /// group's to write.
    async fn claim_keys<'s>(
        &mut self,
        group: &[&'s Submission],
        outcomes: &mut [Option<Outcome>],
    ) -> Result<Vec<(&'s Idempotency, Timestamp)>, sqlx::Error> {
        let keyed: Vec<&Idempotency> = group
            .iter()
            .zip(outcomes.iter())
            .filter(|(_, o)| o.is_none())
            .filter_map(|(s, _)| s.idempotency.as_ref())
            .collect();
        let mut known = self.stored_keys(&keyed).await?;
        let mut new_keys = Vec::new();
        for (s, outcome) in group.iter().zip(outcomes.iter_mut()) {
            let Some(idem) = s.idempotency.as_ref().filter(|_| outcome.is_none()) else { continue };
            let id = (idem.scope.clone(), idem.key.clone());
            if let Some(row) = known.get(&id) {
                *outcome = Some(Outcome::Replayed(row.clone()));
                continue;
            }
            let first =
                IdempotentRow { body_sha256: idem.body_sha256.clone(), status: 201, response: idem.response.clone() };
            known.insert(id, first);
            new_keys.push((idem, Timestamp::from(s.application.submitted_at)));
        }
        Ok(new_keys)
    }

    /// The stored answers of `keys`, by (scope, key), each pair found on the key table's
    /// primary key, whoever's they are (a group's submissions are mostly of as many
    /// applicants). On PostgreSQL one query of two arrays, whose text is the same for every
    /// group; on SQLite one for a few hundred keys.
    async fn stored_keys(
        &mut self,
        keys: &[&Idempotency],
    ) -> Result<HashMap<(String, String), IdempotentRow>, sqlx::Error> {
        let rows: Vec<KeyedAnswerRow> = match self.tx() {
            super::Tx::Postgres(t) => {
                static SQL: LazyLock<String> = LazyLock::new(|| {
                    format!(
                        "SELECT k.scope, k.key, {KEY_ANSWER} \
                         WHERE (k.scope, k.key) IN (SELECT * FROM UNNEST($1::text[], $2::text[]))"
                    )
                });
                let scopes: Vec<&str> = keys.iter().map(|k| k.scope.as_str()).collect();
                let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
                sqlx::query_as(&SQL).bind(scopes).bind(names).fetch_all(&mut **t).await?
            }
            super::Tx::Sqlite(t) => {
                let mut rows = Vec::new();
                for chunk in keys.chunks(KEYS_PER_LOOKUP) {
                    let pairs = vec!["(?, ?)"; chunk.len()].join(", ");
                    let sql = format!("SELECT k.scope, k.key, {KEY_ANSWER} WHERE (k.scope, k.key) IN (VALUES {pairs})");
                    let mut query = sqlx::query_as(&sql);
                    for k in chunk {
                        query = query.bind(k.scope.as_str()).bind(k.key.as_str());
                    }
                    rows.extend(query.fetch_all(&mut **t).await?);
                }
                rows
            }
        };
        let mut found = HashMap::new();
        for row in rows {
            found.insert((row.scope, row.key), row.answer.try_into()?);
        }
        Ok(found)
    }
}

/// The ids of the rows a group appends to logs, made before its rows borrow them.
struct LogIds {
    /// One per case: its first step.
    steps: Vec<String>,
    /// One per library read.
    reads: Vec<String>,
}

impl LogIds {
    fn for_group(created: &[&NewApplication]) -> Self {
        let cases = created.iter().map(|a| a.cases.len()).sum::<usize>();
        let reads = created.iter().map(|a| a.access.len()).sum::<usize>();
        Self {
            steps: (0..cases).map(|_| super::log_row_id()).collect(),
            reads: (0..reads).map(|_| super::log_row_id()).collect(),
        }
    }
}

fn key_rows<'a>(keys: &[(&'a Idempotency, Timestamp)]) -> Rows<'a> {
    let mut rows = Rows::new(
        "idempotency_keys",
        &["scope", "key", "body_sha256", "status", "response", "application_no", "created_at"],
    );
    for (k, at) in keys {
        rows.push([
            Cell::Text(&k.scope),
            Cell::Text(&k.key),
            Cell::Text(&k.body_sha256),
            Cell::Int(201),
            Cell::MaybeText(k.stored_body()),
            Cell::MaybeText(k.application_no.as_deref()),
            Cell::At(*at),
        ]);
    }
    rows
}

/// The applications.
fn application_rows<'a>(created: &[&'a NewApplication]) -> Rows<'a> {
    let mut rows = Rows::new(
        "applications",
        &[
            "application_no",
            "applicant_person_id",
            "applicant_uscc",
            "filed_by",
            "submitted_at",
            "form",
            "answers",
            "pledge_text",
            "receipt",
            "delivery",
            "delivery_hall",
            "delivery_address",
            "channel",
            "proxy_id",
            "proxy_grant",
        ],
    );
    for a in created {
        rows.push([
            Cell::Text(&a.application_no),
            Cell::Text(&a.applicant_person_id),
            Cell::MaybeText(a.applicant_uscc.as_deref()),
            Cell::MaybeText(a.filed_by.as_deref()),
            Cell::At(Timestamp::from(a.submitted_at)),
            Cell::Document(&a.form),
            Cell::Text(&a.answers),
            Cell::MaybeText(a.pledge_text.as_deref()),
            Cell::Document(&a.receipt),
            Cell::Text(a.delivery.as_str()),
            Cell::MaybeText(a.delivery_hall.as_deref()),
            Cell::MaybeText(a.delivery_address.as_deref()),
            Cell::Text(a.channel.as_str()),
            Cell::MaybeText(a.proxy.as_ref().map(|(person, _)| person.as_str())),
            Cell::MaybeText(a.proxy.as_ref().map(|(_, grant)| grant.as_str())),
        ]);
    }
    rows
}

/// Every case of the group, and each one's first step (`ids`, one per case in order).
fn case_rows<'a>(created: &[&'a NewApplication], ids: &'a [String]) -> (Rows<'a>, Rows<'a>) {
    let mut cases = Rows::new(
        "cases",
        &[
            "case_no",
            "application_no",
            "item_code",
            "item_version",
            "item_name_zh",
            "item_name_en",
            "department_code",
            "status",
            "pledged",
            "promised_working_days",
            "created_at",
            "stage",
        ],
    );
    let mut steps =
        Rows::new("case_events", &["id", "case_no", "seq", "at", "status", "actor_id", "note_zh", "note_en"]);
    let all = created.iter().flat_map(|a| a.cases.iter().map(move |case| (*a, case)));
    for ((a, case), id) in all.zip(ids) {
        let at = Timestamp::from(a.submitted_at);
        let step = first_step(a, case);
        cases.push([
            Cell::Text(&case.case_no),
            Cell::Text(&a.application_no),
            Cell::Text(&case.item_code),
            Cell::Int(case.item_version),
            Cell::Text(&case.name_zh),
            Cell::Text(&case.name_en),
            Cell::Text(&case.department_code),
            Cell::Text(step.status.as_str()),
            Cell::Bool(case.pledged),
            Cell::Int(case.promised_working_days),
            Cell::At(at),
            Cell::Int(case.stage),
        ]);
        steps.push([
            Cell::Text(id),
            Cell::Text(&case.case_no),
            Cell::Int(1),
            Cell::At(at),
            Cell::Text(step.status.as_str()),
            Cell::Text(a.filed_by.as_deref().unwrap_or(&a.applicant_person_id)),
            Cell::Text(step.note_zh),
            Cell::Text(step.note_en),
        ]);
    }
    (cases, steps)
}

/// Every material of the group's cases.
fn material_rows<'a>(created: &[&'a NewApplication]) -> Rows<'a> {
    let mut materials =
        Rows::new("case_materials", &["case_no", "material_key", "source", "license_id", "upload_id", "sha256"]);
    for m in created.iter().flat_map(|a| &a.materials) {
        materials.push([
            Cell::Text(&m.case_no),
            Cell::Text(&m.material_key),
            Cell::Text(m.source.as_str()),
            Cell::MaybeText(m.license_id.as_deref()),
            Cell::MaybeText(m.upload_id.as_deref()),
            Cell::MaybeText(m.sha256.as_deref()),
        ]);
    }
    materials
}

/// The library reads the group made (`ids`, one per read in order).
fn read_rows<'a>(created: &[&'a NewApplication], ids: &'a [String]) -> Rows<'a> {
    let mut rows = Rows::new(
        "e_license_access",
        &[
            "id",
            "at",
            "license_id",
            "holder_key",
            "actor_id",
            "acting_uscc",
            "on_behalf_of",
            "purpose",
            "application_no",
        ],
    );
    for (e, id) in created.iter().flat_map(|a| &a.access).zip(ids) {
        rows.push([
            Cell::Text(id),
            Cell::At(Timestamp::from(e.at)),
            Cell::Text(&e.license_id),
            Cell::Text(&e.holder_key),
            Cell::Text(&e.actor_id),
            Cell::MaybeText(e.acting_uscc.as_deref()),
            Cell::MaybeText(e.on_behalf_of.as_deref()),
            Cell::Text(e.purpose.as_str()),
            Cell::MaybeText(e.application_no.as_deref()),
        ]);
    }
    rows
}
