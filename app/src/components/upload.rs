//! 材料上传 — one material's files: a drop zone that opens the file picker (or, on a phone, the
//! camera), each file's state under its material (uploading with its progress, received, or
//! refused with the server's reason), and for a refused file a retry and a remove.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::FieldError;
use shared::application::{FormAnswers, UploadReceipt, upload_accept};

use crate::api;
use crate::components::form::problem_parts;
use crate::i18n::{Key, use_i18n};

/// A file on its way to the server.
#[derive(Clone)]
pub struct InFlight {
    /// Tells uploads apart.
    pub id: u32,
    /// The material's key.
    pub material: String,
    /// The file's name.
    pub name: String,
    /// 0 to 1.
    pub progress: f64,
}

/// A file the server refused (or that could not reach it), kept for a retry.
#[derive(Clone)]
struct Refused {
    id: u32,
    file: web_sys::File,
    reason: shared::Bilingual,
}

/// The shared state of every material's uploads on one form.
#[derive(Clone, Copy)]
pub struct Uploads {
    /// The form's answers: received uploads are listed under their material.
    pub answers: RwSignal<FormAnswers>,
    /// What the server said of each received upload.
    pub files: RwSignal<BTreeMap<String, UploadReceipt>>,
    /// Files uploading now.
    pub in_flight: RwSignal<Vec<InFlight>>,
    /// The refusals, as field errors of `materials.{key}`, for the form's error summary.
    pub errors: RwSignal<Vec<FieldError>>,
}

/// Sends one file for material `key`, with its progress shown; a refusal is kept with its reason.
fn send(u: Uploads, key: String, file: web_sys::File, refused: RwSignal<Vec<Refused>, LocalStorage>) {
    let id = (js_sys::Math::random() * 1e9) as u32;
    u.in_flight.update(|v| v.push(InFlight { id, material: key.clone(), name: file.name(), progress: 0.0 }));
    let field = format!("materials.{key}");
    u.errors.update(|v| v.retain(|e| e.field != field));
    spawn_local(async move {
        let result = api::upload(file.clone(), move |p| {
            u.in_flight.update(|v| {
                if let Some(f) = v.iter_mut().find(|f| f.id == id) {
                    f.progress = p;
                }
            });
        })
        .await;
        u.in_flight.update(|v| v.retain(|f| f.id != id));
        match result {
            Ok(receipt) => {
                u.answers.update(|a| a.materials.entry(key.clone()).or_default().push(receipt.id.clone()));
                u.files.update(|f| {
                    f.insert(receipt.id.clone(), receipt);
                });
            }
            Err(e) => {
                let code = shared::FieldCode::UploadFailed;
                let reason = problem_parts(&e).0.unwrap_or_else(|| code.message());
                u.errors.update(|v| v.push(FieldError::with_message(field, code, reason.clone())));
                refused.update(|v| v.push(Refused { id, file, reason }));
            }
        }
    });
}

/// Every file of a `FileList`.
fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The upload area of one material.
#[component]
pub fn UploadZone(key: String, uploads: Uploads) -> impl IntoView {
    let i18n = use_i18n();
    let refused = RwSignal::new_local(Vec::<Refused>::new());
    let dragging = RwSignal::new(false);
    let on_pick = {
        let key = key.clone();
        move |ev: leptos::ev::Event| {
            use wasm_bindgen::JsCast as _;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            for file in files_of(input.files()) {
                send(uploads, key.clone(), file, refused);
            }
            input.set_value("");
        }
    };
    let on_camera = on_pick.clone();
    let on_drop = {
        let key = key.clone();
        move |ev: leptos::ev::DragEvent| {
            ev.prevent_default();
            dragging.set(false);
            for file in files_of(ev.data_transfer().and_then(|d| d.files())) {
                send(uploads, key.clone(), file, refused);
            }
        }
    };
    let (pick_id, camera_id) = (format!("upload-{key}"), format!("camera-{key}"));
    view! {
        <div class="dropzone" class:dropzone--over=move || dragging.get()
            on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            <label class="dropzone__pick" for=pick_id.clone()>
                <FileIcon />
                <span>{move || i18n.tr("选择文件", "Choose files")}</span>
                <span class="dropzone__hint">{move || i18n.t(Key::UploadFiles)}</span>
            </label>
            <input type="file" class="visually-hidden" id=pick_id multiple accept=upload_accept() on:change=on_pick />
            <label class="button button--secondary dropzone__camera" for=camera_id.clone()>{move || i18n.tr("拍照上传", "Take a photo")}</label>
            <input type="file" class="visually-hidden dropzone__camera-input" id=camera_id accept="image/*" capture="environment"
                aria-label=move || i18n.tr("拍照上传", "Take a photo") on:change=on_camera />
        </div>
        <FileList key=key uploads=uploads refused=refused />
    }
}

/// The files of one material: received, uploading, refused.
#[component]
fn FileList(key: String, uploads: Uploads, refused: RwSignal<Vec<Refused>, LocalStorage>) -> impl IntoView {
    let i18n = use_i18n();
    let received = {
        let key = key.clone();
        move || uploads.answers.with(|a| a.materials.get(&key).cloned().unwrap_or_default())
    };
    let flights = {
        let key = key.clone();
        move || uploads.in_flight.get().into_iter().filter(|f| f.material == key).collect::<Vec<_>>()
    };
    let remove_received = {
        let key = key.clone();
        move |upload_id: String| {
            uploads.answers.update(|a| {
                if let Some(list) = a.materials.get_mut(&key) {
                    list.retain(|x| x != &upload_id);
                    if list.is_empty() {
                        a.materials.remove(&key);
                    }
                }
            })
        }
    };
    let field = format!("materials.{key}");
    let drop_refused = move |id: u32| {
        refused.update(|v| v.retain(|r| r.id != id));
        if refused.with_untracked(Vec::is_empty) {
            uploads.errors.update(|v| v.retain(|e| e.field != field));
        }
    };
    view! {
        <ul class="file-list">
            {move || received().into_iter().map(|upload_id| {
                let name = uploads.files.with(|f| f.get(&upload_id).map(|r| r.file_name.clone()))
                    .unwrap_or_else(|| upload_id.chars().take(8).collect());
                let label = name.clone();
                let remove = remove_received.clone();
                view! {
                    <li class="file file--received">
                        <span><FileIcon />" "{name}" "<span class="tag tag--good">{move || i18n.tr("已上传", "Received")}</span></span>
                        <button type="button" class="button button--plain"
                            aria-label=move || format!("{} {}", i18n.t(Key::RemoveFile), label)
                            on:click=move |_| remove(upload_id.clone())>{move || i18n.t(Key::RemoveFile)}</button>
                    </li>
                }
            }).collect_view()}
            {move || flights().into_iter().map(|f| {
                let percent = (f.progress * 100.0).round();
                view! {
                    <li class="file">
                        <span>{move || i18n.t(Key::Uploading)}" "{f.name.clone()}</span>
                        <progress max="100" value=percent aria-label=f.name.clone()>{format!("{percent}%")}</progress>
                    </li>
                }
            }).collect_view()}
            {move || refused.get().into_iter().map(|r| {
                let (name, reason, file) = (r.file.name(), r.reason.clone(), r.file.clone());
                let key = key.clone();
                let drop = drop_refused.clone();
                let drop_retry = drop_refused.clone();
                let (retry_label, remove_label) = (name.clone(), name.clone());
                view! {
                    <li class="file file--refused">
                        <span><FileIcon />" "{name}</span>
                        <span class="field__error">{move || i18n.pick(&reason)}</span>
                        <span class="file__actions">
                            <button type="button" class="button button--secondary"
                                aria-label=move || format!("{} {}", i18n.tr("重试", "Retry"), retry_label)
                                on:click=move |_| { drop_retry(r.id); send(uploads, key.clone(), file.clone(), refused); }>
                                {move || i18n.tr("重试", "Retry")}
                            </button>
                            <button type="button" class="button button--plain"
                                aria-label=move || format!("{} {}", i18n.t(Key::RemoveFile), remove_label)
                                on:click=move |_| drop(r.id)>{move || i18n.t(Key::RemoveFile)}</button>
                        </span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// A document outline, drawn in the text's colour (no emoji font needed).
#[component]
pub fn FileIcon() -> impl IntoView {
    view! {
        <svg class="icon icon--inline" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
            <path d="M6 2h8l4 4v16H6zM14 2v4h4" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
        </svg>
    }
}
