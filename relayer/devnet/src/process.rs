//! Background processes the devnet starts, tracked by pid so `down` stops exactly those.
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

/// One started process.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tracked {
    pub pid: u32,
    /// Program started (for humans).
    pub exe: String,
    /// Kernel start time of the process (`/proc/<pid>/stat` field 22): a recycled pid has another,
    /// so a stale table never makes us signal a stranger.
    pub start_time: u64,
    pub log: PathBuf,
}

/// The table of started processes, persisted in the devnet folder.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProcessTable {
    pub processes: BTreeMap<String, Tracked>,
}

impl ProcessTable {
    pub fn load(path: &Path) -> ProcessTable {
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self).expect("serialisable"))?;
        std::fs::rename(tmp, path)
    }
}

/// Starts `program` in its own process group (it outlives this command), output appended to `log`.
pub fn spawn_detached(program: &Path, args: &[&str], envs: &[(&str, &str)], log: &Path) -> std::io::Result<Tracked> {
    let out = OpenOptions::new().create(true).append(true).open(log)?;
    let err = out.try_clone()?;
    let child = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()?;
    let start_time = proc_stat(child.id()).map(|(_, t)| t).unwrap_or_default();
    Ok(Tracked { pid: child.id(), exe: exe_name(&program.to_string_lossy()), start_time, log: log.to_path_buf() })
}

fn exe_name(path: &str) -> String {
    Path::new(path).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
}

/// State letter and start time of a process.
fn proc_stat(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // fields after the parenthesised command name: state is field 3, starttime field 22
    let rest: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some((rest.first()?.to_string(), rest.get(19)?.parse().ok()?))
}

/// Whether the process is running (not a zombie) and is still the one we started.
pub fn is_alive(t: &Tracked) -> bool {
    match proc_stat(t.pid) {
        Some((state, start)) => state != "Z" && state != "X" && start == t.start_time,
        None => false,
    }
}

/// SIGTERM, then SIGKILL after `grace`; returns once the process is gone.
pub fn stop(t: &Tracked, grace: Duration) {
    if !is_alive(t) {
        return;
    }
    let pid = Pid::from_raw(t.pid as i32);
    let _ = kill(pid, Signal::SIGTERM);
    let start = Instant::now();
    while is_alive(t) && start.elapsed() < grace {
        std::thread::sleep(Duration::from_millis(50));
    }
    if is_alive(t) {
        let _ = kill(pid, Signal::SIGKILL);
        while is_alive(t) && start.elapsed() < grace + Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Immediate SIGKILL (tests of crash behaviour).
pub fn kill_now(t: &Tracked) {
    let _ = kill(Pid::from_raw(t.pid as i32), Signal::SIGKILL);
    let start = Instant::now();
    while is_alive(t) && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Last `lines` lines of a log, for error messages.
pub fn tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detached_process_is_tracked_and_stopped() {
        let dir = std::env::temp_dir().join(format!("mesh-proc-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let t = spawn_detached(Path::new("/bin/sleep"), &["30"], &[], &dir.join("sleep.log")).unwrap();
        assert!(is_alive(&t));
        let mut recycled = t.clone();
        recycled.start_time += 1;
        assert!(!is_alive(&recycled), "the same pid started at another time is not ours");
        stop(&t, Duration::from_secs(2));
        assert!(!is_alive(&t));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
