#include "signaling_load/proc_probe.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace tern::perf::sigload {

double process_cpu_seconds(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(f, line)) {
        return -1;
    }
    // The command name (field 2) may hold spaces and parentheses: fields restart after the
    // last ')'. Then state is field 3; utime and stime are fields 14 and 15 (proc(5)).
    const size_t close = line.rfind(')');
    if (close == std::string::npos) {
        return -1;
    }
    std::istringstream rest(line.substr(close + 1));
    std::string skip;
    for (int field = 3; field <= 13; ++field) {
        rest >> skip;
    }
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    if (!(rest >> utime >> stime)) {
        return -1;
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long process_rss_kib(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stol(line.substr(6));  // "VmRSS:   12345 kB"
        }
    }
    return -1;
}

}  // namespace tern::perf::sigload
