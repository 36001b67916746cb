#include "signaling/cluster/nats_link.hpp"

#include <boost/asio/post.hpp>

#include <nats/nats.h>

namespace tern::sig::cluster {

namespace {

constexpr int64_t kConnectTimeoutMs = 2000;
constexpr int64_t kReconnectWaitMs = 1000;

/// libnats' own objects, freed on every path.
struct OptionsDeleter {
    void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};

std::string nats_error(natsStatus s) {
    const char* last = nats_GetLastError(nullptr);
    return last != nullptr && *last != '\0' ? std::string(last) : natsStatus_GetText(s);
}

}  // namespace

/// Shared between the link (on the shard's thread) and libnats' delivery threads, which only
/// post to the io_context. `open` is read and written on the shard's thread only.
struct NatsLink::Sink {
    boost::asio::io_context* io = nullptr;
    MessageFn on_message;
    bool open = true;
};

namespace {

/// One per subscription: keeps the Sink alive until libnats says the subscription's handler
/// will not run again (natsSubscription_SetOnCompleteCB).
struct SubClosure {
    std::shared_ptr<void> sink;
};

}  // namespace

NatsLink::NatsLink(boost::asio::io_context& io, const Logger& log, MessageFn on_message)
    : io_(io), log_(log), sink_(std::make_shared<Sink>(Sink{&io, std::move(on_message), true})) {}

NatsLink::~NatsLink() {
    close();
}

Result<bool, std::string> NatsLink::connect(const std::vector<std::string>& urls,
                                            const std::string& name) {
    natsOptions* raw = nullptr;
    if (natsOptions_Create(&raw) != NATS_OK) {
        return unexpected(std::string("nats: out of memory"));
    }
    std::unique_ptr<natsOptions, OptionsDeleter> opts{raw};
    std::vector<const char*> servers;
    for (const std::string& u : urls) {
        servers.push_back(u.c_str());
    }
    natsStatus s =
        natsOptions_SetServers(opts.get(), servers.data(), static_cast<int>(servers.size()));
    if (s == NATS_OK) {
        s = natsOptions_SetName(opts.get(), name.c_str());
    }
    if (s == NATS_OK) {
        s = natsOptions_SetTimeout(opts.get(), kConnectTimeoutMs);
    }
    if (s == NATS_OK) {
        s = natsOptions_SetMaxReconnect(opts.get(), -1);  // a cluster node never gives up
    }
    if (s == NATS_OK) {
        s = natsOptions_SetReconnectWait(opts.get(), kReconnectWaitMs);
    }
    if (s == NATS_OK) {
        // Our own events stay here: the hub has applied them already.
        s = natsOptions_SetNoEcho(opts.get(), true);
    }
    if (s == NATS_OK) {
        s = natsConnection_Connect(&conn_, opts.get());
    }
    if (s != NATS_OK) {
        conn_ = nullptr;
        return unexpected("nats: " + nats_error(s));
    }
    return true;
}

void NatsLink::publish(const Publish& p) {
    if (conn_ == nullptr) {
        return;
    }
    const natsStatus s = natsConnection_Publish(conn_, p.subject.c_str(), p.payload.data(),
                                                static_cast<int>(p.payload.size()));
    if (s != NATS_OK) {
        log_.warn("nats publish failed", {{"subject", p.subject}, {"err", nats_error(s)}});
    }
}

void NatsLink::apply(const Interest& i) {
    if (conn_ == nullptr) {
        return;
    }
    const auto it = subs_.find(i.subject);
    if (!i.on) {
        if (it != subs_.end()) {
            natsSubscription_Unsubscribe(it->second);
            natsSubscription_Destroy(it->second);
            subs_.erase(it);
        }
        return;
    }
    if (it != subs_.end()) {
        return;
    }
    auto* closure = new SubClosure{sink_};
    natsMsgHandler on_msg = [](natsConnection*, natsSubscription*, natsMsg* msg, void* c) {
        auto sink = std::static_pointer_cast<Sink>(static_cast<SubClosure*>(c)->sink);
        std::string subject = natsMsg_GetSubject(msg);
        std::string payload(natsMsg_GetData(msg),
                            static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
        natsMsg_Destroy(msg);
        boost::asio::post(*sink->io,
                          [sink, subject = std::move(subject), payload = std::move(payload)] {
                              if (sink->open) {
                                  sink->on_message(subject, payload);
                              }
                          });
    };
    natsSubscription* sub = nullptr;
    natsStatus s = natsConnection_Subscribe(&sub, conn_, i.subject.c_str(), on_msg, closure);
    if (s == NATS_OK) {
        s = natsSubscription_SetOnCompleteCB(
            sub, [](void* c) { delete static_cast<SubClosure*>(c); }, closure);
        if (s != NATS_OK) {
            // Without the callback the closure would outlive nothing safely: keep it (leaked
            // once) rather than free it under a running handler.
            log_.warn("nats: no completion callback", {{"subject", i.subject}});
        }
        subs_.emplace(i.subject, sub);
        return;
    }
    delete closure;
    log_.warn("nats subscribe failed", {{"subject", i.subject}, {"err", nats_error(s)}});
}

void NatsLink::close() {
    sink_->open = false;
    for (auto& [subject, sub] : subs_) {
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    subs_.clear();
    if (conn_ != nullptr) {
        natsConnection_Close(conn_);
        natsConnection_Destroy(conn_);
        conn_ = nullptr;
    }
}

}  // namespace tern::sig::cluster
