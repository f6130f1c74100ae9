//! 受理方案 — what a checked submission produces, decided without a database or a clock: one
//! case per item with the working days it promises, the materials each case receives (the
//! library's license, the applicant's files, or the signed pledge), and what the receipt says
//! was received. The service gathers the inputs, this plans, the store writes.

use std::collections::BTreeMap;

use shared::application::{
    CaseReceipt, CaseStatus, FormAnswers, MaterialSource, NeededMaterial, OneForm, ReceivedMaterial,
};

use crate::store::submissions::{NewCase, NewCaseMaterial};

/// What a submission is planned from.
#[derive(Clone, Copy, Debug)]
pub struct PlanInput<'a> {
    /// 申办编号; the cases are numbered `<application_no>-01`, `-02`, … in form order.
    pub application_no: &'a str,
    /// The one form of the items, as compiled for this applicant.
    pub form: &'a OneForm,
    /// The answers, already validated against the form.
    pub answers: &'a FormAnswers,
    /// The library's license that supplies each e-license type (type key → license id).
    pub licenses: &'a BTreeMap<String, String>,
    /// The applicant's uploads named in the answers (upload id → SHA-256 of the content).
    pub uploads: &'a BTreeMap<String, String>,
    /// The stage of each item (by code) of a staged application; items not named start at once.
    pub stages: &'a BTreeMap<String, u32>,
}

/// What a submission writes and answers.
#[derive(Clone, Debug)]
pub struct Plan {
    /// One case per item.
    pub cases: Vec<NewCase>,
    /// The materials of every case.
    pub materials: Vec<NewCaseMaterial>,
    /// The cases as the receipt lists them.
    pub case_receipts: Vec<CaseReceipt>,
    /// The materials as the receipt lists them.
    pub received: Vec<ReceivedMaterial>,
}

/// Plans a submission (see the module's comment).
pub fn plan(input: PlanInput<'_>) -> Plan {
    let PlanInput { application_no, form, answers, .. } = input;
    let needed = form.needed_materials(answers);
    let mut plan = Plan {
        cases: Vec::with_capacity(form.items.len()),
        materials: Vec::new(),
        case_receipts: Vec::with_capacity(form.items.len()),
        received: needed.iter().map(|m| received(m, answers)).collect(),
    };
    for (i, item) in form.items.iter().enumerate() {
        let case_no = format!("{application_no}-{:02}", i + 1);
        let pledged = answers.pledged_items.contains(&item.code);
        let promised = if pledged {
            item.pledge_working_days.unwrap_or(item.promised_working_days)
        } else {
            item.promised_working_days
        };
        let stage = input.stages.get(item.code.as_str()).copied().unwrap_or(0);
        for m in needed.iter().filter(|m| m.items.contains(&item.code)) {
            plan.materials.extend(case_materials(&input, &case_no, m));
        }
        plan.cases.push(NewCase {
            case_no: case_no.clone(),
            item_code: item.code.to_string(),
            item_version: i64::from(item.version),
            name_zh: item.name.zh.clone(),
            name_en: item.name.en.clone(),
            department_code: item.department_code.clone(),
            pledged,
            promised_working_days: i64::from(promised),
            stage: i64::from(stage),
        });
        plan.case_receipts.push(CaseReceipt {
            case_no,
            item_code: item.code.clone(),
            item_name: item.name.clone(),
            department: item.department_name.clone(),
            limit_kind: item.limit_kind,
            promised_working_days: promised,
            pledged,
            status: if stage > 0 { CaseStatus::Waiting } else { CaseStatus::Submitted },
        });
    }
    plan
}

/// The rows one needed material gives one case: one per uploaded file, else one.
fn case_materials(input: &PlanInput<'_>, case_no: &str, m: &NeededMaterial) -> Vec<NewCaseMaterial> {
    let row = |license_id: Option<String>, upload_id: Option<&String>| NewCaseMaterial {
        case_no: case_no.to_owned(),
        material_key: m.key.clone(),
        source: m.source,
        license_id,
        upload_id: upload_id.cloned(),
        sha256: upload_id.and_then(|id| input.uploads.get(id)).cloned(),
    };
    match m.source {
        MaterialSource::Library => {
            let license = input
                .form
                .materials
                .iter()
                .find(|fm| fm.key == m.key)
                .and_then(|fm| fm.e_license.as_ref())
                .and_then(|l| input.licenses.get(&l.key));
            vec![row(license.cloned(), None)]
        }
        MaterialSource::Pledge | MaterialSource::Authorization | MaterialSource::Issued => vec![row(None, None)],
        MaterialSource::Upload => {
            input.answers.materials.get(&m.key).into_iter().flatten().map(|id| row(None, Some(id))).collect()
        }
    }
}

fn received(m: &NeededMaterial, answers: &FormAnswers) -> ReceivedMaterial {
    ReceivedMaterial {
        key: m.key.clone(),
        name: m.name.clone(),
        source: m.source,
        files: u32::try_from(answers.materials.get(&m.key).map_or(0, Vec::len)).unwrap_or(u32::MAX),
        items: m.items.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use shared::application::compile;
    use shared::catalogue::{ItemCode, ServiceItem};

    use super::*;

    fn demo_items(codes: &[&str]) -> Vec<ServiceItem> {
        let demo = crate::demo::DemoCatalogue::load().expect("the demo catalogue loads");
        codes
            .iter()
            .map(|code| demo.items.iter().find(|i| i.code.as_str() == *code).cloned().expect("a demo item"))
            .collect()
    }

    #[test]
    fn each_item_is_a_case_and_a_shared_library_material_reaches_every_case() {
        // 开办企业: company registration and seal engraving; the library holds every e-license
        // either asks for.
        let items = demo_items(&["DG-QY-0001", "DG-QY-0004"]);
        let unheld = compile(&items, &BTreeSet::new()).expect("the items combine");
        let held: BTreeSet<String> =
            unheld.materials.iter().filter_map(|m| m.e_license.as_ref()).map(|l| l.key.clone()).collect();
        let form = compile(&items, &held).expect("the items combine");
        let answers = FormAnswers::default();
        let licenses: BTreeMap<String, String> = held.iter().map(|key| (key.clone(), format!("lic-{key}"))).collect();
        let shared_material = form
            .needed_materials(&answers)
            .into_iter()
            .find(|m| m.source == MaterialSource::Library && m.items.len() == 2)
            .expect("a library material both items need");
        let plan = plan(PlanInput {
            application_no: "YW20261126ABCDEFGHJK",
            form: &form,
            answers: &answers,
            licenses: &licenses,
            uploads: &BTreeMap::new(),
            stages: &BTreeMap::from([("DG-QY-0004".to_owned(), 1)]),
        });
        let case_nos: Vec<&str> = plan.cases.iter().map(|c| c.case_no.as_str()).collect();
        assert_eq!(case_nos, ["YW20261126ABCDEFGHJK-01", "YW20261126ABCDEFGHJK-02"]);
        let stages: Vec<_> = plan.case_receipts.iter().map(|c| c.status).collect();
        assert_eq!(stages, [CaseStatus::Submitted, CaseStatus::Waiting], "the seal waits for the registration");
        assert_eq!(plan.cases[1].stage, 1);
        for case in &plan.cases {
            let rows: Vec<_> = plan
                .materials
                .iter()
                .filter(|m| m.case_no == case.case_no && m.material_key == shared_material.key)
                .collect();
            assert_eq!(rows.len(), 1, "{} receives {} once", case.case_no, shared_material.key);
            assert!(rows[0].license_id.as_deref().is_some_and(|id| id.starts_with("lic-")));
        }
        let listed = plan.received.iter().filter(|r| r.key == shared_material.key).count();
        assert_eq!(listed, 1, "the receipt lists a shared material once");
    }

    #[test]
    fn every_uploaded_file_is_a_material_row_and_a_pledge_shortens_the_promise() {
        let items = demo_items(&["DG-GR-0011"]);
        let form = compile(&items, &BTreeSet::new()).expect("one item");
        let item = &form.items[0];
        let upload_key = form
            .materials
            .iter()
            .find(|m| !m.in_library && m.e_license.is_none())
            .map(|m| m.key.clone())
            .expect("an uploaded material");
        let mut answers = FormAnswers::default();
        answers.materials.insert(upload_key.clone(), vec!["u1".to_owned(), "u2".to_owned()]);
        let uploads = BTreeMap::from([("u1".to_owned(), "aa".to_owned()), ("u2".to_owned(), "bb".to_owned())]);
        let licenses = BTreeMap::new();
        let input = PlanInput {
            application_no: "YW2026112600000000CD",
            form: &form,
            answers: &answers,
            licenses: &licenses,
            uploads: &uploads,
            stages: &BTreeMap::new(),
        };
        let unpledged = plan(input);
        let files: Vec<_> = unpledged.materials.iter().filter(|m| m.material_key == upload_key).collect();
        assert_eq!(files.len(), 2);
        assert_eq!(files[1].sha256.as_deref(), Some("bb"));
        assert_eq!(unpledged.received.iter().find(|r| r.key == upload_key).map(|r| r.files), Some(2));
        assert_eq!(unpledged.cases[0].promised_working_days, i64::from(item.promised_working_days));
        assert!(!unpledged.cases[0].pledged);

        if let Some(days) = item.pledge_working_days {
            let mut pledged = answers.clone();
            pledged.pledged_items.insert(ItemCode::parse(item.code.as_str()).expect("a code"));
            let plan = plan(PlanInput { answers: &pledged, ..input });
            assert!(plan.cases[0].pledged);
            assert_eq!(plan.cases[0].promised_working_days, i64::from(days));
            assert!(plan.materials.iter().any(|m| m.source == MaterialSource::Pledge));
        }
    }
}
