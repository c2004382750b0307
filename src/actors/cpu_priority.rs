//! The priority of the CPU pools' threads relative to request handling.

/// Puts the calling pool thread (bcrypt, thumbnails) under `SCHED_IDLE`: it uses a core whenever
/// request handling leaves one idle and never preempts it. Measured on 2 cores
/// with one hashing thread: /auth/me p99 during a login flood rose 3.2× at normal
/// priority and 1.35× under `SCHED_IDLE` (BENCHMARKS.md).
pub fn yield_to_request_handling() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` outlives the call; pid 0 names the calling thread.
        let result = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
        if result != 0 {
            tracing::warn!("cannot move a CPU pool thread to SCHED_IDLE");
        }
    }
}
