#include "signaling/cluster/nats_link.hpp"

#include "signaling/cluster/cluster_event_codec.hpp"
#include "signaling/cluster/session_record_codec.hpp"
#include "signaling/cluster/session_store.hpp"

#include <boost/asio/post.hpp>

#include <charconv>
#include <nats/nats.h>

namespace tern::sig::cluster {

namespace {

constexpr int64_t kConnectTimeoutMs = 2000;
constexpr int64_t kReconnectWaitMs = 1000;
/// How long a replay waits for the next message it knows is pending.
constexpr int64_t kReplayWaitMs = 2000;
constexpr int kJsStreamNameExists = 10058;  // JetStream API error "stream name already in use"

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
    LoadedFn on_loaded;
    ReplayFn on_replay;
    bool open = true;
};

namespace {

/// One per subscription: keeps the Sink alive until libnats says the subscription's handler
/// will not run again (natsSubscription_SetOnCompleteCB). `live` subscriptions receive the
/// stream's republication: their subjects lose the prefix and carry Nats-Sequence.
struct SubClosure {
    std::shared_ptr<void> sink;
    bool live = false;
};

uint64_t header_seq(natsMsg* msg) {
    const char* v = nullptr;
    uint64_t seq = 0;
    if (natsMsgHeader_Get(msg, "Nats-Sequence", &v) == NATS_OK && v != nullptr) {
        const std::string_view text{v};
        std::from_chars(text.data(), text.data() + text.size(), seq);
    }
    return seq;
}

}  // namespace

NatsLink::NatsLink(boost::asio::io_context& io, const Logger& log, MessageFn on_message,
                   LoadedFn on_loaded, ReplayFn on_replay)
    : io_(io), log_(log),
      sink_(std::make_shared<Sink>(
          Sink{&io, std::move(on_message), std::move(on_loaded), std::move(on_replay), true})) {}

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
    servers.reserve(urls.size());
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
        // Written at once rather than by libnats' flusher (which waits a millisecond to batch):
        // a node's stream mark must leave before the frames it covers reach the client, or a
        // kill in between replays them twice after a takeover (see Shard::apply).
        s = natsOptions_SetSendAsap(opts.get(), true);
    }
    if (s == NATS_OK) {
        // Messages of every subscription are delivered by libnats' shared pool of threads.
        // Without this libnats starts a thread per subscription, and a node subscribes two
        // subjects per session: 17,000 sessions were 34,000 threads, and fork() failed.
        s = natsOptions_UseGlobalMessageDelivery(opts.get(), true);
    }
    if (s == NATS_OK) {
        s = natsConnection_Connect(&conn_, opts.get());
    }
    if (s != NATS_OK) {
        conn_ = nullptr;
        return unexpected("nats: " + nats_error(s));
    }
    if (setup_jetstream()) {
        worker_ = std::make_unique<boost::asio::thread_pool>(1);
        log_.info("session store ready", {{"stream", std::string(kSessionStream)},
                                          {"bucket", std::string(kSessionBucket)}});
    } else {
        log_.warn("no JetStream on the NATS server: resume works on the owning node only",
                  {{"err", nats_error(NATS_ERR)}});
    }
    return true;
}

bool NatsLink::setup_jetstream() {
    jsCtx* js = nullptr;
    if (natsConnection_JetStream(&js, conn_, nullptr) != NATS_OK) {
        return false;
    }
    const std::string stream_name(kSessionStream);
    const char* subjects[] = {"session.>", "user.>", "room.>"};
    const std::string live_dest = std::string(kLivePrefix) + ">";
    jsRePublish rp;
    jsRePublish_Init(&rp);
    rp.Source = ">";
    rp.Destination = live_dest.c_str();
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = stream_name.c_str();
    sc.Subjects = subjects;
    sc.SubjectsLen = 3;
    sc.Storage = js_FileStorage;
    sc.MaxAge = static_cast<int64_t>(kStreamMaxAgeUs) * 1000;  // ns
    sc.MaxMsgsPerSubject = kStreamMaxPerSubject;
    sc.Discard = js_DiscardOld;
    sc.RePublish = &rp;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(nullptr, js, &sc, nullptr, &jerr);
    if (s != NATS_OK && static_cast<int>(jerr) == kJsStreamNameExists) {
        s = js_UpdateStream(nullptr, js, &sc, nullptr, &jerr);  // another node made it: same
    }
    if (s != NATS_OK) {
        jsCtx_Destroy(js);
        return false;
    }
    const std::string bucket(kSessionBucket);
    kvConfig kc;
    kvConfig_Init(&kc);
    kc.Bucket = bucket.c_str();
    kc.History = 1;
    kc.StorageType = js_FileStorage;
    kvStore* kv = nullptr;
    s = js_CreateKeyValue(&kv, js, &kc);
    if (s != NATS_OK) {
        s = js_KeyValue(&kv, js, bucket.c_str());  // exists already
    }
    if (s != NATS_OK) {
        jsCtx_Destroy(js);
        return false;
    }
    js_ = js;
    kv_ = kv;
    return true;
}

void NatsLink::publish(const Publish& p) {
    if (conn_ == nullptr) {
        return;
    }
    const std::string payload = write_event(*p.event);
    const natsStatus s = natsConnection_Publish(conn_, p.subject.c_str(), payload.data(),
                                                static_cast<int>(payload.size()));
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
    const bool live = js_ != nullptr && stream_subject(i.subject);
    auto* closure = new SubClosure{sink_, live};
    natsMsgHandler on_msg = [](natsConnection*, natsSubscription*, natsMsg* msg, void* c) {
        const auto* self = static_cast<SubClosure*>(c);
        auto sink = std::static_pointer_cast<Sink>(self->sink);
        std::string subject = natsMsg_GetSubject(msg);
        uint64_t seq = 0;
        if (self->live) {
            subject.erase(0, kLivePrefix.size());
            seq = header_seq(msg);
        }
        std::string payload(natsMsg_GetData(msg),
                            static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
        natsMsg_Destroy(msg);
        boost::asio::post(*sink->io,
                          [sink, subject = std::move(subject), payload = std::move(payload), seq] {
                              if (sink->open) {
                                  sink->on_message(subject, payload, seq);
                              }
                          });
    };
    const std::string wire_subject = live ? std::string(kLivePrefix) + i.subject : i.subject;
    natsSubscription* sub = nullptr;
    natsStatus s = natsConnection_Subscribe(&sub, conn_, wire_subject.c_str(), on_msg, closure);
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

void NatsLink::store(const StoreOp& op) {
    if (kv_ == nullptr) {
        return;
    }
    // The bucket's own subject; published without waiting, like everything on the bus.
    const std::string subject = "$KV." + std::string(kSessionBucket) + "." + op.key;
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, op.value.data(),
                                  static_cast<int>(op.value.size()));
    if (s == NATS_OK && op.erase) {
        s = natsMsgHeader_Set(msg, "KV-Operation", "DEL");
    }
    if (s == NATS_OK) {
        s = natsConnection_PublishMsg(conn_, msg);
    }
    natsMsg_Destroy(msg);
    if (s != NATS_OK) {
        log_.warn("session store write failed", {{"key", op.key}, {"err", nats_error(s)}});
    }
}

void NatsLink::load(const LoadSession& l) {
    auto sink = sink_;
    if (!worker_) {
        boost::asio::post(io_, [sink, conn = l.conn] {
            if (sink->open && sink->on_loaded) {
                sink->on_loaded(conn, LoadedSession{});
            }
        });
        return;
    }
    boost::asio::post(*worker_, [this, sink, conn = l.conn, key = l.key] {
        LoadedSession found = load_blocking(key);
        boost::asio::post(*sink->io, [sink, conn, found = std::move(found)]() mutable {
            if (sink->open && sink->on_loaded) {
                sink->on_loaded(conn, std::move(found));
            }
        });
    });
}

LoadedSession NatsLink::load_blocking(const std::string& key) const {
    LoadedSession out;
    auto get = [this](const std::string& k) {
        std::string value;
        kvEntry* e = nullptr;
        if (kvStore_Get(&e, kv_, k.c_str()) == NATS_OK && e != nullptr) {
            if (kvEntry_Operation(e) == kvOp_Put) {
                value.assign(static_cast<const char*>(kvEntry_Value(e)),
                             static_cast<std::size_t>(kvEntry_ValueLen(e)));
            }
            kvEntry_Destroy(e);
        }
        return value;
    };
    out.record = get(key);
    if (auto r = parse_record(out.record)) {
        out.mark = get(node_key(r->owner));
    }
    return out;
}

void NatsLink::replay(ReplayRequest r) {
    auto sink = sink_;
    if (!worker_) {
        boost::asio::post(io_, [sink, session = std::move(r.session)] {
            if (sink->open && sink->on_replay) {
                sink->on_replay(session, {});
            }
        });
        return;
    }
    boost::asio::post(*worker_, [this, sink, r = std::move(r)] {
        std::vector<StreamMessage> found = replay_blocking(r);
        boost::asio::post(*sink->io,
                          [sink, session = r.session, found = std::move(found)]() mutable {
                              if (sink->open && sink->on_replay) {
                                  sink->on_replay(session, std::move(found));
                              }
                          });
    });
}

std::vector<StreamMessage> NatsLink::replay_blocking(const ReplayRequest& r) const {
    std::vector<StreamMessage> out;
    for (const std::string& subject : r.subjects) {
        // The subject's last stored message bounds the read: what comes later arrives live.
        uint64_t last = 0;
        jsErrCode jerr = static_cast<jsErrCode>(0);
        natsMsg* newest = nullptr;
        if (js_GetLastMsg(&newest, js_, kSessionStream.data(), subject.c_str(), nullptr, &jerr) ==
            NATS_OK) {
            last = natsMsg_GetSequence(newest);
            natsMsg_Destroy(newest);
        }
        if (last <= r.after_seq) {
            continue;
        }
        // An ordered consumer from the first message after the owner's position.
        jsSubOptions so;
        jsSubOptions_Init(&so);
        so.Stream = kSessionStream.data();
        so.Ordered = true;
        so.Config.DeliverPolicy = js_DeliverByStartSequence;
        so.Config.OptStartSeq = r.after_seq + 1;
        natsSubscription* sub = nullptr;
        const natsStatus s = js_SubscribeSync(&sub, js_, subject.c_str(), nullptr, &so, &jerr);
        if (s != NATS_OK) {
            log_.warn("session replay failed", {{"subject", subject}, {"err", nats_error(s)}});
            continue;
        }
        uint64_t seq = 0;
        while (seq < last && out.size() < kMaxReplayMessages) {
            natsMsg* msg = nullptr;
            if (natsSubscription_NextMsg(&msg, sub, kReplayWaitMs) != NATS_OK) {
                log_.warn("session replay incomplete", {{"subject", subject}});
                break;
            }
            jsMsgMetaData* meta = nullptr;
            if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
                seq = meta->Sequence.Stream;
                out.push_back({seq, natsMsg_GetSubject(msg),
                               std::string(natsMsg_GetData(msg),
                                           static_cast<std::size_t>(natsMsg_GetDataLength(msg)))});
                jsMsgMetaData_Destroy(meta);
            } else {
                seq = last;
            }
            natsMsg_Destroy(msg);
        }
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    log_.info("session stream replayed",
              {{"session", r.session}, {"after", r.after_seq}, {"messages", out.size()}});
    return out;
}

void NatsLink::close() {
    if (worker_) {
        worker_->join();  // look-ups and replays end within their timeouts
        worker_.reset();
    }
    sink_->open = false;
    for (auto& [subject, sub] : subs_) {
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    subs_.clear();
    if (kv_ != nullptr) {
        kvStore_Destroy(kv_);
        kv_ = nullptr;
    }
    if (js_ != nullptr) {
        jsCtx_Destroy(js_);
        js_ = nullptr;
    }
    if (conn_ != nullptr) {
        natsConnection_Close(conn_);
        natsConnection_Destroy(conn_);
        conn_ = nullptr;
    }
}

}  // namespace tern::sig::cluster
