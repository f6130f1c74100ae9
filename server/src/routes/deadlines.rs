//! 办事工作日制度与效能监察 — the working-day calendar (public), a year's holiday notice (catalogue
//! administrators), and the cards raised against departments with their 督办.

use axum::Json;
use axum::extract::State;
use shared::Problem;
use shared::calendar::{CalendarYear, Due, DueQuery, YearNotice};
use shared::ids::RecordId;
use shared::supervision::{Card, CardActRequest, CardPage, CardQuery, SupervisionOverview};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::extract::{AppJson, AppPath, AppQuery, Authenticated};
use crate::state::AppState;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(due))
        .routes(routes!(year, enter_notice))
        .routes(routes!(cards))
        .routes(routes!(act_on_card))
        .routes(routes!(overview))
        .routes(routes!(overview_stream))
}

/// How long one dashboard stream lasts; the browser's EventSource reconnects by itself (and
/// signs in again if the session lapsed), so a server that shuts down waits for none.
const STREAM_LIFETIME: std::time::Duration = std::time::Duration::from_secs(600);
/// A stream sends the overview again at least this often, so that changes made on other nodes
/// reach it.
const STREAM_REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

/// 到期日 — the day a limit of `working_days` counted from the day of acceptance `from` ends, by
/// the working-day rule: the day of acceptance is not counted, weekends and public holidays are
/// skipped, make-up working days count. The explanation names each day skipped and why;
/// `assumed` says a year without an entered holiday notice was counted as Monday to Friday.
#[utoipa::path(get, path = "/calendar/due", tag = "calendar", params(DueQuery),
    responses(
        (status = 200, body = Due),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed date, or a negative or absurd limit, with the field named", body = Problem, content_type = "application/problem+json"),
    ))]
async fn due(State(app): State<AppState>, AppQuery(q): AppQuery<DueQuery>) -> Result<Json<Due>, ApiError> {
    Ok(Json(app.deadlines().due(&q)?))
}

/// 工作日历 — every day of a year, worked or not and why, with the holiday notice it follows.
#[utoipa::path(get, path = "/calendar/{year}", tag = "calendar",
    params(("year" = i32, Path, minimum = 2000, maximum = 2100, description = "2000 to 2100")),
    responses(
        (status = 200, body = CalendarYear),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A year outside 2000 to 2100", body = Problem, content_type = "application/problem+json"),
    ))]
async fn year(State(app): State<AppState>, AppPath(year): AppPath<i32>) -> Result<Json<CalendarYear>, ApiError> {
    Ok(Json(app.deadlines().year(year)?))
}

/// 录入节假日安排 — a catalogue administrator enters or corrects a year's holiday notice; it
/// counts from the next answer on, and is on the audit trail.
#[utoipa::path(put, path = "/calendar/{year}", tag = "calendar", request_body = YearNotice,
    params(("year" = i32, Path, minimum = 2000, maximum = 2100, description = "2000 to 2100")),
    responses(
        (status = 200, body = CalendarYear),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a catalogue administrator", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "What is wrong with the notice, field by field", body = Problem, content_type = "application/problem+json"),
    ))]
async fn enter_notice(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(year): AppPath<i32>,
    AppJson(notice): AppJson<YearNotice>,
) -> Result<Json<CalendarYear>, ApiError> {
    Ok(Json(app.deadlines().enter_notice(&s, year, &notice).await?))
}

/// 督办卡 — yellow and red cards: supervisors see every department's, department staff their
/// own. Unresolved cards, newest first, unless a status is asked for.
#[utoipa::path(get, path = "/cards", tag = "supervision", params(CardQuery),
    responses(
        (status = 200, body = CardPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a supervisor nor department staff", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cards(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppQuery(q): AppQuery<CardQuery>,
) -> Result<Json<CardPage>, ApiError> {
    Ok(Json(app.deadlines().cards(&s, &q).await?))
}

/// 督办 — the department's staff answer a card (`answer`); a supervisor accepts the answer
/// (`resolve`) or returns it (`return`). A card is never deleted.
#[utoipa::path(post, path = "/cards/{id}/acts", tag = "supervision", request_body = CardActRequest,
    params(("id" = String, Path, description = "The card's id")),
    responses(
        (status = 200, body = Card),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's role does not take this act", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The card is not where the act applies", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
async fn act_on_card(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
    AppPath(id): AppPath<RecordId>,
    AppJson(req): AppJson<CardActRequest>,
) -> Result<Json<Card>, ApiError> {
    Ok(Json(app.deadlines().act_on_card(&s, &id.to_stored(), &req).await?))
}

/// 效能监察看板 — open cases by department, item and hall with their cards, the latest
/// unresolved cards, on-time rates by department, cards per day and processing times per item
/// (supervisors).
#[utoipa::path(get, path = "/supervision/overview", tag = "supervision",
    responses(
        (status = 200, body = SupervisionOverview),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a supervisor", body = Problem, content_type = "application/problem+json"),
    ))]
async fn overview(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<Json<SupervisionOverview>, ApiError> {
    Ok(Json(app.deadlines().overview(&s).await?))
}

/// The overview as server-sent events (`event: overview`, the JSON as data): at once, whenever a
/// card is raised or acted on or a case moves on this node, and every 15 s; each stream lasts
/// ten minutes and the browser reconnects (supervisors).
#[utoipa::path(get, path = "/supervision/stream", tag = "supervision",
    responses(
        (status = 200, content_type = "text/event-stream", description = "`overview` events, each a SupervisionOverview"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a supervisor", body = Problem, content_type = "application/problem+json"),
    ))]
async fn overview_stream(
    State(app): State<AppState>,
    Authenticated(s): Authenticated,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let first = app.deadlines().overview(&s).await?;
    let changes = app.supervision_changes.subscribe();
    let ends = tokio::time::Instant::now() + STREAM_LIFETIME;
    let state = (app, s, changes, Some(first));
    let stream = futures_util::stream::unfold(state, move |(app, s, mut changes, first)| async move {
        let overview = match first {
            Some(o) => o,
            None => {
                let wait = tokio::time::timeout(STREAM_REFRESH, changes.changed());
                match tokio::time::timeout_at(ends, wait).await {
                    Err(_) | Ok(Ok(Err(_))) => return None,
                    Ok(_) => {}
                }
                match app.deadlines().overview(&s).await {
                    Ok(o) => o,
                    Err(e) => {
                        tracing::warn!(error = %e, "the supervision stream ends");
                        return None;
                    }
                }
            }
        };
        let event = Event::default().event("overview").json_data(&overview).ok()?;
        Some((Ok::<_, std::convert::Infallible>(event), (app, s, changes, None)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
