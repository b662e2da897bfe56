//! Prometheus metrics for `GET /metrics`: counters and histograms this process keeps as it works
//! (HTTP requests, tool calls, chat turns, job steps, syncs), and gauges read from the store at
//! each scrape (requests by state, jobs, drift, the audit log, each connection's last sync),
//! which every server sharing the store reports alike. One registry per app, never a global one:
//! two apps in one process (tests) count apart.

mod classic;
mod labels;

use crate::store::gauges::StoreGauges;
use labels::{ChatLabels, ConnectionLabels, HttpLabels, JobLabels, JobState, RouteLabels};
use labels::{RequestState, SyncLabels, ToolLabels};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

pub use classic::CONTENT_TYPE as CLASSIC_CONTENT_TYPE;
pub use classic::from_openmetrics as classic;
pub use labels::{Caller, caller_of};

/// A gauge holding seconds, a time or a duration.
type Seconds = Gauge<f64, AtomicU64>;
type Latencies<L> = Family<L, Histogram, fn() -> Histogram>;

/// Request latencies: 0.5 ms to about 16 s.
fn http_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// Chat turns take longer (an LLM's answer): 5 ms to about 80 s.
fn chat_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

/// The metrics of one app. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Metrics(Arc<Parts>);

struct Parts {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_seconds: Latencies<RouteLabels>,
    tool_calls: Family<ToolLabels, Counter>,
    chat_turns: Family<ChatLabels, Counter>,
    chat_seconds: Latencies<ChatLabels>,
    job_steps: Family<JobLabels, Counter>,
    syncs: Family<SyncLabels, Counter>,
    requests: Family<RequestState, Gauge>,
    jobs: Family<JobState, Gauge>,
    oldest_due: Seconds,
    drift_open: Gauge,
    audit_events: Gauge,
    sync_last_success: Family<ConnectionLabels, Seconds>,
    sync_duration: Family<ConnectionLabels, Seconds>,
    sync_failing: Family<ConnectionLabels, Gauge>,
    store_readable: Gauge,
    /// Held while the store's gauges are set and the text written, so that two scrapes at
    /// once never see each other's half-set families.
    scrape: std::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut r = Registry::default();
        let p = Parts {
            http_requests: Family::default(),
            http_seconds: Family::new_with_constructor(http_buckets),
            tool_calls: Family::default(),
            chat_turns: Family::default(),
            chat_seconds: Family::new_with_constructor(chat_buckets),
            job_steps: Family::default(),
            syncs: Family::default(),
            requests: Family::default(),
            jobs: Family::default(),
            oldest_due: Seconds::default(),
            drift_open: Gauge::default(),
            audit_events: Gauge::default(),
            sync_last_success: Family::default(),
            sync_duration: Family::default(),
            sync_failing: Family::default(),
            store_readable: Gauge::default(),
            scrape: std::sync::Mutex::new(()),
            registry: Registry::default(),
        };
        r.register(
            "warden_http_requests",
            "HTTP requests answered, by route template, method and status",
            p.http_requests.clone(),
        );
        r.register_with_unit(
            "warden_http_request_duration",
            "Time to answer an HTTP request, by route template and method",
            Unit::Seconds,
            p.http_seconds.clone(),
        );
        r.register(
            "warden_tool_calls",
            "Tool calls by tool, caller (person, agent, chat, operator) and outcome (ok or the error code)",
            p.tool_calls.clone(),
        );
        r.register(
            "warden_chat_turns",
            "Chat turns answered, by engine (embedded, llm) and outcome",
            p.chat_turns.clone(),
        );
        r.register_with_unit(
            "warden_chat_turn_duration",
            "Time to answer a chat turn, by engine and outcome",
            Unit::Seconds,
            p.chat_seconds.clone(),
        );
        r.register(
            "warden_job_steps",
            "Job steps this server ran, by kind and outcome (done, later, retried, failed)",
            p.job_steps.clone(),
        );
        r.register(
            "warden_syncs",
            "Syncs this server ran, by connection and outcome (ok, failed)",
            p.syncs.clone(),
        );
        r.register(
            "warden_requests",
            "Access requests in the store, by state",
            p.requests.clone(),
        );
        r.register(
            "warden_jobs",
            "Jobs not done, by state: due (waiting for a server), running (held by one), retrying (failed before, waiting to run again)",
            p.jobs.clone(),
        );
        r.register_with_unit(
            "warden_jobs_oldest_due_age",
            "How long the longest-waiting due job has waited (0 when none is due)",
            Unit::Seconds,
            p.oldest_due.clone(),
        );
        r.register(
            "warden_drift_open",
            "Drift records not resolved: grants Warden made that a sync no longer saw, or revoked ones it saw again",
            p.drift_open.clone(),
        );
        r.register(
            "warden_audit_events",
            "Events in the audit log's hash chain",
            p.audit_events.clone(),
        );
        r.register_with_unit(
            "warden_sync_last_success_timestamp",
            "When each connection's last successful sync started (unix time)",
            Unit::Seconds,
            p.sync_last_success.clone(),
        );
        r.register_with_unit(
            "warden_sync_last_success_duration",
            "How long each connection's last successful sync took",
            Unit::Seconds,
            p.sync_duration.clone(),
        );
        r.register(
            "warden_sync_failures_in_a_row",
            "Syncs of each connection failed since its last success",
            p.sync_failing.clone(),
        );
        r.register(
            "warden_store_readable",
            "1 when this scrape read the store's gauges, 0 when the store could not be read",
            p.store_readable.clone(),
        );
        Metrics(Arc::new(Parts { registry: r, ..p }))
    }

    /// An HTTP request answered: `route` is its template (`/v1/requests/{id}`), never the path
    /// itself, so that ids do not become label values.
    pub fn http_answered(&self, route: &str, method: &'static str, status: u16, seconds: f64) {
        let p = &self.0;
        p.http_requests
            .get_or_create(&HttpLabels::new(route, method, status))
            .inc();
        p.http_seconds
            .get_or_create(&RouteLabels::new(route, method))
            .observe(seconds);
    }

    /// A tool call ended: `outcome` is `ok` or the error's code.
    pub fn tool_called(&self, tool: &'static str, caller: Caller, outcome: &'static str) {
        self.0
            .tool_calls
            .get_or_create(&ToolLabels::new(tool, caller, outcome))
            .inc();
    }

    /// A chat turn ended (`ok`, or the error's code).
    pub fn chat_turn(&self, engine: &'static str, outcome: &'static str, seconds: f64) {
        let labels = ChatLabels::new(engine, outcome);
        self.0.chat_turns.get_or_create(&labels).inc();
        self.0.chat_seconds.get_or_create(&labels).observe(seconds);
    }

    /// A job step ended: `done`, `later` (waiting on something), `retried` or `failed`.
    pub fn job_step(&self, kind: &str, outcome: &'static str) {
        self.0
            .job_steps
            .get_or_create(&JobLabels::new(kind, outcome))
            .inc();
    }

    /// A sync of `connection` ran here.
    pub fn sync_ran(&self, connection: &str, ok: bool) {
        let labels = SyncLabels::new(connection, if ok { "ok" } else { "failed" });
        self.0.syncs.get_or_create(&labels).inc();
    }

    /// The exposition text (OpenMetrics, which Prometheus reads, ending in `# EOF`), with the
    /// store's gauges set to `gauges` (read at `now`, unix ms); `None`: the store could not be
    /// read, and its gauges keep their last values.
    pub fn render_with(&self, gauges: Option<&StoreGauges>, now: i64) -> String {
        let _one_at_a_time = self
            .0
            .scrape
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match gauges {
            Some(g) => {
                self.set_store(g, now);
                self.0.store_readable.set(1);
            }
            None => {
                self.0.store_readable.set(0);
            }
        }
        let mut out = String::new();
        // Writing to a String cannot fail; a metric that could not be written is left out.
        let _ = encode(&mut out, &self.0.registry);
        out
    }

    /// Sets the store's gauges to what it holds now (`now`: unix ms). A state or connection no
    /// longer there is dropped, not left at its last value.
    fn set_store(&self, g: &StoreGauges, now: i64) {
        let p = &self.0;
        p.requests.clear();
        for state in crate::model::request::Status::ALL {
            let n = g
                .requests
                .iter()
                .find(|(s, _)| s == state.as_str())
                .map_or(0, |(_, n)| *n);
            p.requests
                .get_or_create(&RequestState::new(state.as_str()))
                .set(n);
        }
        for (state, n) in [
            ("due", g.jobs_due),
            ("running", g.jobs_running),
            ("retrying", g.jobs_retrying),
        ] {
            p.jobs.get_or_create(&JobState::new(state)).set(n);
        }
        let waited = g.oldest_due_ms.map_or(0, |at| (now - at).max(0));
        p.oldest_due.set(waited as f64 / 1000.0);
        p.drift_open.set(g.drift_open);
        p.audit_events.set(g.audit_length);
        p.sync_last_success.clear();
        p.sync_duration.clear();
        p.sync_failing.clear();
        for s in &g.syncs {
            let labels = ConnectionLabels::of(&s.connection);
            let success = s
                .last_success
                .as_deref()
                .and_then(crate::model::time::parse_stamp);
            if let Some(at) = success {
                let secs = at.timestamp_millis() as f64 / 1000.0;
                p.sync_last_success.get_or_create(&labels).set(secs);
            }
            if let Some(ms) = s.success_ms {
                p.sync_duration
                    .get_or_create(&labels)
                    .set(ms as f64 / 1000.0);
            }
            p.sync_failing.get_or_create(&labels).set(s.failures);
        }
    }
}
