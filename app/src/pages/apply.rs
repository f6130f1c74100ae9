//! 在线申办 — one form for one or several items (一表申办). The form comes from the shared
//! one-form compiler; the same compiler checks the answers as the applicant types, and the
//! server checks them again on submission. Materials the e-license library holds are marked
//! as supplied; the rest upload with a progress bar. A draft resumes on any device.

use std::collections::BTreeMap;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use serde_json::Value;
use shared::application::{
    DeliveryChoice, Draft, FormAnswers, FormItem, FormResponse, KnownAnswer, MaterialSource, MergedField,
    NeededMaterial, SubmitRequest, UploadReceipt,
};
use shared::catalogue::{FieldType, ItemCode};
use shared::{Bilingual, FieldCode, FieldError};

use crate::api::{self, ApiError};
use crate::auth::{today, use_auth};
use crate::components::form::{ErrorSummary, SubmitState};
use crate::components::status::{Loading, ProblemView};
use crate::components::upload::{InFlight, UploadZone, Uploads};
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};
use crate::pages::account::RequireSignIn;

/// `/apply?items=A,B` or `/apply?draft=ID`; `/apply?items=A,B&bundle=CODE` first asks which of
/// the bundle's situations hold, and adds the items they bring.
#[component]
pub fn ApplyPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let bundle = move || query.with(|q| q.get("bundle").filter(|_| q.get("asked").is_none()));
    view! {
        <div class="container page">
            <h1>{move || i18n.t(Key::ApplyTitle)}</h1>
            <RequireSignIn>
                {move || match bundle() {
                    Some(code) => view! { <BundleQuestions code=code /> }.into_any(),
                    None => view! { <ApplyLoader /> }.into_any(),
                }}
            </RequireSignIn>
        </div>
    }
}

/// 情形选择 — before a bundle's form: the situations that add an item to it (the fire safety
/// check when the premises are a public gathering venue), asked once, each with the item it adds.
#[component]
fn BundleQuestions(code: String) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let bundles = Fetched::new(api::bundles);
    let chosen = RwSignal::new(Vec::<String>::new());
    move || {
        let code = code.clone();
        let navigate = navigate.clone();
        match bundles.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => view! { <ProblemView error=e retry=move || bundles.refetch() /> }.into_any(),
            Some(Ok(list)) => {
                let Some(bundle) = list.into_iter().find(|b| b.code == code) else {
                    return view! { <div class="notice"><p>{move || i18n.t(Key::NoItemsChosen)}</p></div> }.into_any();
                };
                let base: Vec<String> = bundle.items.iter().map(|c| c.to_string()).collect();
                let name = bundle.name.clone();
                let start = move |_| {
                    let mut items = base.clone();
                    items.extend(chosen.get_untracked());
                    navigate(&format!("/apply?items={}&bundle={code}&asked=1", items.join(",")), Default::default());
                };
                view! {
                    <section class="card guide-section bundle-questions" aria-labelledby="bundle-questions">
                        <h2 id="bundle-questions">{move || i18n.pick(&name)}</h2>
                        <p>{move || i18n.tr(
                            "开始填写前，请确认以下情形是否适用。适用的，本次申请一并办理对应事项：",
                            "Before you start, say which of these apply to you. Each one that applies adds its item to this application:",
                        )}</p>
                        <fieldset class="choices">
                            <legend class="visually-hidden">{move || i18n.tr("适用情形", "Situations")}</legend>
                            {bundle.conditional.into_iter().map(|c| {
                                let (condition, item) = (c.condition.name.clone(), c.name.clone());
                                let (k1, k2) = (c.item.to_string(), c.item.to_string());
                                view! {
                                    <Choice id=format!("bundle.{}", c.item)
                                        label=Signal::derive(move || format!("{} — {}{}", i18n.pick(&condition), i18n.tr("同时办理：", "also apply for: "), i18n.pick(&item)))
                                        checked=Signal::derive(move || chosen.with(|v| v.contains(&k1)))
                                        on_toggle=move |on| chosen.update(|v| { v.retain(|x| x != &k2); if on { v.push(k2.clone()); } }) />
                                }
                            }).collect_view()}
                        </fieldset>
                        <div class="actions">
                            <button type="button" class="button button--primary" on:click=start>
                                {move || i18n.tr("开始填写", "Start the form")}
                            </button>
                        </div>
                    </section>
                }
                .into_any()
            }
        }
    }
}

/// What the page starts from: the items in the address, or a saved draft.
#[derive(Clone)]
struct Start {
    items: Vec<String>,
    draft: Option<Draft>,
}

#[component]
fn ApplyLoader() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let start = Fetched::new(move || {
        let (items, draft_id) = query.with(|q| (q.get("items").unwrap_or_default(), q.get("draft")));
        async move {
            let start = match draft_id {
                Some(id) => {
                    let draft = api::drafts().await?.into_iter().find(|d| d.id.as_deref() == Some(id.as_str()));
                    match draft {
                        Some(d) => Start { items: d.items.clone(), draft: Some(d) },
                        None => Start { items: Vec::new(), draft: None },
                    }
                }
                None => Start {
                    items: items.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                    draft: None,
                },
            };
            if start.items.is_empty() {
                return Ok((start, None));
            }
            let form = api::one_form(start.items.clone()).await?;
            Ok::<_, ApiError>((start, Some(form)))
        }
    });
    move || match start.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(e)) => {
            // Items for the other kind of applicant: the account page switches who one acts for.
            let switch = matches!(&e, ApiError::Problem(p)
                if p.code == shared::ProblemCode::ProxyLapsed
                    || p.errors.iter().any(|f| matches!(f.code, FieldCode::NeedsEnterprise | FieldCode::NeedsPerson | FieldCode::FoundAsPerson)));
            // … and brings the person back to this form once they have chosen.
            let here = crate::auth::current_address();
            let account = match shared::text::safe_return_path(&here) {
                Some(path) => format!("/account?next={}", String::from(js_sys::encode_uri_component(path))),
                None => "/account".to_owned(),
            };
            view! {
                <ProblemView error=e retry=move || start.refetch() />
                {switch.then(|| view! { <a class="button button--primary" href=account>{move || i18n.t(Key::AccountTitle)}</a> })}
            }
            .into_any()
        }
        Some(Ok((_, None))) => view! {
            <div class="notice">
                <p>{move || i18n.t(Key::NoItemsChosen)}</p>
                <a class="button button--primary" href="/items">{move || i18n.t(Key::NavCatalogue)}</a>
            </div>
        }
        .into_any(),
        Some(Ok((start, Some(form)))) => view! { <ApplyForm start=start compiled=form /> }.into_any(),
    }
}

/// A new idempotency key for one application or action: kept across retries of the same one.
pub fn new_key() -> String {
    window()
        .crypto()
        .map(|c| c.random_uuid())
        .unwrap_or_else(|_| format!("{:x}{:x}", js_sys::Date::now() as u64, (js_sys::Math::random() * 1e16) as u64))
}

#[component]
fn ApplyForm(start: Start, compiled: FormResponse) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let form = StoredValue::new(compiled.form.clone());
    let items = StoredValue::new(start.items.clone());
    // What the platform knows is filled by the server, never sent: a draft's old answers to such
    // questions are left out.
    let mut resumed = start.draft.as_ref().map(|d| d.answers.clone()).unwrap_or_default();
    for known in &compiled.form.known {
        resumed.fields.remove(&known.key);
    }
    let answers = RwSignal::new(resumed);
    let draft_id = RwSignal::new(start.draft.as_ref().and_then(|d| d.id.clone()));
    let files = RwSignal::new(BTreeMap::<String, UploadReceipt>::new());
    // A resumed draft lists its files by name: ask for the names of the files already uploaded.
    if start.draft.as_ref().is_some_and(|d| !d.answers.materials.is_empty()) {
        spawn_local(async move {
            if let Ok(mine) = api::my_uploads().await {
                files.update(|f| f.extend(mine.into_iter().map(|u| (u.id.clone(), u))));
            }
        });
    }
    let in_flight = RwSignal::new(Vec::<InFlight>::new());
    let upload_errors = RwSignal::new(Vec::<FieldError>::new());
    let draft_notice = RwSignal::new(false);
    let key = StoredValue::new(new_key());
    let state = SubmitState::new();
    let delivery = RwSignal::new(DeliveryChoice::default());

    // The shared compiler, run as the applicant types.
    let local_errors = Memo::new(move |_| answers.with(|a| form.with_value(|f| f.validate(a, today()))));
    let shown_errors = Signal::derive(move || {
        let mut all = if state.attempted.get() {
            local_errors.get()
        } else {
            // Before the first submit, only answers already given are judged.
            answers.with(|a| {
                local_errors
                    .get()
                    .into_iter()
                    .filter(|e| {
                        e.field.strip_prefix("fields.").is_some_and(|k| a.fields.get(k).is_some_and(|v| !blank(v)))
                    })
                    .collect()
            })
        };
        all.extend(state.server_errors.get());
        all.extend(upload_errors.get());
        all
    });
    let needed = Memo::new(move |_| answers.with(|a| form.with_value(|f| f.needed_materials(a))));

    let submit = {
        let navigate = navigate.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            draft_notice.set(false);
            let uploading = !in_flight.with_untracked(Vec::is_empty);
            if !state.begin(local_errors.with_untracked(Vec::is_empty) && !uploading) {
                return;
            }
            let req = SubmitRequest {
                items: items.get_value(),
                answers: without_filled(&form.get_value(), answers.get_untracked()),
                draft_id: draft_id.get_untracked(),
                delivery: Some(delivery.get_untracked()),
            };
            let navigate = navigate.clone();
            spawn_local(async move {
                match api::submit(&req, &key.get_value()).await {
                    Ok(receipt) => {
                        state.pending.set(false);
                        navigate(&format!("/applications/{}", receipt.application_no), Default::default());
                    }
                    Err(e) => state.fail(&e),
                }
            });
        }
    };
    let save_draft = move |_| {
        draft_notice.set(false);
        let draft = Draft {
            id: draft_id.get_untracked(),
            items: items.get_value(),
            answers: without_filled(&form.get_value(), answers.get_untracked()),
            ..Draft::default()
        };
        spawn_local(async move {
            match api::save_draft(&draft).await {
                Ok(saved) => {
                    draft_id.set(saved.id);
                    draft_notice.set(true);
                }
                Err(e) => state.fail(&e),
            }
        });
    };

    view! {
        <form class="stack apply-form" on:submit=submit novalidate>
            <ErrorSummary message=state.message errors=Signal::derive(move || if state.attempted.get() { shown_errors.get() } else { Vec::new() }) node_ref=state.summary />
            <FormItems items=compiled.form.items.clone() founding=compiled.form.founding
                authorized_agent=compiled.form.authorized_agent />

            <Questions form=compiled.form.clone() answers=answers errors=shown_errors />
            <Situations form=compiled.form.clone() answers=answers />

            <Pledge items=compiled.form.items.clone() pledge_text=compiled.pledge_text.clone() answers=answers />

            <Delivery delivery=delivery errors=shown_errors />

            <section class="card guide-section" aria-labelledby="apply-materials">
                <h2 id="apply-materials">{move || i18n.t(Key::MaterialsTitle)}</h2>
                <ul class="material-list">
                    <For each=move || needed.get() key=|m| (m.key.clone(), m.source) let:material>
                        <MaterialRow material=material answers=answers files=files in_flight=in_flight
                            upload_errors=upload_errors errors=shown_errors />
                    </For>
                </ul>
            </section>

            {move || draft_notice.get().then(|| view! { <div class="notice notice--good" role="status"><p>{i18n.t(Key::DraftSaved)}</p></div> })}
            <div class="actions">
                // Nothing is saved or sent while a file is still on its way up.
                <button type="button" class="button button--secondary" on:click=save_draft
                    disabled=move || !in_flight.with(Vec::is_empty)>{move || i18n.t(Key::SaveDraft)}</button>
                <button type="submit" class="button button--primary"
                    disabled=move || state.pending.get() || !in_flight.with(Vec::is_empty)>
                    {move || i18n.t(if state.pending.get() { Key::Submitting } else { Key::SubmitApplication })}
                </button>
            </div>
        </form>
    }
}

/// 申请事项 — who applies and for which items, each with its department and promised time, and
/// what a new business's founder or a recorded agent should know before filling the form in.
#[component]
fn FormItems(items: Vec<FormItem>, founding: bool, authorized_agent: bool) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let applicant = move || {
        auth.identity.get().map(|me| match (&me.acting_for, &me.on_behalf_of) {
            (Some(e), _) => format!("{}（{}）", e.name, e.uscc),
            (None, None) if me.acting_principal.is_some() => {
                let grant = me.acting_principal.as_ref().map(|g| &g.principal);
                let (name, masked) = grant.map(|p| (p.name.clone(), p.id_number_masked.clone())).unwrap_or_default();
                format!("{name} {masked}（{}{}）", i18n.tr("委托代办，受托人：", "applied for by proxy "), me.name)
            }
            (None, Some(a)) => format!("{} {}", a.name, a.id_number_masked),
            (None, None) => format!("{} {}", me.name, me.id_number_masked),
        })
    };
    view! {
        <section class="card guide-section" aria-labelledby="apply-items">
            <h2 id="apply-items">{move || i18n.t(Key::ItemsInForm)}</h2>
            <p><strong>{move || i18n.t(Key::ApplyingFor)}": "</strong>{applicant}</p>
            {founding.then(|| view! {
                <p class="notice notice--info" data-testid="founding-note">{move || i18n.tr(
                    "设立登记：由您本人作为创办人申请，并担任新企业的法定代表人。登记核准后，营业执照和统一社会信用代码自动用于本次申请的后续事项。",
                    "Registering a new business: you apply as its founder and become its legal representative. Once the registration is approved, the business licence and credit code are used for the later items of this application.",
                )}</p>
            })}
            {authorized_agent.then(|| view! {
                <p class="notice notice--info" data-testid="agent-note">{move || i18n.tr(
                    "您作为经办人的授权已在系统中登记，无需上传授权委托书。",
                    "Your authorization as the business's agent is on record: no power of attorney is needed.",
                )}</p>
            })}
            <ul class="bullets">
                {items.into_iter().map(|item| {
                    let name = item.name.clone();
                    let dept = item.department_name.clone();
                    let days = item.promised_working_days;
                    view! {
                        <li>
                            <strong>{move || i18n.pick(&name)}</strong>
                            <span class="muted">" · "{move || i18n.pick(&dept)}" · "
                                {move || if days == 0 { i18n.t(Key::SameDay).to_owned() } else { i18n.fmt(Key::WorkingDays, days) }}
                            </span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// 告知承诺 — the pledge's text, and a box for each item that takes one: the applicant who
/// signs it for an item need not provide the materials the pledge stands in for.
#[component]
fn Pledge(items: Vec<FormItem>, pledge_text: Bilingual, answers: RwSignal<FormAnswers>) -> impl IntoView {
    let i18n = use_i18n();
    let pledge_items: Vec<(ItemCode, Bilingual)> =
        items.into_iter().filter(|i| i.pledge_allowed).map(|i| (i.code, i.name)).collect();
    (!pledge_items.is_empty()).then(|| {
        view! {
            <section class="card guide-section" aria-labelledby="apply-pledge">
                <h2 id="apply-pledge">{move || i18n.t(Key::PledgeTitle)}</h2>
                <blockquote class="pledge">{move || i18n.pick(&pledge_text)}</blockquote>
                {pledge_items.into_iter().map(|(code, name)| {
                    let (c1, c2) = (code.clone(), code.clone());
                    view! {
                        <Choice id=format!("pledged_items.{code}")
                            label=Signal::derive(move || format!("{} — {}", i18n.t(Key::PledgeSign), i18n.pick(&name)))
                            checked=Signal::derive(move || answers.with(|a| a.pledged_items.contains(&c1)))
                            on_toggle=move |on| answers.update(|a| { if on { a.pledged_items.insert(c2.clone()); } else { a.pledged_items.remove(&c2); } }) />
                    }
                }).collect_view()}
            </section>
        }
    })
}

/// 表单字段 — the questions of the form: those the platform knows shown with their origin (or
/// asked, when an answer waives them), the rest asked with the answer kept from last time offered.
#[component]
fn Questions(
    form: shared::application::OneForm,
    answers: RwSignal<FormAnswers>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    // Answers kept from earlier applications, with the person's consent (staff keep none).
    let suggestions = Fetched::new(move || async move {
        if auth.identity.get_untracked().is_some_and(|me| me.staff.is_none()) {
            api::suggestions().await
        } else {
            Ok(shared::memory::Suggestions::default())
        }
    });
    view! {
        <section class="card guide-section" aria-labelledby="apply-fields">
            <h2 id="apply-fields">{move || i18n.t(Key::FormFields)}</h2>
            {form.fields.clone().into_iter().map(|field| {
                match form.known.iter().find(|k| k.key == field.field.key).cloned() {
                    // Known unless an answer says otherwise (a founder filing for others
                    // names the legal representative): shown or asked as the answer stands.
                    Some(KnownAnswer { unless: Some(_), .. }) => {
                        let known = form.known.iter().find(|k| k.key == field.field.key).cloned();
                        let (deciding, key) = (form.clone(), field.field.key.clone());
                        let waived = Signal::derive(move || answers.with(|a| !deciding.fills(&key, a)));
                        let none = Signal::derive(|| None);
                        view! {
                            {move || if waived.get() {
                                view! { <FieldInput field=field.clone() answers=answers errors=errors suggested=none /> }.into_any()
                            } else {
                                known.clone().map(|known| view! { <KnownField field=field.clone() known=known /> })
                                    .into_any()
                            }}
                        }
                        .into_any()
                    }
                    Some(known) => view! { <KnownField field=field known=known /> }.into_any(),
                    None => {
                        let key = field.field.key.clone();
                        let kept = shared::memory::is_kept(&field.field);
                        let suggested = Signal::derive(move || {
                            kept.then(|| suggestions.get()).flatten().and_then(Result::ok).and_then(|s| {
                                s.entries.into_iter().find(|e| e.key == key).map(|e| e.value)
                            })
                        });
                        view! { <FieldInput field=field answers=answers errors=errors suggested=suggested /> }.into_any()
                    }
                }
            }).collect_view()}
        </section>
    }
}

/// 情形 — the situations the applicant says hold; one an answer decides follows from that
/// answer and is not asked again.
#[component]
fn Situations(form: shared::application::OneForm, answers: RwSignal<FormAnswers>) -> impl IntoView {
    let i18n = use_i18n();
    let situations: Vec<_> = form.situations.into_iter().filter(|s| s.decided_by.is_none()).collect();
    (!situations.is_empty()).then(|| {
        view! {
            <section class="card guide-section" aria-labelledby="apply-situations">
                <h2 id="apply-situations">{move || i18n.t(Key::Situations)}</h2>
                <p class="muted">{move || i18n.t(Key::SituationsLead)}</p>
                <fieldset class="choices">
                    <legend class="visually-hidden">{move || i18n.t(Key::Situations)}</legend>
                    {situations.into_iter().map(|s| {
                        let key = s.condition.key.clone();
                        let name = s.condition.name.clone();
                        let (k1, k2) = (key.clone(), key.clone());
                        view! {
                            <Choice id=format!("situations.{key}")
                                label=Signal::derive(move || i18n.pick(&name))
                                checked=Signal::derive(move || answers.with(|a| a.situations.contains(&k1)))
                                on_toggle=move |on| answers.update(|a| { if on { a.situations.insert(k2.clone()); } else { a.situations.remove(&k2); } }) />
                        }
                    }).collect_view()}
                </fieldset>
            </section>
        }
    })
}

/// 送达方式 — how the results reach the applicant: in the account, at a hall's window, or by post.
#[component]
fn Delivery(delivery: RwSignal<DeliveryChoice>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    use shared::workflow::DeliveryMethod as M;
    let i18n = use_i18n();
    let halls = Fetched::new(api::halls);
    let method = move |m: M| move |_| delivery.update(|d| d.method = m);
    let error = move |field: &'static str| {
        move || {
            errors
                .with(|e| crate::components::form::error_of(e, field))
                .map(|m| view! { <p class="field__error">{i18n.pick(&m)}</p> })
        }
    };
    view! {
        <section class="card guide-section" aria-labelledby="apply-delivery">
            <h2 id="apply-delivery">{move || i18n.tr("结果送达方式", "How you receive the result")}</h2>
            <fieldset class="delivery">
                <legend class="visually-hidden">{move || i18n.tr("送达方式", "Delivery")}</legend>
                <label class="choice"><input type="radio" name="delivery" prop:checked=move || delivery.get().method == M::Electronic on:change=method(M::Electronic) />
                    <span>{move || i18n.tr("电子送达（在“我的办件”和电子证照库查看）", "Electronic (in your account and licence library)")}</span></label>
                <label class="choice"><input type="radio" name="delivery" prop:checked=move || delivery.get().method == M::Window on:change=method(M::Window) />
                    <span>{move || i18n.tr("窗口领取", "Pick up at a window")}</span></label>
                <label class="choice"><input type="radio" name="delivery" prop:checked=move || delivery.get().method == M::Mail on:change=method(M::Mail) />
                    <span>{move || i18n.tr("邮寄送达", "By post")}</span></label>
            </fieldset>
            {move || (delivery.get().method == M::Window).then(|| view! {
                <label class="field__label" for="delivery-hall">{move || i18n.tr("领取大厅", "Hall")}</label>
                <select id="delivery-hall" class="input" on:change=move |ev| {
                    let hall = event_target_value(&ev);
                    delivery.update(|d| d.hall = (!hall.is_empty()).then_some(hall));
                }>
                    <option value="">{move || i18n.tr("请选择", "Choose one")}</option>
                    {move || halls.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|h| {
                        let name = h.name.clone();
                        view! { <option value=h.code.clone()>{move || i18n.pick(&name)}" · "{h.address.clone()}</option> }
                    }).collect_view()}
                </select>
                {error("delivery.hall")}
            })}
            {move || (delivery.get().method == M::Mail).then(|| view! {
                <label class="field__label" for="delivery-address">{move || i18n.tr("邮寄地址", "Postal address")}</label>
                <input id="delivery-address" class="input" type="text" on:input=move |ev| {
                    let address = event_target_value(&ev);
                    delivery.update(|d| d.address = Some(address));
                } />
                {error("delivery.address")}
            })}
        </section>
    }
}

/// A labelled checkbox.
#[component]
fn Choice(
    /// The input's id.
    id: String,
    /// The label.
    label: Signal<String>,
    /// Whether it is ticked.
    checked: Signal<bool>,
    /// Called with the new state.
    on_toggle: impl Fn(bool) + 'static,
) -> impl IntoView {
    let label_for = id.clone();
    view! {
        <label class="choice" for=label_for>
            <input type="checkbox" id=id prop:checked=checked on:change=move |ev| on_toggle(event_target_checked(&ev)) />
            <span>{label}</span>
        </label>
    }
}

fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn message_of(errors: &[FieldError], field: &str) -> Option<Bilingual> {
    errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
}

/// The answers without those the platform fills (an answer typed while a field was asked and
/// left when it became known again is not sent).
fn without_filled(form: &shared::application::OneForm, mut answers: FormAnswers) -> FormAnswers {
    let filled: Vec<String> = answers.fields.keys().filter(|k| form.fills(k, &answers)).cloned().collect();
    for key in filled {
        answers.fields.remove(&key);
    }
    answers
}

/// A question the platform answers from what it knows: shown, not asked, with where it comes from.
#[component]
fn KnownField(field: MergedField, known: KnownAnswer) -> impl IntoView {
    let i18n = use_i18n();
    let label = field.field.label.clone();
    let origin = known.origin.name();
    view! {
        <div class="field field--known" id=format!("fields.{}", known.key)>
            <span class="field__label">{move || i18n.pick(&label)}</span>
            <p class="field__known"><strong>{known.shown.clone()}</strong></p>
            <p class="field__hint field__origin">{move || i18n.pick(&origin)}</p>
        </div>
    }
}

/// One question of the form, drawn for its type.
#[component]
fn FieldInput(
    field: MergedField,
    answers: RwSignal<FormAnswers>,
    errors: Signal<Vec<FieldError>>,
    /// The answer the person gave last time, kept with their consent: offered, never filled in.
    suggested: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let key = field.field.key.clone();
    let suggestion_key = key.clone();
    let id = format!("fields.{key}");
    let error_id = format!("{id}-error");
    let label = field.field.label.clone();
    let required = field.field.required;
    let shared_by = field.used_by.len();
    let error = {
        let id = id.clone();
        Signal::derive(move || message_of(&errors.get(), &id))
    };
    let text_value = {
        let key = key.clone();
        move || {
            answers.with(|a| match a.fields.get(&key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            })
        }
    };
    let set = {
        let key = key.clone();
        move |value: Value| {
            answers.update(|a| {
                if blank(&value) {
                    a.fields.remove(&key);
                } else {
                    a.fields.insert(key.clone(), value);
                }
            })
        }
    };
    let described = {
        let error_id = error_id.clone();
        move || error.get().is_some().then(|| error_id.clone())
    };
    let input = match field.field.field_type {
        FieldType::Boolean => {
            let key = key.clone();
            view! {
                <Choice id=id.clone() label=Signal::derive(move || i18n.t(Key::Yes).to_owned())
                    checked=Signal::derive(move || answers.with(|a| a.fields.get(&key) == Some(&Value::Bool(true))))
                    on_toggle=move |on| set(Value::Bool(on)) />
            }
            .into_any()
        }
        FieldType::Enum => {
            let options: Vec<(String, shared::Bilingual)> =
                field.field.options.iter().map(|o| (o.clone(), field.field.option_label(o))).collect();
            view! {
                <select id=id.clone() class="input" prop:value=text_value aria-describedby=described
                    aria-invalid=move || error.get().is_some().then_some("true")
                    on:change=move |ev| set(Value::String(event_target_value(&ev)))>
                    <option value="">{move || i18n.t(Key::ChooseOption)}</option>
                    {options.into_iter().map(|(o, label)| view! { <option value=o>{move || i18n.pick(&label)}</option> }).collect_view()}
                </select>
            }
            .into_any()
        }
        FieldType::EnumMulti => {
            let options: Vec<(String, shared::Bilingual)> =
                field.field.options.iter().map(|o| (o.clone(), field.field.option_label(o))).collect();
            view! {
                <MultiChoice id=id.clone() key=key.clone() options=options answers=answers
                    described=Signal::derive(described.clone()) />
            }
            .into_any()
        }
        FieldType::Text => view! {
            <textarea id=id.clone() class="input" rows="3" prop:value=text_value aria-describedby=described
                aria-invalid=move || error.get().is_some().then_some("true")
                on:input=move |ev| set(Value::String(event_target_value(&ev)))></textarea>
        }
        .into_any(),
        other => {
            let (input_type, inputmode) = match other {
                FieldType::Date => ("date", "text"),
                FieldType::Phone => ("tel", "tel"),
                FieldType::Integer => ("text", "numeric"),
                FieldType::Decimal => ("text", "decimal"),
                _ => ("text", "text"),
            };
            view! {
                <input id=id.clone() class="input" type=input_type inputmode=inputmode prop:value=text_value
                    aria-describedby=described aria-invalid=move || error.get().is_some().then_some("true")
                    on:input=move |ev| set(Value::String(event_target_value(&ev))) />
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id.clone()>
                {move || i18n.pick(&label)}
                {(!required).then(|| view! { <span class="muted">" （"{move || i18n.t(Key::OptionalMark)}"）"</span> })}
            </label>
            {(shared_by > 1).then(|| view! { <p class="field__hint">{move || i18n.fmt(Key::AskedOnceFor, shared_by)}</p> })}
            {input}
            {move || {
                let current = answers.with(|a| a.fields.get(&suggestion_key).and_then(Value::as_str).map(str::to_owned));
                suggested.get().filter(|v| current.as_deref() != Some(v.as_str())).map(|v| {
                    let key = suggestion_key.clone();
                    let chosen = v.clone();
                    view! {
                        <p class="field__suggestion">
                            {i18n.tr("上次填写：", "Last time: ")}<span class="field__suggested">{v}</span>" "
                            <button type="button" class="link-button"
                                on:click=move |_| answers.update(|a| { a.fields.insert(key.clone(), Value::String(chosen.clone())); })>
                                {i18n.tr("使用", "Use it")}
                            </button>
                        </p>
                    }
                })
            }}
            {move || error.get().map(|e| view! { <p class="field__error" id=error_id.clone()>{i18n.pick(&e)}</p> })}
        </div>
    }
}

/// A question answered with any number of its options: a box each, the answer the options
/// ticked in the order ticked, and no answer at all when none is.
#[component]
fn MultiChoice(
    id: String,
    key: String,
    options: Vec<(String, shared::Bilingual)>,
    answers: RwSignal<FormAnswers>,
    described: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="choices" id=id.clone() role="group" aria-describedby=described>
            {options.into_iter().enumerate().map(|(i, (o, label))| {
                let option_id = format!("{id}-{i}");
                let label_for = option_id.clone();
                let (key, o2) = (key.clone(), o.clone());
                let checked = {
                    let (key, o) = (key.clone(), o.clone());
                    move || answers.with(|a| a.fields.get(&key).and_then(Value::as_array).is_some_and(|v| v.iter().any(|x| x.as_str() == Some(&o))))
                };
                view! {
                    <label class="choice" for=label_for>
                        <input type="checkbox" id=option_id prop:checked=checked on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            answers.update(|a| {
                                let mut list: Vec<Value> = a.fields.get(&key).and_then(Value::as_array).cloned().unwrap_or_default();
                                list.retain(|x| x.as_str() != Some(o2.as_str()));
                                if on { list.push(Value::String(o2.clone())); }
                                if list.is_empty() { a.fields.remove(&key); } else { a.fields.insert(key.clone(), Value::Array(list)); }
                            });
                        } />
                        <span>{move || i18n.pick(&label)}</span>
                    </label>
                }
            }).collect_view()}
        </div>
    }
}

/// One needed material: supplied by the library or the pledge, or uploaded here.
#[component]
fn MaterialRow(
    material: NeededMaterial,
    answers: RwSignal<FormAnswers>,
    files: RwSignal<BTreeMap<String, UploadReceipt>>,
    in_flight: RwSignal<Vec<InFlight>>,
    upload_errors: RwSignal<Vec<FieldError>>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let key = material.key.clone();
    let id = format!("materials.{key}");
    let name = material.name.clone();
    let error = {
        let id = id.clone();
        Signal::derive(move || message_of(&errors.get(), &id))
    };
    let body = match material.source {
        MaterialSource::Library => {
            view! { <p class="badge badge--good">"✓ "{move || i18n.t(Key::FromLibrary)}</p> }.into_any()
        }
        MaterialSource::Pledge => {
            view! { <p class="badge badge--good">"✓ "{move || i18n.t(Key::ByPledge)}</p> }.into_any()
        }
        MaterialSource::Issued => view! {
            <p class="badge badge--good">"✓ "{move || i18n.tr("登记核准后自动取得，无需上传", "Issued once the registration is approved: nothing to upload")}</p>
        }
        .into_any(),
        MaterialSource::Authorization => view! {
            <p class="badge badge--good">"✓ "{move || i18n.tr("经办人授权已在系统中登记，无需上传", "Your authorization is on record: nothing to upload")}</p>
        }
        .into_any(),
        MaterialSource::Upload => {
            let uploads = Uploads { answers, files, in_flight, errors: upload_errors };
            view! {
                {material.licence_not_held.clone().map(|licence| view! {
                    <p class="field__hint">{move || i18n.pick(&Bilingual::new(
                        format!("电子证照库中没有您有效的{}（未持有、已过期或已注销），请上传。", licence.zh),
                        format!("The e-license library holds no valid {} of yours (none issued, expired or revoked): upload it.", licence.en),
                    ))}</p>
                })}
                <UploadZone key=key.clone() uploads=uploads />
            }
            .into_any()
        }
    };
    view! {
        <li class="material" class:field--invalid=move || error.get().is_some()>
            <p class="material__name">
                <strong>{move || i18n.pick(&name)}</strong>
                {(!material.required).then(|| view! { <span class="muted">" （"{move || i18n.t(Key::OptionalMark)}"）"</span> })}
            </p>
            {body}
            {move || error.get().map(|e| view! { <p class="field__error">{i18n.pick(&e)}</p> })}
        </li>
    }
}
