//! What ssecat asks of the operating system beyond std: used by `bench` and `serve`, which
//! each hold one file descriptor per connection.

/// Sets the soft RLIMIT_NOFILE to the hard limit, as servers and load testers do (a shell's
/// default soft limit, often 1024, is far below what a machine allows). Returns the soft limit
/// now in force, or `None` where it cannot be read (not Unix).
pub fn raise_nofile_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit write and read the struct we pass.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return None;
            }
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                // Refused where the hard limit is "unlimited" and the kernel caps it (macOS):
                // the old limit stays, which is still correct.
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim = raised;
                }
            }
        }
        Some(lim.rlim_cur)
    }
    #[cfg(not(unix))]
    {
        None
    }
}
