//! 应用状态 — what every handler can reach.

use std::ops::Deref;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::config::Config;
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
}

impl AppState {
    /// Wraps the parts.
    pub fn new(store: Store, config: Config) -> Self {
        Self(Arc::new(App { store, config }))
    }
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl App {
    /// Today's date in Asia/Shanghai, where every deadline and birth date is reckoned.
    pub fn today(&self) -> NaiveDate {
        chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
    }
}
