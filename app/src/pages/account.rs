//! 我的账户 — who I am, the staff second factor, and for whom I act.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::account::{EnterpriseLink, Identity, Relation, Role};
use shared::{Bilingual, FieldError};

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::authenticator::{BindAuthenticator, SecurityEvents};
use crate::components::form::{TextField, error_of};
use crate::components::status::{Loading, ProblemView};
use crate::fetched::Fetched;
use crate::i18n::{Key, use_i18n};

/// Shows its children to a signed-in person, a loading state while the app asks, and a link to
/// sign in otherwise.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    move || {
        if !auth.checked.get() {
            view! { <Loading /> }.into_any()
        } else if auth.identity.get().is_none() {
            // Signing in or registering comes back here (the address as the browser shows it).
            let here = crate::auth::current_address();
            let (login, register) =
                (crate::auth::with_return("/login", &here), crate::auth::with_return("/register", &here));
            view! {
                <div class="notice">
                    <p>{move || i18n.t(Key::SignInFirst)}" "{move || i18n.tr("还没有账户的，注册只需一分钟。", "No account yet? Registering takes a minute.")}</p>
                    <p class="actions">
                        <a class="button button--primary" href=login>{move || i18n.t(Key::NavLogin)}</a>" "
                        <a class="button button--secondary" href=register>{move || i18n.tr("注册账户", "Register")}</a>
                    </p>
                </div>
            }
            .into_any()
        } else {
            children().into_any()
        }
    }
}

/// `/account`
#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="container page">
            <h1>{move || i18n.t(Key::AccountTitle)}</h1>
            <RequireSignIn>
                <AccountDetails />
            </RequireSignIn>
        </div>
    }
}

#[component]
fn AccountDetails() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let identity = move || auth.identity.get();
    let error = RwSignal::new(None::<ApiError>);
    let logout = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::logout().await {
                Ok(()) => {
                    auth.identity.set(None);
                    navigate("/", Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        {move || identity().map(|me| view! {
            <section class="card guide-section" aria-labelledby="profile">
                <h2 id="profile">{me.name.clone()}</h2>
                <dl class="facts">
                    <dt>{move || i18n.t(Key::IdNumber)}</dt><dd>{me.id_number_masked.clone()}</dd>
                    <dt>{move || i18n.t(Key::Mobile)}</dt><dd>{me.mobile_masked.clone()}</dd>
                    <dt>{move || i18n.t(Key::ActingAs)}</dt>
                    <dd class="acting">{
                        let acting = me.acting_for.clone();
                        let principal = me.acting_principal.clone();
                        move || match (&acting, &principal) {
                            (Some(e), _) => e.name.clone(),
                            (None, Some(g)) => format!(
                                "{}{}{}",
                                i18n.tr("委托代办：", "For (as proxy): "),
                                g.principal.name,
                                if g.holds_on(crate::auth::today()) { "" } else { i18n.tr("（委托已失效）", " (authorization ended)") },
                            ),
                            (None, None) => i18n.t(Key::ActingSelf).to_owned(),
                        }
                    }</dd>
                </dl>
                <nav class="account-links" aria-label=move || i18n.tr("我的服务", "My services")>
                    <a href="/applications">{move || i18n.t(Key::NavApplications)}</a>
                    <a href="/licenses">{move || i18n.t(Key::NavLicenses)}</a>
                    {me.staff.is_some().then(|| view! { <a href="/console" rel="external">{move || i18n.tr("工作台", "Console")}</a> })}
                    <a href="#enterprises">{move || i18n.tr("切换办事身份", "Switch whom you act for")}</a>
                </nav>
                <p><button type="button" class="button button--secondary" on:click=logout.clone()>{move || i18n.t(Key::Logout)}</button></p>
            </section>
            {me.staff.clone().map(|_| view! { <StaffPanel me=me.clone() /> })}
            {me.staff.as_ref().filter(|s| s.second_factor_passed && s.roles.contains(&Role::WindowClerk))
                .map(|_| view! { <WindowService me=me.clone() /> })}
            <crate::pages::notifications::Notifications />
            <Enterprises me=me.clone() />
            {me.staff.is_none().then(|| view! { <crate::pages::proxies::Proxies me=me.clone() /> })}
            {me.staff.is_none().then(|| view! { <KeptAnswers /> })}
            {me.staff.is_none().then(|| view! { <Consents /> })}
        })}
        {move || error.get().map(|e| view! { <ProblemView error=e /> })}
    }
}

/// Department and roles; binding the authenticator (or replacing it), and the changes to it.
#[component]
fn StaffPanel(me: Identity) -> impl IntoView {
    let i18n = use_i18n();
    let staff = me.staff.clone().expect("shown for staff only");
    let department = staff.department.name.clone();
    let roles: Vec<Bilingual> = staff.roles.iter().map(|r| r.name()).collect();
    let passed = staff.second_factor_passed;
    let enrolled = staff.totp_enrolled;
    let security_admin = passed && staff.roles.contains(&Role::SecurityAdmin);
    let replacing = RwSignal::new(false);
    view! {
        <section class="card guide-section" aria-labelledby="staff">
            <h2 id="staff">{move || i18n.t(Key::StaffPost)}</h2>
            <dl class="facts">
                <dt>{move || i18n.t(Key::Department)}</dt><dd>{move || i18n.pick(&department)}</dd>
                <dt>{move || i18n.t(Key::Roles)}</dt>
                <dd class="tags">{roles.into_iter().map(|r| view! { <span class="tag">{move || i18n.pick(&r)}</span> }).collect_view()}</dd>
                <dt>{move || i18n.t(Key::SecondFactorTitle)}</dt>
                <dd>{move || if passed { i18n.t(Key::SecondFactorDone) } else { i18n.t(Key::SecondFactorLead) }}</dd>
            </dl>
            {(!passed).then(|| view! { <BindAuthenticator replace=false /> })}
            {(passed && enrolled).then(|| view! {
                <Show when=move || replacing.get() fallback=move || view! {
                    <p><button type="button" class="button button--secondary" on:click=move |_| replacing.set(true)>
                        {move || i18n.t(Key::ReplaceAuthenticator)}
                    </button></p>
                }>
                    <BindAuthenticator replace=true />
                </Show>
            })}
            {security_admin.then(|| view! {
                <p><a class="button button--secondary" href="/staff">{move || i18n.t(Key::StaffAdminLink)}</a></p>
            })}
            <SecurityEvents />
        </section>
    }
}

/// The enterprises one may act for, with the switch of acting identity.
#[component]
fn Enterprises(me: Identity) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let failure = RwSignal::new(None::<ApiError>);
    // Sent here from a form for the other kind of applicant: back to it once chosen.
    let next = StoredValue::new(
        leptos_router::hooks::use_query_map()
            .with_untracked(|q| q.get("next"))
            .filter(|n| shared::text::safe_return_path(n).is_some()),
    );
    let navigate = StoredValue::new_local(use_navigate());
    let switch = move |uscc: Option<String>| {
        let (next, navigate) = (next.get_value(), navigate.get_value());
        spawn_local(async move {
            match api::set_acting(uscc).await {
                Ok(identity) => {
                    auth.identity.set(Some(identity));
                    if let Some(next) = next {
                        navigate(&next, Default::default());
                    }
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let acting = me.acting_for.as_ref().map(|e| e.uscc.clone());
    let list = me.enterprises.clone();
    let empty = list.is_empty();
    view! {
        <section class="card guide-section" aria-labelledby="enterprises">
            <h2 id="enterprises">{move || i18n.t(Key::MyEnterprises)}</h2>
            {empty.then(|| view! { <p class="muted">{move || i18n.t(Key::NoEnterprises)}</p> })}
            <ul class="item-list">
                {list.into_iter().map(|e| view! { <EnterpriseRow link=e.clone() current=acting.as_deref() == Some(e.uscc.as_str()) on_act=switch /> }).collect_view()}
            </ul>
            {acting.is_some().then(|| view! {
                <p><button type="button" class="button button--secondary" on:click=move |_| switch(None)>{move || i18n.t(Key::ActForSelf)}</button></p>
            })}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        </section>
    }
}

#[component]
fn EnterpriseRow(
    link: EnterpriseLink,
    current: bool,
    on_act: impl Fn(Option<String>) + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let relation = link.relation.name();
    let uscc = link.uscc.clone();
    let agents_href = format!("/account/enterprises/{}/agents", link.uscc);
    let is_rep = link.relation == Relation::LegalRepresentative;
    view! {
        <li class="item-card__link enterprise">
            <span class="item-card__name">{link.name.clone()}</span>
            <span class="item-card__meta">{link.uscc.clone()}" · "{move || i18n.pick(&relation)}</span>
            <span class="tags">
                {if current {
                    view! { <span class="tag tag--good">{move || i18n.t(Key::CurrentlyActing)}</span> }.into_any()
                } else {
                    let uscc = uscc.clone();
                    view! {
                        <button type="button" class="button button--primary" on:click=move |_| on_act(Some(uscc.clone()))>
                            {move || i18n.t(Key::ActForEnterprise)}
                        </button>
                    }.into_any()
                }}
                {is_rep.then(|| view! { <a class="button button--secondary" href=agents_href.clone()>{move || i18n.t(Key::ManageAgents)}</a> })}
            </span>
        </li>
    }
}

/// 窗口代办 — a window clerk serves an applicant who is present at the window.
#[component]
fn WindowService(me: Identity) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let id_number = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let mobile = RwSignal::new(String::new());
    let uscc = RwSignal::new(String::new());
    // Shown once the number and name match no account: the applicant has none (无账号办事).
    let walk_in = RwSignal::new(false);
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let call = move |value: Option<shared::account::RepresentRequest>| {
        failure.set(None);
        errors.set(Vec::new());
        spawn_local(async move {
            match api::represent(value).await {
                Ok(identity) => auth.identity.set(Some(identity)),
                Err(ApiError::Problem(p)) if !p.errors.is_empty() => errors.set(p.errors.clone()),
                Err(e) if e.code() == Some(shared::ProblemCode::PersonNotFound) => {
                    walk_in.set(true);
                    failure.set(Some(e));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let optional = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        call(Some(shared::account::RepresentRequest {
            id_number: Some(id_number.get_untracked()),
            name: Some(name.get_untracked()),
            walk_in_mobile: optional(mobile).filter(|_| walk_in.get_untracked()),
            uscc: optional(uscc),
        }));
    };
    let serving = me.on_behalf_of.clone();
    // The claim code of a record just made comes with the answer that started the service:
    // shown this once, to hand to the applicant.
    let walk_in_code = me.walk_in_claim_code.clone();
    view! {
        <section class="card guide-section" aria-labelledby="window-service">
            <h2 id="window-service">{move || i18n.t(Key::WindowServiceTitle)}</h2>
            <p class="muted">{move || i18n.t(Key::WindowServiceLead)}</p>
            {match serving {
                Some(applicant) => view! {
                    <div class="notice notice--good" role="status">
                        <p>{move || i18n.t(Key::ServingApplicant)}": "<strong>{applicant.name.clone()}</strong>" "{applicant.id_number_masked.clone()}</p>
                        {walk_in_code.map(|code| view! {
                            <p>{move || i18n.tr("认领码（只显示这一次，请交给申请人，注册时填写）：", "Claim code (shown once: hand it to the applicant, who enters it to register): ")}
                                <code class="secret claim-code">{code}</code></p>
                        })}
                        <button type="button" class="button button--secondary" on:click=move |_| call(None)>{move || i18n.t(Key::EndService)}</button>
                    </div>
                }.into_any(),
                None => view! {
                    <form class="stack" on:submit=start novalidate>
                        <TextField id="applicant_name" label=Key::ApplicantNameLabel value=name
                            error=Signal::derive(move || error_of(&errors.get(), "name")) />
                        <TextField id="applicant_id_number" label=Key::ApplicantIdNumber value=id_number
                            error=Signal::derive(move || error_of(&errors.get(), "id_number")) />
                        <label class="field__label" for="applicant_uscc">{move || i18n.tr("代表企业的统一社会信用代码（可不填）", "Credit code of the enterprise they represent (optional)")}</label>
                        <input id="applicant_uscc" class="input" type="text" autocomplete="off"
                            on:input=move |ev| uscc.set(event_target_value(&ev)) prop:value=move || uscc.get() />
                        {move || error_of(&errors.get(), "uscc").map(|m| view! { <p class="field__error">{i18n.pick(&m)}</p> })}
                        {move || walk_in.get().then(|| view! {
                            <p class="notice">{move || i18n.tr("申请人没有网上账号：核验身份证原件后，填写其手机号码即可为其建档办理，申请人日后用同一身份证号码注册即可认领。",
                                "The applicant has no online account: after checking their identity card, enter their mobile number to serve them; they claim the record later by registering with the same number.")}</p>
                            <label class="field__label" for="walk_in_mobile">{move || i18n.tr("申请人手机号码", "Applicant's mobile number")}</label>
                            <input id="walk_in_mobile" class="input" type="tel" inputmode="numeric"
                                on:input=move |ev| mobile.set(event_target_value(&ev)) prop:value=move || mobile.get() />
                            {move || error_of(&errors.get(), "walk_in_mobile").map(|m| view! { <p class="field__error">{i18n.pick(&m)}</p> })}
                        })}
                        <button type="submit" class="button button--primary">{move || i18n.t(Key::StartService)}</button>
                    </form>
                }.into_any(),
            }}
            {move || failure.get().map(|e| view! { <ProblemView error=e /> })}
        </section>
    }
}

/// 填写记录 — the person's consent to keeping their answers as suggestions for later forms, what
/// is kept for whom they act now, and deleting it.
#[component]
fn KeptAnswers() -> impl IntoView {
    let i18n = use_i18n();
    let kept = Fetched::new(api::suggestions);
    let error = RwSignal::new(None::<ApiError>);
    let set = move |remember: bool| {
        spawn_local(async move {
            match api::set_memory_consent(remember).await {
                Ok(_) => kept.refetch(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let forget = move |key: String| {
        spawn_local(async move {
            match api::forget_answer(&key).await {
                Ok(()) => kept.refetch(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card guide-section kept-answers" aria-labelledby="kept-answers">
            <h2 id="kept-answers">{move || i18n.tr("填写记录", "Answers kept for later forms")}</h2>
            <p class="muted">{move || i18n.tr(
                "同意后，您提交申请时填写的地址、联系电话、经营范围等会加密保存，在以后的申请中作为建议供您选用，不会自动填入。身份证号码等不保存。您可随时删除或撤回同意，撤回后已保存的记录全部删除。",
                "With your consent, the addresses, phone numbers and descriptions such as a business scope that you give in an application are kept, encrypted, and offered as suggestions on later forms; nothing is filled in for you. Identity numbers are never kept. You can delete them or withdraw consent at any time; withdrawing deletes everything kept.",
            )}</p>
            {move || match kept.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => view! { <ProblemView error=e retry=move || kept.refetch() /> }.into_any(),
                Some(Ok(s)) => {
                    let consent = s.consent;
                    view! {
                        <label class="choice" for="remember-answers">
                            <input type="checkbox" id="remember-answers" prop:checked=consent
                                on:change=move |ev| set(event_target_checked(&ev)) />
                            <span>{move || i18n.tr("同意保存我的填写记录", "Keep my answers for later forms")}</span>
                        </label>
                        {(!s.entries.is_empty()).then(|| view! {
                            <ul class="bullets kept-list">
                                {s.entries.into_iter().map(|e| {
                                    let key = e.key.clone();
                                    view! {
                                        <li>
                                            <span class="kept-value">{e.value.clone()}</span>" "
                                            <button type="button" class="button button--secondary"
                                                on:click=move |_| forget(key.clone())>{move || i18n.tr("删除", "Delete")}</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        })}
                    }
                    .into_any()
                }
            }}
            {move || error.get().map(|e| view! { <ProblemView error=e /> })}
        </section>
    }
}

/// 我的授权 — the consents given, and withdrawing the one to processing the identity number,
/// which closes the account after the person confirms what that means.
#[component]
fn Consents() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let list = Fetched::new(api::consents);
    let confirming = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let navigate = use_navigate();
    let withdraw = move |_| {
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::withdraw_identity_consent().await {
                Ok(()) => {
                    auth.identity.set(None);
                    navigate("/login?closed=1", Default::default());
                }
                Err(e) => {
                    error.set(Some(e));
                    pending.set(false);
                }
            }
        });
    };
    let title = shared::consent::IDENTITY_NUMBER.title();
    let rows = move || {
        list.get().map(|r| match r {
            Err(e) => view! { <ProblemView error=e retry=move || list.refetch() /> }.into_any(),
            Ok(records) => view! {
                <ul class="bullets consents">
                    {records.into_iter().map(|c| {
                        let title = title.clone();
                        let when = crate::pages::receipt::beijing(c.given_at);
                        let withdrawn = c.withdrawn_at.map(crate::pages::receipt::beijing);
                        view! {
                            <li>
                                <strong>{move || i18n.pick(&title)}</strong>" "
                                <span class="muted">{move || i18n.tr("版本", "version")}" "{c.version.clone()}</span><br />
                                {move || i18n.tr("同意于 ", "Agreed ")}{when}
                                {withdrawn.map(|w| view! { " · "{move || i18n.tr("撤回于 ", "withdrawn ")}{w} })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        })
    };
    let ask = move || {
        (!confirming.get()).then(|| {
            view! {
                <p><button type="button" class="button button--secondary" on:click=move |_| confirming.set(true)>
                    {move || i18n.tr("撤回授权并注销账户", "Withdraw consent and close the account")}
                </button></p>
            }
        })
    };
    let confirm = move || {
        confirming.get().then(|| view! {
            <div class="notice notice--error" role="alertdialog" aria-labelledby="withdraw-title">
                <p id="withdraw-title"><strong>{move || i18n.tr("确定撤回授权吗？", "Withdraw your consent?")}</strong></p>
                <p>{move || i18n.tr(
                    "撤回后账户立即注销，所有登录退出，保存的填写记录删除；已提交的办件仍按规定办结和保存。再次使用网上办事须携带身份证到政务服务窗口办理。",
                    "The account closes at once, every sign-in ends and kept answers are deleted; applications already filed are still decided and kept. To use online services again, bring your identity card to a service window.",
                )}</p>
                <p class="actions">
                    <button type="button" class="button button--secondary" on:click=move |_| confirming.set(false)>{move || i18n.tr("取消", "Cancel")}</button>
                    <button type="button" class="button button--danger" on:click=withdraw.clone() disabled=move || pending.get()>
                        {move || if pending.get() { i18n.tr("正在撤回…", "Withdrawing…") } else { i18n.tr("确定撤回并注销", "Withdraw and close") }}
                    </button>
                </p>
            </div>
        })
    };
    view! {
        <section class="card guide-section" aria-labelledby="consents">
            <h2 id="consents">{move || i18n.tr("我的授权", "My consents")}</h2>
            {move || rows().unwrap_or_else(|| view! { <Loading /> }.into_any())}
            {ask}
            {confirm}
            {move || error.get().map(|e| view! { <ProblemView error=e /> })}
        </section>
    }
}
