//! Real-time scheduling for the audio thread and locked memory for the process, asked for
//! where the system allows it, and the one line `chronus play` prints about what it got
//! ([`RealtimeReport`]), with the fix when it got nothing.
//!
//! - **Priority.** The audio thread is found by its name in `/proc/self/task` (cpal's ALSA
//!   worker `cpal_alsa_out`, the null host's `chronus-null-audio`) and moved to
//!   `SCHED_FIFO` at [`PRIORITY`] (capped to `RLIMIT_RTPRIO` when that is lower) **from
//!   the player thread**: the audio thread itself makes no syscall for it. On JACK the
//!   server owns the process thread's scheduling (`jackd -R`), so the line says what
//!   the threads have, without asking.
//! - **Memory.** `mlockall(MCL_CURRENT | MCL_FUTURE)` keeps the engine's buffers out of
//!   swap and page faults. It is asked for only when it cannot make later allocations
//!   fail: `RLIMIT_MEMLOCK` unlimited, or running as root. Otherwise the line says the
//!   limit and the fix (`LimitMEMLOCK=infinity`).

use std::path::Path;
use std::sync::OnceLock;

use nix::sys::resource::{getrlimit, Resource, RLIM_INFINITY};

/// The `SCHED_FIFO` priority asked for (JACK's own default is 70 for its clients' threads;
/// the service allows up to 95 with `LimitRTPRIO=95`).
pub const PRIORITY: i32 = 70;

/// The `SCHED_FIFO` priority of a thread that must keep time beside the audio thread (the
/// outbound thread handing MIDI to external synths): below [`PRIORITY`], so it never
/// preempts the audio.
pub const HELPER_PRIORITY: i32 = PRIORITY - 10;

/// Names (`/proc/.../comm`, at most 15 bytes) of the audio threads we promote ourselves.
pub const AUDIO_THREADS: [&str; 2] = ["cpal_alsa_out", "chronus-null-au"];

/// One thread of this process as `/proc/self/task/TID/stat` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadSched {
    /// Kernel thread id.
    pub tid: i32,
    /// Its name (`comm`).
    pub name: String,
    /// Scheduling policy: 0 normal, 1 `SCHED_FIFO`, 2 `SCHED_RR`, others not real time.
    pub policy: u32,
    /// Real-time priority (0 unless real time).
    pub rt_priority: u32,
}

impl ThreadSched {
    /// True for `SCHED_FIFO` and `SCHED_RR`.
    pub fn is_realtime(&self) -> bool {
        matches!(self.policy, 1 | 2)
    }

    fn policy_name(&self) -> &'static str {
        match self.policy {
            1 => "SCHED_FIFO",
            2 => "SCHED_RR",
            _ => "SCHED_OTHER",
        }
    }

    /// Parses one `stat` line (`tid (comm) state ...`); `comm` may hold spaces and
    /// parentheses, so the fields are counted after the last `)`.
    pub fn parse(stat: &str) -> Option<ThreadSched> {
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let tid = stat[..open].trim().parse().ok()?;
        let name = stat[open + 1..close].to_string();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // Field 3 (state) is fields[0]: rt_priority is field 40, policy field 41.
        Some(ThreadSched {
            tid,
            name,
            rt_priority: fields.get(37)?.parse().ok()?,
            policy: fields.get(38)?.parse().ok()?,
        })
    }
}

/// Every thread of this process (empty where `/proc` is missing).
pub fn threads() -> Vec<ThreadSched> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let stat = std::fs::read_to_string(e.ok()?.path().join("stat")).ok()?;
        ThreadSched::parse(&stat)
    })
    .collect()
}

/// Whether memory got locked, and why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemoryLock {
    /// `mlockall` succeeded.
    Locked,
    /// Not locked: the reason, with the fix.
    NotLocked(String),
}

/// Locks the process's memory now and for the future, when that cannot make allocations
/// fail later (see the module docs). Asked once per process: later calls return the first
/// answer.
pub fn lock_memory() -> MemoryLock {
    static ONCE: OnceLock<MemoryLock> = OnceLock::new();
    ONCE.get_or_init(lock_memory_now).clone()
}

fn lock_memory_now() -> MemoryLock {
    use nix::sys::mman::{mlockall, MlockAllFlags};
    let limit = getrlimit(Resource::RLIMIT_MEMLOCK)
        .map(|(soft, _)| soft)
        .ok();
    if limit != Some(RLIM_INFINITY) && !is_root() {
        let limit = match limit {
            Some(l) => format!("{} KiB", l / 1024),
            None => "unknown".into(),
        };
        return MemoryLock::NotLocked(format!(
            "memory not locked: RLIMIT_MEMLOCK is {limit} (fix: LimitMEMLOCK=infinity in the \
             service, or `@audio - memlock unlimited` in /etc/security/limits.d/audio.conf)"
        ));
    }
    match mlockall(MlockAllFlags::MCL_CURRENT | MlockAllFlags::MCL_FUTURE) {
        Ok(()) => MemoryLock::Locked,
        Err(e) => MemoryLock::NotLocked(format!(
            "memory not locked: mlockall: {e} (fix: LimitMEMLOCK=infinity in the service)"
        )),
    }
}

/// True when the effective user is root (`Uid:` in `/proc/self/status`).
fn is_root() -> bool {
    std::fs::read_to_string(Path::new("/proc/self/status"))
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Uid:"))?.to_string();
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

/// Moves thread `tid` of this process to `SCHED_FIFO` at `priority`.
fn set_fifo(tid: i32, priority: i32) -> std::io::Result<()> {
    let param = libc::sched_param {
        sched_priority: priority,
    };
    // SAFETY: `param` is a valid, initialised `sched_param` that outlives the call, which
    // only reads it; a wrong tid is an error return (ESRCH), not undefined behaviour.
    let r = unsafe { libc::sched_setscheduler(tid, libc::SCHED_FIFO, &param) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The priority to ask for: `wanted`, capped to a lower `RLIMIT_RTPRIO` (0 or unlimited:
/// ask for `wanted`; root may, others are refused and told the fix).
fn capped(wanted: i32) -> i32 {
    match getrlimit(Resource::RLIMIT_RTPRIO) {
        Ok((soft, _)) if soft != RLIM_INFINITY && soft > 0 => wanted.min(soft as i32),
        _ => wanted,
    }
}

/// The calling thread as `/proc/thread-self/stat` shows it.
fn this_thread() -> Option<ThreadSched> {
    ThreadSched::parse(&std::fs::read_to_string("/proc/thread-self/stat").ok()?)
}

/// Moves the **calling** thread to `SCHED_FIFO` at `priority` (capped to a lower
/// `RLIMIT_RTPRIO`, and to one below the lowest real-time thread already running in the
/// process, e.g. JACK's process threads: it must never preempt them), and returns the one line saying what it got, read back from
/// `/proc`, naming the thread `what`: `real-time: the MIDI out thread chronus-out at
/// SCHED_FIFO priority 60`, or `real-time: none for the MIDI out thread chronus-out
/// (sched_setscheduler: ...; fix: ...)`. For a control thread that must keep time (never
/// the audio thread: this is a syscall).
pub fn promote_this_thread(what: &str, priority: i32) -> String {
    // Never above a real-time thread already running here (JACK's process threads, at
    // the priority the JACK server gives its clients): one below the lowest of them.
    let me = this_thread().map(|t| t.tid);
    let below = threads()
        .into_iter()
        .filter(|t| t.is_realtime() && Some(t.tid) != me)
        .map(|t| t.rt_priority as i32 - 1)
        .min();
    let priority = below.map_or(priority, |b| priority.min(b)).max(1);
    // 0: the calling thread.
    let asked = set_fifo(0, capped(priority));
    let got = this_thread();
    let name = got.as_ref().map(|t| t.name.as_str()).unwrap_or("?");
    match (&got, asked) {
        (Some(t), _) if t.is_realtime() => format!(
            "real-time: {what} {name} at {} priority {}",
            t.policy_name(),
            t.rt_priority
        ),
        (_, Err(e)) => format!(
            "real-time: none for {what} {name} (sched_setscheduler: {e}; fix: LimitRTPRIO=95 \
             in the service, or `@audio - rtprio 95` in /etc/security/limits.d/audio.conf and \
             the user in the `audio` group)"
        ),
        (_, Ok(())) => format!("real-time: none for {what} {name} (it runs at SCHED_OTHER)"),
    }
}

/// What the audio thread and the memory got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealtimeReport {
    /// The audio thread found (after promotion), if any.
    pub audio_thread: Option<ThreadSched>,
    /// Why promotion failed, if it did.
    pub error: Option<String>,
    /// The host schedules the audio thread itself (JACK).
    pub host_managed: bool,
    /// Memory locking.
    pub memory: MemoryLock,
}

impl RealtimeReport {
    /// True when the audio thread runs at real-time priority.
    pub fn realtime(&self) -> bool {
        self.audio_thread
            .as_ref()
            .is_some_and(ThreadSched::is_realtime)
    }

    /// The one line `chronus play` prints.
    pub fn line(&self) -> String {
        let memory = match &self.memory {
            MemoryLock::Locked => "memory locked (mlockall)".to_string(),
            MemoryLock::NotLocked(why) => why.clone(),
        };
        let sched = match (&self.audio_thread, &self.error) {
            (Some(t), _) if t.is_realtime() => format!(
                "audio thread {} at {} priority {}",
                t.name,
                t.policy_name(),
                t.rt_priority
            ),
            _ if self.host_managed => {
                let rt = threads().into_iter().find(ThreadSched::is_realtime);
                match rt {
                    Some(t) => format!(
                        "the JACK server runs our process thread at {} priority {}",
                        t.policy_name(),
                        t.rt_priority
                    ),
                    None => "none: the JACK server does not run its clients in real time \
                             (fix: start jackd with -R, as a member of the `audio` group)"
                        .to_string(),
                }
            }
            (_, Some(e)) => format!(
                "none: the audio thread runs at normal priority ({e}; fix: LimitRTPRIO=95 in \
                 the service, or `@audio - rtprio 95` in /etc/security/limits.d/audio.conf and \
                 the user in the `audio` group)"
            ),
            (None, None) => "none: no audio thread found to promote".to_string(),
            (Some(t), None) => format!("none: the audio thread runs at {}", t.policy_name()),
        };
        format!("real-time: {sched}; {memory}")
    }
}

/// Locks memory (once per process, [`lock_memory`]), promotes the audio thread (unless
/// `host_managed`) and reports what both got.
pub fn promote_audio_thread(host_managed: bool) -> RealtimeReport {
    let memory = lock_memory();
    let find = || {
        threads()
            .into_iter()
            .find(|t| AUDIO_THREADS.contains(&t.name.as_str()))
    };
    let mut error = None;
    if !host_managed {
        match find() {
            Some(t) => {
                if let Err(e) = set_fifo(t.tid, capped(PRIORITY)) {
                    error = Some(format!("sched_setscheduler: {e}"));
                }
            }
            None => error = Some("no audio thread found".into()),
        }
    }
    RealtimeReport {
        audio_thread: find(),
        error,
        host_managed,
        memory,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_stat_line_with_spaces_in_the_name() {
        let mut stat = String::from("1234 (a (b) c) S");
        for field in 4..=39 {
            stat.push_str(&format!(" {field}"));
        }
        stat.push_str(" 70 1 0 0");
        let t = ThreadSched::parse(&stat).unwrap();
        assert_eq!(t.tid, 1234);
        assert_eq!(t.name, "a (b) c");
        assert_eq!((t.rt_priority, t.policy), (70, 1));
        assert!(t.is_realtime());
    }

    #[test]
    fn reads_this_process_threads() {
        let all = threads();
        assert!(all.iter().any(|t| t.tid as u32 == std::process::id()));
    }

    #[test]
    fn a_thread_promoting_itself_says_what_it_got() {
        let line = std::thread::Builder::new()
            .name("promote-test".into())
            .spawn(|| {
                let line = promote_this_thread("the test thread", HELPER_PRIORITY);
                (line, this_thread().unwrap())
            })
            .unwrap()
            .join()
            .unwrap();
        let (line, t) = line;
        assert_eq!(t.name, "promote-test");
        if t.is_realtime() {
            assert_eq!(
                line,
                format!(
                    "real-time: the test thread promote-test at SCHED_FIFO priority {}",
                    t.rt_priority
                )
            );
            let p = t.rt_priority as i32;
            assert!(p <= HELPER_PRIORITY, "{line}");
        } else {
            assert!(
                line.starts_with("real-time: none for the test thread promote-test ("),
                "{line}"
            );
        }
    }

    #[test]
    fn a_thread_stays_below_the_real_time_threads_already_running() {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        // A real-time thread at 20, as a JACK client's process thread may be.
        let holder = std::thread::spawn(move || {
            ready_tx.send(set_fifo(0, 20).is_ok()).unwrap();
            let _ = done_rx.recv();
        });
        let allowed = ready_rx.recv().unwrap();
        let promoted = std::thread::spawn(|| {
            let line = promote_this_thread("the test thread", HELPER_PRIORITY);
            (line, this_thread().unwrap())
        })
        .join()
        .unwrap();
        done_tx.send(()).unwrap();
        holder.join().unwrap();
        if !allowed {
            // Real-time scheduling is not allowed here: the other test covers that line.
            return;
        }
        let (line, t) = promoted;
        assert!(t.is_realtime(), "{line}");
        assert!(t.rt_priority <= 19, "above the thread at 20: {line}");
    }

    #[test]
    fn the_line_names_the_fix_when_nothing_was_granted() {
        let r = RealtimeReport {
            audio_thread: None,
            error: Some("sched_setscheduler: Operation not permitted".into()),
            host_managed: false,
            memory: MemoryLock::NotLocked("memory not locked: x".into()),
        };
        let line = r.line();
        assert!(line.starts_with("real-time: none: "), "{line}");
        assert!(line.contains("LimitRTPRIO=95"), "{line}");
        assert!(line.ends_with("memory not locked: x"), "{line}");
    }
}
