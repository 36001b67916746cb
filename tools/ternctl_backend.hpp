// ternctl's commands on the embedded Talk backend's database (signaling/backend/): users, app
// passwords, backup and restore. They open the SQLite file directly and need no running tern;
// the file is --db FILE, else signaling.backend.database of --config FILE (default
// /etc/tern/tern.conf, or $TERN_CONFIG), else the built-in default.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tern::ctl {

struct BackendOptions {
    std::string db;      // --db; empty: from the configuration
    std::string config;  // --config; empty: $TERN_CONFIG or /etc/tern/tern.conf
    std::string display_name;
    std::string label;
    bool json = false;
};

/// Whether `words` is one of these commands (user ..., backup FILE, restore FILE).
bool is_backend_command(const std::vector<std::string>& words);

/// Runs it; returns the exit status (0 done, 1 failed, 2 bad usage or input).
int run_backend_command(const std::vector<std::string>& words, const BackendOptions& options);

}  // namespace tern::ctl
