// What the hub asks of the cluster bus (NATS between nodes): messages to publish and interest to
// add or drop, carried out by the edge (nats_link.*) in the order given. The hub keeps each
// subject subscribed at most once.
#pragma once

#include <string>

namespace tern::sig::cluster {

struct Publish {
    std::string subject;
    std::string payload;  // write_event()
};

/// Start (`on`) or stop receiving `subject`.
struct Interest {
    std::string subject;
    bool on = true;
};

}  // namespace tern::sig::cluster
