//! Where the CPU went, from `/proc`: the machine's busy ticks, and each process's by thread name.

use std::collections::{BTreeMap, HashMap};

/// Busy and total CPU ticks of the whole machine, from `/proc/stat`.
pub(crate) fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else {
        return (0, 0);
    };
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    let total: u64 = ticks.iter().sum();
    // user nice system idle iowait …: idle and iowait are not busy.
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// CPU ticks per thread name of a process, from `/proc/<pid>/task/*/stat`.
pub(crate) fn cpu_by_thread(pid: u32) -> HashMap<String, u64> {
    let mut by_name: HashMap<String, u64> = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return by_name;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_owned();
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name.
        let ticks: u64 =
            fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
        // Key by thread id too: a thread that ends between samples must not make a delta negative.
        let key = format!("{name}\u{0}{}", task.file_name().to_string_lossy());
        by_name.insert(key, ticks);
    }
    by_name
}

/// CPU seconds per thread-name group between two samples.
pub(crate) fn cpu_delta(
    before: &HashMap<String, u64>,
    after: &HashMap<String, u64>,
) -> BTreeMap<String, f64> {
    let ticks_per_second = 100.0; // USER_HZ on Linux
    let mut groups: BTreeMap<String, f64> = BTreeMap::new();
    for (key, ticks) in after {
        let spent = ticks.saturating_sub(before.get(key).copied().unwrap_or(0));
        let name = key.split('\u{0}').next().unwrap_or_default();
        let group = if name.starts_with("tokio-") {
            "tokio"
        } else if name.starts_with("atelier-server") {
            "main"
        } else if name.starts_with("sqlx-sqlite") {
            "sqlite"
        } else if name.starts_with("load-client") {
            "clients"
        } else if name.starts_with("sims") {
            "simulators"
        } else {
            "other"
        };
        *groups.entry(group.to_owned()).or_default() += spent as f64 / ticks_per_second;
    }
    groups
}

pub(crate) fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

pub(crate) fn machine_cores() -> f64 {
    std::thread::available_parallelism().map_or(2, usize::from) as f64
}
