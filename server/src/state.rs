//! 应用状态 — what every handler can reach.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::ops::Deref;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::applying::writer::SubmissionWriter;
use crate::auth::password::PasswordHasher;
use crate::clock::Clock;
use crate::config::Config;
use crate::pii::PiiKeys;
use crate::store::Store;

/// The state shared by every request: cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<App>);

/// The server's parts.
pub struct App {
    /// The database.
    pub store: Store,
    /// How the server was started.
    pub config: Config,
    /// The current time.
    pub clock: Clock,
    /// The keys that protect identity numbers.
    pub pii: PiiKeys,
    /// Password hashing on a bounded pool.
    pub hasher: PasswordHasher,
    /// Sign-in and registration attempts per client address (this node's share).
    pub login_limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Progress lookups without sign-in per client address (this node's share).
    pub lookup_limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// Look-ups of a person by identity number and name (granting an agent, serving an
    /// applicant at a window) per signed-in person (this node's share).
    pub person_lookup_limiter: DefaultKeyedRateLimiter<String>,
    /// The token `GET /metrics` asks for; without one the metrics are not served.
    pub metrics_token: Option<String>,
    /// Requests this node works on at once (`--max-requests-in-flight`); past that it sheds load.
    pub in_flight: tokio::sync::Semaphore,
    /// Uploaded files being checked by content at once (one per core: decoding takes memory).
    pub content_checks: tokio::sync::Semaphore,
    /// The group-commit writer of submissions.
    pub writer: SubmissionWriter,
    /// This node's copy of the working-day calendar.
    pub calendar: crate::deadlines::CalendarCache,
    /// Counts the changes the supervision dashboards follow (cards raised or acted on, cases
    /// moved); each dashboard stream wakes when it moves.
    pub supervision_changes: tokio::sync::watch::Sender<u64>,
    /// How notices and events leave this node: email, SMS, webhooks.
    pub channels: crate::notify::Channels,
    /// This node's full-text index of the published catalogue.
    pub search: crate::search::SearchIndex,
}

impl AppState {
    /// Assembles the parts.
    pub fn new(
        store: Store,
        config: Config,
        pii: PiiKeys,
        channels: crate::notify::Channels,
        metrics_token: Option<String>,
    ) -> Self {
        let per_minute = NonZeroU32::new(config.login_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
        let progress_lookups = NonZeroU32::new(config.progress_lookups_per_minute).unwrap_or(NonZeroU32::MIN);
        let person_lookups = NonZeroU32::new(config.person_lookups_per_minute).unwrap_or(NonZeroU32::MIN);
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
        let in_flight = config.max_requests_in_flight.max(1);
        Self(Arc::new(App {
            config,
            clock: Clock::default(),
            pii,
            hasher: PasswordHasher::new(cores),
            login_limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            lookup_limiter: RateLimiter::keyed(Quota::per_minute(progress_lookups)),
            person_lookup_limiter: RateLimiter::keyed(Quota::per_minute(person_lookups)),
            content_checks: tokio::sync::Semaphore::new(cores),
            in_flight: tokio::sync::Semaphore::new(in_flight),
            metrics_token,
            writer: SubmissionWriter::start(store.clone()),
            calendar: crate::deadlines::CalendarCache::default(),
            supervision_changes: tokio::sync::watch::Sender::new(0),
            channels,
            search: crate::search::SearchIndex::default(),
            store,
        }))
    }
}

impl App {
    /// 统一身份认证 — the identity service.
    pub fn identity(&self) -> crate::auth::IdentityService<'_> {
        crate::auth::IdentityService {
            store: &self.store,
            clock: &self.clock,
            pii: &self.pii,
            hasher: &self.hasher,
            person_lookup_limiter: &self.person_lookup_limiter,
            channels: &self.channels,
            codes_in_log: self.config.demo,
        }
    }

    /// 消息通知与部门对接 — the notification and department-docking service.
    pub fn notify(&self) -> crate::notify::NotifyService<'_> {
        crate::notify::NotifyService {
            store: &self.store,
            clock: &self.clock,
            pii: &self.pii,
            channels: &self.channels,
        }
    }

    /// 申办 — the applying service.
    pub fn applying(&self) -> crate::applying::ApplyingService<'_> {
        crate::applying::ApplyingService {
            store: &self.store,
            clock: &self.clock,
            pii: &self.pii,
            writer: &self.writer,
            config: &self.config,
            content_checks: &self.content_checks,
        }
    }

    /// 办件 — the case service of the staff console and the applicant's case pages.
    pub fn cases(&self) -> crate::cases::CaseService<'_> {
        crate::cases::CaseService {
            store: &self.store,
            clock: &self.clock,
            pii: &self.pii,
            config: &self.config,
            deadlines: self.deadlines(),
        }
    }

    /// 时限与督办 — the calendar, deadlines, the deadline scan and cards.
    pub fn deadlines(&self) -> crate::deadlines::DeadlineService<'_> {
        crate::deadlines::DeadlineService {
            store: &self.store,
            clock: &self.clock,
            calendar: &self.calendar,
            changes: &self.supervision_changes,
        }
    }

    /// 事项目录 — the catalogue service.
    pub fn catalogue(&self) -> crate::catalogue::CatalogueService<'_> {
        crate::catalogue::CatalogueService { store: &self.store, index: &self.search, clock: &self.clock }
    }
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
