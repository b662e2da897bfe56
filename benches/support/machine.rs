//! The machine and this process as `/proc` shows them (Linux): the description a report opens
//! with, CPU time (this process, some of its threads, other processes, the whole machine, the
//! hypervisor's steal) and memory (RSS and its peak).

use std::time::Duration;

/// The CPU model, or `unknown`.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The cores this process may use (0 when unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}

/// Physical memory in GiB.
pub fn memory_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
        / 1024.0
}

/// The 1, 5 and 15 minute load averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Opens the report with the machine: "N cores (CPU)`more`; load average at start: …", where
/// `more` is what the bench adds (memory, the commit).
pub fn describe(report: &mut super::report::Report, more: &str) {
    let (cores, cpu) = (cores(), cpu_model());
    report.heading("Machine");
    report.note(&format!(
        "{cores} cores ({cpu}){more}; load average at start: {}",
        loadavg()
    ));
}

/// The fields after the command name of a `/proc/PID/stat` line (field 3, the state, first).
pub fn stat_fields(stat: &str) -> Vec<u64> {
    stat.rfind(')')
        .map(|at| {
            stat[at + 1..]
                .split_whitespace()
                .map(|f| f.parse().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default()
}

fn ticks_to_duration(ticks: u64) -> Duration {
    // SAFETY: sysconf only reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_micros(ticks * 1_000_000 / hz)
}

/// utime + stime (and cutime + cstime when `children`) of a `/proc/PID/stat` line.
pub fn stat_cpu(stat: &str, children: bool) -> Duration {
    let f = stat_fields(stat);
    let get = |i: usize| f.get(i).copied().unwrap_or(0);
    let own = get(11) + get(12);
    ticks_to_duration(if children {
        own + get(13) + get(14)
    } else {
        own
    })
}

/// CPU time of this whole process (threads that have ended included).
pub fn cpu_process() -> Duration {
    stat_cpu(
        &std::fs::read_to_string("/proc/self/stat").unwrap_or_default(),
        false,
    )
}

/// CPU time of this process's live threads named `name`.
pub fn cpu_threads(name: &str) -> Duration {
    std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim_end() == name)
        })
        .map(|t| {
            stat_cpu(
                &std::fs::read_to_string(t.path().join("stat")).unwrap_or_default(),
                false,
            )
        })
        .sum()
}

/// CPU time of other processes (PostgreSQL backends).
pub fn cpu_pids(pids: &[i32]) -> Duration {
    pids.iter()
        .map(|p| {
            stat_cpu(
                &std::fs::read_to_string(format!("/proc/{p}/stat")).unwrap_or_default(),
                false,
            )
        })
        .sum()
}

/// CPU time of a server and its children: the parent, the children it has reaped (its cutime)
/// and those still running. The sum only grows: a child's time moves from the live children to
/// the parent's cutime when it ends.
pub fn cpu_tree(parent: i32) -> Duration {
    let own = stat_cpu(
        &std::fs::read_to_string(format!("/proc/{parent}/stat")).unwrap_or_default(),
        true,
    );
    let live: Duration = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<i32>().is_ok())
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|s| stat_fields(s).get(1).copied() == Some(parent as u64))
        .map(|s| stat_cpu(&s, false))
        .sum();
    own + live
}

/// The parent of process `pid` (0 when unknown).
pub fn parent_of(pid: i32) -> i32 {
    stat_fields(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
        .get(1)
        .copied()
        .unwrap_or(0) as i32
}

/// The sum of some columns of the `cpu` line of /proc/stat.
fn proc_stat_cpu(columns: &[usize]) -> Duration {
    let s = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks: u64 = s
        .lines()
        .next()
        .map(|l| {
            let f: Vec<u64> = l
                .split_whitespace()
                .skip(1)
                .filter_map(|v| v.parse().ok())
                .collect();
            columns.iter().filter_map(|&k| f.get(k)).sum()
        })
        .unwrap_or(0);
    ticks_to_duration(ticks)
}

/// CPU time the whole machine spent busy (all cores; steal time left out).
pub fn cpu_system() -> Duration {
    // user nice system idle iowait irq softirq steal: the busy ones.
    proc_stat_cpu(&[0, 1, 2, 5, 6])
}

/// Time the hypervisor gave this machine's virtual CPUs to someone else (all cores).
pub fn cpu_steal() -> Duration {
    proc_stat_cpu(&[7])
}

/// A field of a `/proc/PID/status` file in bytes (`VmRSS`, `VmHWM`, `RssAnon`).
pub fn status_bytes_of(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A field of /proc/self/status in bytes.
fn status_bytes(field: &str) -> u64 {
    status_bytes_of(
        &std::fs::read_to_string("/proc/self/status").unwrap_or_default(),
        field,
    )
}

/// This process's resident memory.
pub fn rss() -> u64 {
    status_bytes("VmRSS")
}

/// This process's peak resident memory (since the start or the last [`reset_hwm`]).
pub fn hwm() -> u64 {
    status_bytes("VmHWM")
}

/// Resets VmHWM to the current RSS (Linux: `5` in /proc/self/clear_refs), so that a peak can be
/// attributed to one phase. False when the kernel refuses.
pub fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Returns freed memory to the kernel so that RSS shows what is held, not what was once used.
pub fn trim() {
    // SAFETY: malloc_trim only walks glibc's own arenas; any pad is valid.
    unsafe {
        libc::malloc_trim(0);
    }
}
