// libFuzzer target: the SDP parser, then the control plane's reading of it as a publisher's offer
// and a subscriber's answer, and the answer written back (what a browser's SDP goes through).
#include "common/sdp/sdp.hpp"
#include "controlplane/webrtc/negotiation.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    auto s = tern::sdp::parse(std::string_view{reinterpret_cast<const char*>(data), size});
    if (!s) {
        return 0;
    }
    tern::cp::CodecPreferences prefs;
    prefs.data_channels = (size & 1) != 0;
    if (auto offer = tern::cp::read_offer(*s, prefs)) {
        tern::cp::LocalParams local{"ufrag", "password", "sha-256 00", {{"198.18.0.2", 20000}},
                                    1,       1};
        const std::string answer = tern::cp::write_answer(*offer, local);
        if (!tern::sdp::parse(answer)) {
            __builtin_trap();  // what we write must parse
        }
    }
    (void)tern::cp::read_answer(*s);
    for (const auto& m : s->media) {
        for (auto c : m.attrs("candidate")) {
            (void)tern::cp::valid_candidate("candidate:" + std::string(c));
        }
    }
    return 0;
}
