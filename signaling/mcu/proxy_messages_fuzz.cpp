// libFuzzer target: any frame a proxy could send through the proxy-message parser, and every
// message it accepts through the MCU client's state machine. Must never crash; candidates it
// keeps as JSON must be valid JSON again (they are forwarded to Talk clients unchanged).
#include "signaling/api/must_be_json_fuzz_support.hpp"
#include "signaling/mcu/mcu_client.hpp"
#include "signaling/mcu/proxy_messages.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using tern::sig::fuzz::must_be_json;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    using namespace tern::sig::mcu;
    const std::string_view frame{reinterpret_cast<const char*>(data), size};
    auto r = parse_proxy_message(frame);
    if (r) {
        if (const auto* p = std::get_if<ProxyPayload>(&r->body)) {
            must_be_json(p->candidate);
        }
    }
    // A client with a publisher and a request in flight ("1" hello, "2" create, "3" offer), then
    // the frame: replies, proxy-initiated messages and garbage all take their paths.
    McuClient client({{"ws://p"}, 10'000'000, 60'000'000, 1'000'000}, [](int64_t) {
        return tern::Result<std::string, std::string>{std::string("t")};
    });
    (void)client.start(0);
    (void)client.on_open(0, 1);
    (void)client.on_frame(
        0, R"({"id":"1","type":"hello","hello":{"version":"1.0","sessionid":"s"}})", 2);
    const StreamRef ref{"a", "a", "video", "sid"};
    (void)client.publish(ref, {}, "v=0", 3);
    (void)client.on_frame(0, R"({"id":"2","type":"command","command":{"id":"c1","bitrate":1000}})",
                          4);
    auto fx = client.on_frame(0, frame, 5);
    for (const McuResult& res : fx.results) {
        if (const auto* c = std::get_if<SfuCandidate>(&res)) {
            must_be_json(c->candidate);
        }
    }
    (void)client.tick(100'000'000);
    return 0;
}
