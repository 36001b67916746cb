#pragma once
// Another process's CPU time and resident memory, read from /proc (Linux).

namespace tern::perf::sigload {

/// utime + stime of `pid` in seconds, or a negative value when it cannot be read.
double process_cpu_seconds(int pid);

/// VmRSS of `pid` in KiB, or a negative value when it cannot be read.
long process_rss_kib(int pid);

}  // namespace tern::perf::sigload
