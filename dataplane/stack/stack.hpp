// Compatibility only: the SFU's tests (dataplane/sfu/sfu_stack_test.cpp) drive the whole packet
// path under the name it had when the host stack also dispatched to the services. New code
// names HostStack (L2-L4, host_stack.hpp) or PacketPath (dataplane/lcore/packet_path.hpp).
// TODO(lead): remove once those tests name PacketPath.
#pragma once

#include "dataplane/lcore/packet_path.hpp"

namespace tern::dp {

using Stack = PacketPath;

}  // namespace tern::dp
