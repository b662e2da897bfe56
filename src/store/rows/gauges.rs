//! What the store says about the whole deployment at one moment, for metrics: the same for every
//! server sharing it.

/// Counts and times read in one pass over the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreGauges {
    /// Requests by status (`open`, `active`, …); statuses with none are absent.
    pub requests: Vec<(String, i64)>,
    /// Jobs due now that no server holds.
    pub jobs_due: i64,
    /// Jobs a server holds (leased) now.
    pub jobs_running: i64,
    /// Jobs waiting to run again after a failed attempt.
    pub jobs_retrying: i64,
    /// When the longest-waiting due job fell due (unix ms).
    pub oldest_due_ms: Option<i64>,
    /// Drift records not yet resolved.
    pub drift_open: i64,
    /// Events in the audit log (its head's sequence number).
    pub audit_length: i64,
    /// Each connection's sync bookkeeping.
    pub syncs: Vec<SyncGauge>,
}

/// One connection's last successful sync and the failures since.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncGauge {
    pub connection: String,
    /// When the last successful sync was attempted (the store's time text).
    pub last_success: Option<String>,
    /// How long it took (ms).
    pub success_ms: Option<i64>,
    /// Syncs failed in a row since (0 when the last one succeeded).
    pub failures: i64,
}
