// sfu-batch FILE: one sfu-* command per line (load generators set up thousands at once), each
// retried for up to ~2 s while its worker's command ring is full; the first refusal stops it.
#include "controlplane/admin/verbs/verbs.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace tern::cp::verbs {

std::string sfu_batch(CommandSink& sink, const SfuContext& ctx, const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) {
        return admin_error(path + ": " + std::strerror(errno));
    }
    char line[1024];
    uint64_t applied = 0;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        std::vector<std::string> args;
        char* save = nullptr;
        for (char* tok = strtok_r(line, " \r\n", &save); tok != nullptr;
             tok = strtok_r(nullptr, " \r\n", &save)) {
            args.emplace_back(tok);
        }
        if (args.empty()) {
            continue;
        }
        std::string r;
        for (int tries = 0; tries < 20000; ++tries) {  // up to ~2 s per line
            r = sfu_command(sink, ctx, args);
            if (r.find("command ring is full") == std::string::npos) {
                break;
            }
            usleep(100);
        }
        if (r.find("\"error\"") != std::string::npos) {
            std::fclose(f);
            return admin_error("line " + std::to_string(applied + 1) + ": " + r);
        }
        ++applied;
    }
    std::fclose(f);
    return nlohmann::json{{"ok", true}, {"applied", applied}}.dump();
}

}  // namespace tern::cp::verbs
