//! 投递 — the dispatcher each node runs: it fans out the outbox, then claims the deliveries that
//! are due, lane by lane, and attempts each in a task of its own. A lane (email, SMS, one
//! webhook endpoint) has its own limit of attempts in flight, so an endpoint that hangs holds
//! only its own share; every attempt has a timeout. A claim is a lease: a dispatcher that dies
//! mid-attempt leaves the delivery to be claimed again once the lease runs out, so a delivery
//! is made at least once and never by two dispatchers at the same time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use shared::account::Mobile;
use shared::notify::{Channel, Email};

use super::channels::{Failure, post_webhook};
use super::{department_event, fanout};
use crate::state::AppState;
use crate::store::notify::{AttemptDone, AttemptOutcome, ClaimedDelivery, DeliveryContent, Lane};

/// Attempts in flight at once on one node, per lane.
fn lane_limit(lane: &Lane) -> usize {
    match lane {
        Lane::Channel(_) => 16,
        Lane::Endpoint(_) => 4,
    }
}

/// The longest wait between two retries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// Attempts in flight on this node, per lane.
type InFlight = Arc<Mutex<HashMap<Lane, usize>>>;

/// Starts this node's dispatcher, unless `--dispatch-poll-ms 0` leaves it to another node.
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let poll = state.config.dispatch_poll_ms;
    (poll > 0).then(|| tokio::spawn(run(state, Duration::from_millis(poll))))
}

async fn run(state: AppState, poll: Duration) {
    let in_flight: InFlight = Arc::default();
    // The attempts belong to the dispatcher: when it stops (the server shuts down) they stop
    // with it, and their leases bring them back.
    let mut attempts = tokio::task::JoinSet::new();
    // Every act on a case and every card raised moves this: the outbox has something new.
    let mut changes = state.supervision_changes.subscribe();
    loop {
        while attempts.try_join_next().is_some() {}
        if let Err(e) = round(&state, &in_flight, &mut attempts).await {
            tracing::warn!(error = %e, "a dispatch round failed; the next one retries");
        }
        tokio::select! {
            _ = changes.changed() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// Fans out what the outbox holds, then starts the attempts that are due.
pub async fn round(
    state: &AppState,
    in_flight: &InFlight,
    attempts: &mut tokio::task::JoinSet<()>,
) -> Result<(), sqlx::Error> {
    let public_url = state.config.public_url();
    while fanout::fan_out(&state.store, state.clock.now(), &public_url).await? > 0 {}
    let now = state.clock.now();
    let timeout = Duration::from_secs(state.config.delivery_timeout_secs);
    // The lease outlasts the attempt's timeout: no second claim while the first may still send.
    let lease_until = now + chrono::Duration::from_std(timeout * 3).unwrap_or(chrono::Duration::seconds(30));
    for lane in state.store.due_lanes(now).await? {
        let busy = in_flight.lock().map(|m| m.get(&lane).copied().unwrap_or(0)).unwrap_or(usize::MAX);
        let free = lane_limit(&lane).saturating_sub(busy);
        if free == 0 {
            continue;
        }
        let limit = i64::try_from(free).unwrap_or(i64::MAX);
        for id in state.store.claim_deliveries(&lane, limit, now, lease_until).await? {
            let slot = Slot::take(in_flight, &lane);
            let state = state.clone();
            attempts.spawn(async move {
                if let Err(e) = attempt(&state, &id, timeout).await {
                    // Its lease runs out and another round claims it again.
                    tracing::warn!(error = %e, delivery = %id, "a delivery attempt could not be recorded");
                }
                drop(slot);
            });
        }
    }
    Ok(())
}

/// One attempt in flight on a lane; freed when dropped, even by a task that panicked.
struct Slot {
    in_flight: InFlight,
    lane: Lane,
}

impl Slot {
    fn take(in_flight: &InFlight, lane: &Lane) -> Self {
        if let Ok(mut m) = in_flight.lock() {
            *m.entry(lane.clone()).or_default() += 1;
        }
        Self { in_flight: in_flight.clone(), lane: lane.clone() }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.in_flight.lock()
            && let Some(n) = m.get_mut(&self.lane)
        {
            *n = n.saturating_sub(1);
        }
    }
}

/// Makes one attempt at a claimed delivery and records what came of it.
async fn attempt(state: &AppState, id: &str, timeout: Duration) -> Result<(), sqlx::Error> {
    let claimed = state.store.claimed(id).await?;
    let started = Instant::now();
    let result = match tokio::time::timeout(timeout, send(state, &claimed)).await {
        Ok(result) => result,
        Err(_) => {
            Err(Failure { status: None, error: format!("no answer within {}s", timeout.as_secs()), permanent: false })
        }
    };
    let at = state.clock.now();
    let outcome = match &result {
        Ok(_) => AttemptOutcome::Delivered,
        Err(f) if f.permanent => AttemptOutcome::GiveUp,
        Err(_) => next_attempt(state, &claimed, at),
    };
    let (status, error) = match &result {
        Ok(status) => (*status, None),
        Err(f) => (f.status, Some(f.error.as_str())),
    };
    if let Err(f) = &result {
        tracing::info!(delivery = id, attempt = claimed.attempt, error = %f.error, ?outcome, "delivery attempt failed");
    }
    state
        .store
        .record_attempt(&AttemptDone {
            id,
            attempt: claimed.attempt,
            at,
            status,
            error,
            took_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            outcome,
        })
        .await
}

/// When to try again, or to stop: retries wait twice as long each time, up to an hour, with a
/// tenth of jitter, until the retry period has passed since the delivery was made.
fn next_attempt(state: &AppState, claimed: &ClaimedDelivery, now: DateTime<Utc>) -> AttemptOutcome {
    let period = chrono::Duration::hours(i64::try_from(state.config.delivery_retry_hours).unwrap_or(24));
    if now - claimed.created_at >= period {
        return AttemptOutcome::GiveUp;
    }
    AttemptOutcome::Retry(now + backoff(state.config.delivery_retry_base_secs, claimed.attempt))
}

/// The wait after the `attempt`th failure.
pub fn backoff(base_secs: u64, attempt: i64) -> chrono::Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let wait = Duration::from_secs(base_secs.max(1)).saturating_mul(2u32.saturating_pow(doublings)).min(MAX_BACKOFF);
    let jitter = Duration::from_millis(rand::random::<u64>() % (wait.as_millis() as u64 / 10 + 1));
    chrono::Duration::from_std(wait + jitter).unwrap_or(chrono::Duration::hours(1))
}

/// Sends a claimed delivery through its channel.
async fn send(state: &AppState, claimed: &ClaimedDelivery) -> Result<Option<u16>, Failure> {
    let corrupt = |what: &str| Failure { status: None, error: format!("stored {what} is not valid"), permanent: true };
    match &claimed.content {
        DeliveryContent::Message { channel: Channel::Email, address, subject, body } => {
            let to = Email::parse("email", address).map_err(|_| corrupt("address"))?;
            state.channels.mailer.send(&claimed.id, &to, subject, body).await
        }
        DeliveryContent::Message { channel: Channel::Sms, address, body, .. } => {
            let to = Mobile::parse(address).map_err(|_| corrupt("mobile number"))?;
            state.channels.sms.send(&state.channels.http, &claimed.id, &to, body).await
        }
        DeliveryContent::Message { channel: Channel::Webhook, .. } => Err(corrupt("channel")),
        DeliveryContent::Webhook { disabled: true, .. } => {
            Err(Failure { status: None, error: "the endpoint was switched off".to_owned(), permanent: true })
        }
        DeliveryContent::Webhook { url, secret_sealed, event, .. } => {
            let secret = state.pii.open_text(secret_sealed).map_err(|_| corrupt("secret"))?;
            let event = department_event(event).map_err(|_| corrupt("event"))?;
            let body = serde_json::to_vec(&event).map_err(|_| corrupt("event"))?;
            post_webhook(&state.channels.http, url, &secret, &claimed.id, event.data.type_name(), body).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_an_hour() {
        let secs = |attempt| backoff(10, attempt).num_seconds();
        assert!((10..=11).contains(&secs(1)));
        assert!((20..=22).contains(&secs(2)));
        assert!((80..=88).contains(&secs(4)));
        assert!((3600..=3960).contains(&secs(12)));
        assert!((3600..=3960).contains(&secs(1000)));
    }

    #[test]
    fn a_day_of_retries_takes_more_than_thirty_attempts_at_the_default_base() {
        let mut elapsed = chrono::Duration::zero();
        let mut attempts = 0;
        while elapsed < chrono::Duration::hours(24) {
            attempts += 1;
            elapsed += backoff(10, attempts);
        }
        assert!((25..=40).contains(&attempts), "{attempts}");
    }
}
