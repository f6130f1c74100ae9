//! What a page shows from the API: `Fetched::new(|| api::call(..))` fetches when the page is
//! built and again whenever a signal the closure reads changes (the catalogue's query, a guide's
//! code), and on `refetch` (a "try again" button). Until the first answer `get` is `None`; while
//! a later fetch runs it keeps the last answer, so a list does not blink to a spinner when a
//! filter changes. Only the answer of the latest fetch is kept: one that a newer fetch overtook is
//! dropped.
//!
//! Leptos's `LocalResource` does the same and more (suspense, transitions, serializing for
//! hydration), which none of these pages use; its machinery is compiled once per call site, and
//! at the eight call sites of a citizen's first load it was a tenth of the bundle's code
//! (BENCHMARKS.md, "A citizen's first load").

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

/// An API answer a page shows (usually a `Result<_, ApiError>`), fetched again when what it was
/// asked with changes.
pub struct Fetched<T: Send + Sync + 'static> {
    answer: RwSignal<Option<T>>,
    again: Trigger,
}

impl<T: Send + Sync + 'static> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Fetched<T> {}

impl<T: Clone + Send + Sync + 'static> Fetched<T> {
    /// Fetches with `fetch` now, and again whenever a signal it reads changes.
    pub fn new<Fut>(fetch: impl Fn() -> Fut + 'static) -> Self
    where
        Fut: Future<Output = T> + 'static,
    {
        let answer = RwSignal::new(None);
        let again = Trigger::new();
        let latest = Rc::new(Cell::new(0_u64));
        Effect::new(move |_| {
            again.track();
            let request = fetch();
            let this = latest.get() + 1;
            latest.set(this);
            let latest = Rc::clone(&latest);
            spawn_local(async move {
                let result = request.await;
                if latest.get() == this {
                    // The page may be gone by now: its signal then takes nothing.
                    answer.try_set(Some(result));
                }
            });
        });
        Self { answer, again }
    }

    /// The latest answer, `None` before the first.
    pub fn get(&self) -> Option<T> {
        self.answer.get()
    }

    /// Fetches again with the same arguments.
    pub fn refetch(&self) {
        self.again.notify();
    }
}

/// Run under Node by `.ci/run` (`cargo test -p app --target wasm32-unknown-unknown`).
#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use std::cell::RefCell;

    use any_spawner::Executor;
    use futures::channel::oneshot;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    /// Lets the spawned fetches and the effects run.
    async fn settle() {
        for _ in 0..4 {
            Executor::tick().await;
        }
    }

    /// The fetches still waiting for their answer, by the query each was asked with.
    type Pending = Rc<RefCell<Vec<(u32, oneshot::Sender<()>)>>>;

    /// A page's fetch: of the query's value, each answered when the test says.
    struct Page {
        query: RwSignal<u32>,
        fetched: Fetched<u32>,
        pending: Pending,
    }

    /// A page asking for query 1, in a reactive owner of its own.
    fn page() -> Page {
        let _ = Executor::init_wasm_bindgen();
        Owner::new().set();
        let query = RwSignal::new(1);
        let pending = Rc::new(RefCell::new(Vec::new()));
        let asked = Rc::clone(&pending);
        let fetched = Fetched::new(move || {
            let q = query.get();
            let (answer, answered) = oneshot::channel();
            asked.borrow_mut().push((q, answer));
            async move {
                let _ = answered.await;
                q
            }
        });
        Page { query, fetched, pending }
    }

    fn answer(pending: &Pending, query: u32) {
        let mut pending = pending.borrow_mut();
        let at = pending.iter().position(|(q, _)| *q == query).expect("a fetch for the query");
        let (_, answer) = pending.remove(at);
        answer.send(()).expect("the fetch still waits");
    }

    #[wasm_bindgen_test]
    async fn a_page_shows_nothing_before_the_answer_and_keeps_the_last_answer_while_it_fetches_again() {
        let Page { query, fetched, pending } = page();
        settle().await;
        assert_eq!(fetched.get(), None);
        answer(&pending, 1);
        settle().await;
        assert_eq!(fetched.get(), Some(1));

        query.set(2);
        settle().await;
        assert_eq!(fetched.get(), Some(1), "the last answer stays while the new one is fetched");
        answer(&pending, 2);
        settle().await;
        assert_eq!(fetched.get(), Some(2));

        fetched.refetch();
        settle().await;
        answer(&pending, 2);
        settle().await;
        assert_eq!(fetched.get(), Some(2));
        assert!(pending.borrow().is_empty(), "one fetch per change and per refetch");
    }

    #[wasm_bindgen_test]
    async fn an_answer_a_newer_fetch_overtook_is_dropped() {
        let Page { query, fetched, pending } = page();
        settle().await;
        query.set(2);
        settle().await;
        answer(&pending, 2);
        settle().await;
        assert_eq!(fetched.get(), Some(2));
        answer(&pending, 1);
        settle().await;
        assert_eq!(fetched.get(), Some(2), "the older query's late answer does not replace the newer one");
    }
}
