#include "signaling/mcu/mcu_client.hpp"

#include "common/overloaded.hpp"

#include <utility>

namespace tern::sig::mcu {

namespace {

std::string proxy_url(const std::string& base) {
    // [mcu] url names the server as the reference's configuration does, and the endpoint is the
    // relative reference "proxy" resolved against it (RFC 3986 §5.2, as Go's url.Parse does):
    // the last path segment is replaced, so ws://h:9090, ws://h:9090/ and ws://h:9090/proxy all
    // dial ws://h:9090/proxy, and ws://h/sfu/ dials ws://h/sfu/proxy. Query and fragment go.
    std::string url = base.substr(0, base.find_first_of("?#"));
    const std::size_t scheme = url.find("://");
    const std::size_t authority = scheme == std::string::npos ? 0 : scheme + 3;
    const std::size_t path = url.find('/', authority);
    if (path == std::string::npos) {
        return url + "/proxy";
    }
    return url.substr(0, url.rfind('/') + 1) + "proxy";
}

}  // namespace

McuClient::McuClient(McuClientOptions options, TokenSource token)
    : options_(std::move(options)), token_(std::move(token)) {
    links_.resize(options_.urls.size());
    for (std::size_t i = 0; i < links_.size(); ++i) {
        links_[i].url = proxy_url(options_.urls[i]);
    }
}

// ---- connections ----------------------------------------------------------------------------

McuEffects McuClient::start(uint64_t now_us) {
    McuEffects fx;
    for (ProxyIndex p = 0; p < links_.size(); ++p) {
        if (links_[p].state == LinkState::Idle) {
            links_[p].state = LinkState::Connecting;
            fx.opens.push_back({p, links_[p].url});
        }
    }
    (void)now_us;
    return fx;
}

McuEffects McuClient::on_open(ProxyIndex p, uint64_t now_us) {
    McuEffects fx;
    if (p >= links_.size()) {
        return fx;
    }
    Link& l = links_[p];
    l.state = LinkState::Hello;
    if (!l.session_id.empty() && now_us > l.dropped_us + options_.resume_window_us) {
        // Too late to resume: the proxy has expired the session and its clients with it.
        lose_session(fx, p);
    }
    send_hello(fx, p, now_us);
    return fx;
}

void McuClient::send_hello(McuEffects& fx, ProxyIndex p, uint64_t now_us) {
    Link& l = links_[p];
    const std::string id = next_id();
    Pending pending{p, Kind::Hello, McuRequest::Publish, now_us + options_.request_timeout_us, {},
                    0, {}};
    if (!l.session_id.empty()) {
        l.resuming = true;
        request(fx, p, id, write_hello_resume(id, l.session_id), std::move(pending), now_us);
        return;
    }
    l.resuming = false;
    auto token = token_(static_cast<int64_t>(now_us / 1'000'000));
    if (!token) {
        // Nothing a retry with the same key would change soon; keep trying at the reconnect pace.
        drop_link(fx, p, now_us, true);
        return;
    }
    request(fx, p, id, write_hello_token(id, *token), std::move(pending), now_us);
}

McuEffects McuClient::on_closed(ProxyIndex p, uint64_t now_us) {
    McuEffects fx;
    if (p < links_.size()) {
        drop_link(fx, p, now_us, false);
    }
    return fx;
}

void McuClient::drop_link(McuEffects& fx, ProxyIndex p, uint64_t now_us, bool close) {
    Link& l = links_[p];
    if (close) {
        fx.closes.push_back({p});
    }
    if (l.state == LinkState::Ready) {
        l.dropped_us = now_us;  // the resume window starts when the session lost its connection
    }
    l.state = LinkState::Idle;
    l.resuming = false;
    l.reconnect_at_us = now_us + options_.reconnect_delay_us;
    fail_pending(fx, p, McuFailure::ConnectionLost);
}

McuEffects McuClient::tick(uint64_t now_us) {
    McuEffects fx;
    std::vector<std::string> expired;
    for (const auto& [id, pending] : pending_) {
        if (pending.deadline_us <= now_us) {
            expired.push_back(id);
        }
    }
    for (const std::string& id : expired) {
        auto it = pending_.find(id);
        if (it == pending_.end()) {
            continue;  // failed by an earlier drop in this loop
        }
        Pending pending = std::move(it->second);
        pending_.erase(it);
        if (pending.kind == Kind::Hello) {
            drop_link(fx, pending.proxy, now_us, true);
            continue;
        }
        if (pending.kind == Kind::CreatePublisher || pending.kind == Kind::CreateSubscriber) {
            // The proxy may still create it; remember the id so a late reply deletes it again.
            Pending late = pending;
            late.deadline_us = now_us + options_.resume_window_us;
            abandoned_[id] = std::move(late);
        }
        on_reply(fx, pending.proxy, pending, ProxyMessage{{}, ProxyError{"timeout", "no reply"}},
                 now_us, McuFailure::Timeout);
    }
    std::erase_if(abandoned_, [&](const auto& a) { return a.second.deadline_us <= now_us; });
    for (ProxyIndex p = 0; p < links_.size(); ++p) {
        Link& l = links_[p];
        if (l.state != LinkState::Idle) {
            continue;
        }
        if (!l.session_id.empty() && now_us > l.dropped_us + options_.resume_window_us) {
            lose_session(fx, p);
        }
        if (now_us >= l.reconnect_at_us) {
            l.state = LinkState::Connecting;
            fx.opens.push_back({p, l.url});
        }
    }
    return fx;
}

void McuClient::lose_session(McuEffects& fx, ProxyIndex p) {
    links_[p].session_id.clear();
    links_[p].load = 0;
    std::vector<Key> gone;
    for (const auto& [key, c] : clients_) {
        if (c.proxy == p) {
            gone.push_back(key);
        }
    }
    for (const Key& key : gone) {
        const Client& c = clients_.at(key);
        if (!c.client_id.empty()) {
            fx.result(StreamClosed{c.ref, c.publisher()});
        }
        erase_client(key);
    }
    fail_pending(fx, p, McuFailure::ConnectionLost);
}

void McuClient::fail_pending(McuEffects& fx, ProxyIndex p, McuFailure why) {
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.proxy != p) {
            ++it;
            continue;
        }
        Pending pending = std::move(it->second);
        it = pending_.erase(it);
        if (pending.kind == Kind::CreatePublisher || pending.kind == Kind::CreateSubscriber) {
            // Created or not, we cannot know: forget it; the proxy deletes it with the session.
            auto c = clients_.find(pending.key);
            if (c != clients_.end() && c->second.serial == pending.serial) {
                erase_client(pending.key);
            }
        }
        if (pending.kind != Kind::Hello && pending.kind != Kind::Delete) {
            fail(fx, pending.ref, pending.request, why);
        }
    }
}

// ---- frames from a proxy --------------------------------------------------------------------

McuEffects McuClient::on_frame(ProxyIndex p, std::string_view frame, uint64_t now_us) {
    McuEffects fx;
    if (p >= links_.size() || links_[p].state == LinkState::Idle ||
        links_[p].state == LinkState::Connecting) {
        return fx;
    }
    auto msg = parse_proxy_message(frame);
    if (!msg) {
        // A reply we cannot read still ends its request, or the hub would wait for the timeout.
        auto it = msg.error().id.empty() ? pending_.end() : pending_.find(msg.error().id);
        if (it != pending_.end() && it->second.proxy == p) {
            Pending pending = std::move(it->second);
            pending_.erase(it);
            on_reply(fx, p, pending, ProxyMessage{{}, ProxyError{"bad_reply", msg.error().message}},
                     now_us);
        }
        return fx;
    }
    if (const auto* bye = std::get_if<ProxyBye>(&msg->body)) {
        (void)bye;  // every reason (closed, expired, resumed elsewhere) ends our session here
        lose_session(fx, p);
        drop_link(fx, p, now_us, true);
        return fx;
    }
    auto it = msg->id.empty() ? pending_.end() : pending_.find(msg->id);
    if (it != pending_.end() && it->second.proxy == p) {
        Pending pending = std::move(it->second);
        pending_.erase(it);
        if (pending.kind == Kind::Hello) {
            on_hello_reply(fx, p, *msg, now_us);
        } else {
            on_reply(fx, p, pending, *msg, now_us);
        }
        return fx;
    }
    if (auto a = msg->id.empty() ? abandoned_.end() : abandoned_.find(msg->id);
        a != abandoned_.end()) {
        const auto* reply = std::get_if<CommandReply>(&msg->body);
        if (a->second.proxy == p && reply != nullptr && !reply->client_id.empty()) {
            Client orphan;
            orphan.proxy = p;
            orphan.client_id = reply->client_id;
            orphan.ref = a->second.ref;
            delete_client(fx, orphan, now_us);
        }
        abandoned_.erase(a);
        return fx;
    }
    on_unsolicited(fx, p, *msg, now_us);
    return fx;
}

void McuClient::on_hello_reply(McuEffects& fx, ProxyIndex p, const ProxyMessage& msg,
                               uint64_t now_us) {
    Link& l = links_[p];
    if (const auto* h = std::get_if<HelloReply>(&msg.body)) {
        if (l.resuming && h->session_id != l.session_id) {
            lose_session(fx, p);  // a new session instead: the old one's clients are gone
        }
        l.session_id = h->session_id;
        l.state = LinkState::Ready;
        l.dropped_us = 0;
        l.resuming = false;
        l.shutting_down = false;
        return;
    }
    const auto* e = std::get_if<ProxyError>(&msg.body);
    if (e != nullptr && l.resuming && e->code == "no_such_session") {
        lose_session(fx, p);
        send_hello(fx, p, now_us);
        return;
    }
    // auth_failed, token_expired, ...: retry at the reconnect pace (the key may be installed
    // on the proxy later); the hub sees NoProxy meanwhile.
    drop_link(fx, p, now_us, true);
}

void McuClient::on_reply(McuEffects& fx, ProxyIndex p, const Pending& pending,
                         const ProxyMessage& msg, uint64_t now_us, McuFailure failure) {
    const auto* err = std::get_if<ProxyError>(&msg.body);
    auto cit = clients_.find(pending.key);
    Client* c =
        (cit != clients_.end() && cit->second.serial == pending.serial) ? &cit->second : nullptr;
    switch (pending.kind) {
    case Kind::Hello:
    case Kind::Delete:
        return;  // a failed delete changes nothing for the hub: the client is gone on our side
    case Kind::CreatePublisher:
    case Kind::CreateSubscriber: {
        const auto* reply = std::get_if<CommandReply>(&msg.body);
        if (reply == nullptr || reply->client_id.empty()) {
            if (c != nullptr) {
                erase_client(pending.key);
            }
            fail(fx, pending.ref, pending.request, failure, err ? err->code : "bad_reply",
                 err ? err->message : "create reply without id");
            return;
        }
        if (c == nullptr) {
            // Unpublished (or unsubscribed) while being created: delete what the proxy made.
            Client orphan;
            orphan.proxy = p;
            orphan.client_id = reply->client_id;
            orphan.ref = pending.ref;
            delete_client(fx, orphan, now_us);
            return;
        }
        c->client_id = reply->client_id;
        c->bitrate = reply->bitrate.value_or(0);
        c->proxy_sid = reply->sid;
        by_client_id_[{p, c->client_id}] = pending.key;
        if (c->publisher() && options_.directory) {
            options_.directory->put(c->ref.session, c->ref.stream,
                                    PublisherEntry{p, c->client_id, c->scope});
        }
        // Until the proxy's next update-load, count the new stream (kbit/s, as tern reports load)
        // so that a burst of publishers spreads over the proxies.
        links_[p].load += c->bitrate / 1024;
        flush_queued(fx, *c, now_us);
        return;
    }
    case Kind::Payload: break;
    }
    if (err != nullptr) {
        fail(fx, c ? c->ref : pending.ref, pending.request, failure, err->code, err->message);
        return;
    }
    const auto* payload = std::get_if<ProxyPayload>(&msg.body);
    if (c == nullptr) {
        return;  // gone meanwhile: nobody to tell
    }
    StreamRef ref = c->ref;
    if (!pending.ref.sid.empty()) {
        ref.sid = pending.ref.sid;
    }
    if (pending.request == McuRequest::Publish) {
        if (payload == nullptr || payload->sdp.empty()) {
            fail(fx, ref, pending.request, McuFailure::ProxyError, "bad_reply",
                 "no answer in the reply");
            return;
        }
        fx.result(PublisherAnswer{ref, c->client_id, c->bitrate, payload->sdp});
    } else if (pending.request == McuRequest::RequestOffer) {
        if (payload == nullptr || payload->sdp.empty()) {
            fail(fx, ref, pending.request, McuFailure::ProxyError, "bad_reply",
                 "no offer in the reply");
            return;
        }
        fx.result(SubscriberOffer{talk_ref(*c, ref), payload->sdp});
    }
    // answer, candidate, selectStream: an empty acknowledgement.
}

void McuClient::on_unsolicited(McuEffects& fx, ProxyIndex p, const ProxyMessage& msg,
                               uint64_t now_us) {
    (void)now_us;
    std::visit(Overloaded{
                   [&](const ProxyEvent& ev) {
                       if (ev.type == "update-load") {
                           links_[p].load = ev.load.value_or(0);
                       } else if (ev.type == "shutdown-scheduled") {
                           links_[p].shutting_down = true;
                       } else if (ev.type == "publisher-closed" || ev.type == "subscriber-closed") {
                           if (Client* c = find_by_id(p, ev.client_id)) {
                               fx.result(StreamClosed{c->ref, c->publisher()});
                               erase_client(key_of(c->ref));
                           }
                       } else if (ev.type == "subscriber-sid-updated") {
                           if (Client* c = find_by_id(p, ev.client_id)) {
                               c->proxy_sid = ev.sid;
                           }
                       }
                       // ice-completed, backend-(dis)connected: nothing the hub acts on.
                   },
                   [&](const ProxyPayload& pl) {
                       Client* c = find_by_id(p, pl.client_id);
                       if (c == nullptr) {
                           return;
                       }
                       if (pl.type == "offer" && !pl.sdp.empty() && !c->publisher()) {
                           fx.result(SubscriberOffer{talk_ref(*c, c->ref), pl.sdp});
                       } else if (pl.type == "candidate" && !pl.candidate.empty()) {
                           fx.result(SfuCandidate{talk_ref(*c, c->ref), pl.candidate});
                       }
                   },
                   // Late replies (after a timeout), errors without a request, a second hello
                   // reply: nothing left to decide.
                   [](const auto&) {},
               },
               msg.body);
}

StreamRef McuClient::talk_ref(const Client& c, StreamRef ref) {
    // As the reference (its offers and candidates carry the MCU client's Sid()): a subscriber's
    // sid is the one the proxy gave it, which the Talk client then answers with.
    if (!c.publisher() && !c.proxy_sid.empty()) {
        ref.sid = c.proxy_sid;
    }
    return ref;
}

// ---- the hub's requests ---------------------------------------------------------------------

void McuClient::request(McuEffects& fx, ProxyIndex p, const std::string& id, std::string frame,
                        Pending pending, uint64_t now_us) {
    pending.proxy = p;
    pending.deadline_us = now_us + options_.request_timeout_us;
    pending_[id] = std::move(pending);
    fx.send(p, std::move(frame));
}

void McuClient::send_payload(McuEffects& fx, const Client& c, McuRequest what, std::string type,
                             std::string payload, uint64_t now_us) {
    if (links_[c.proxy].state != LinkState::Ready) {
        // Dropped and not yet resumed: a frame now would be lost and only time out.
        fail(fx, c.ref, what, McuFailure::ConnectionLost);
        return;
    }
    const std::string id = next_id();
    PayloadCommand cmd{std::move(type), c.client_id, c.ref.sid, std::move(payload)};
    request(fx, c.proxy, id, write_payload(id, cmd),
            Pending{c.proxy, Kind::Payload, what, 0, key_of(c.ref), c.serial, c.ref}, now_us);
}

void McuClient::flush_queued(McuEffects& fx, Client& c, uint64_t now_us) {
    if (c.publisher()) {
        if (!c.queued_sdp.empty()) {
            send_payload(fx, c, McuRequest::Publish, "offer", sdp_payload("offer", c.queued_sdp),
                         now_us);
            c.queued_sdp.clear();
        }
    } else {
        send_payload(fx, c, McuRequest::RequestOffer, "requestoffer", {}, now_us);
    }
    // Candidates after the offer: the SFU must know the session before it takes candidates.
    for (std::string& cand : c.queued_candidates) {
        send_payload(fx, c, McuRequest::Candidate, "candidate", candidate_payload(cand), now_us);
    }
    c.queued_candidates.clear();
}

std::optional<ProxyIndex> McuClient::place() const {
    std::optional<ProxyIndex> best;
    for (ProxyIndex p = 0; p < links_.size(); ++p) {
        const Link& l = links_[p];
        if (l.state != LinkState::Ready || l.shutting_down) {
            continue;
        }
        if (!best || l.load < links_[*best].load) {
            best = p;
        }
    }
    return best;
}

McuEffects McuClient::publish(const StreamRef& ref, const PublisherSettings& settings,
                              std::string sdp, uint64_t now_us, std::string scope) {
    McuEffects fx;
    if (ref.session != ref.publisher) {
        fail(fx, ref, McuRequest::Publish, McuFailure::ClientNotFound, {},
             "publish for another session");
        return fx;
    }
    if (Client* c = find(ref)) {
        c->ref.sid = ref.sid;
        if (c->client_id.empty()) {
            c->queued_sdp = std::move(sdp);  // the latest offer wins; it goes out once created
        } else {
            send_payload(fx, *c, McuRequest::Publish, "offer", sdp_payload("offer", sdp), now_us);
        }
        return fx;
    }
    auto p = place();
    if (!p) {
        fail(fx, ref, McuRequest::Publish, McuFailure::NoProxy);
        return fx;
    }
    Client c;
    c.proxy = *p;
    c.serial = ++last_serial_;
    c.ref = ref;
    c.scope = std::move(scope);
    c.queued_sdp = std::move(sdp);
    const std::string id = next_id();
    request(fx, *p, id,
            write_create_publisher(id, CreatePublisherCommand{ref.sid, ref.stream, settings}),
            Pending{*p, Kind::CreatePublisher, McuRequest::Publish, 0, key_of(ref), c.serial, ref},
            now_us);
    clients_[key_of(ref)] = std::move(c);
    return fx;
}

McuEffects McuClient::request_offer(const StreamRef& ref, uint64_t now_us) {
    McuEffects fx;
    if (Client* c = find(ref)) {
        c->ref.sid = ref.sid;
        if (!c->client_id.empty()) {
            // A running subscriber: renegotiation (ICE restart, new tracks).
            send_payload(fx, *c, McuRequest::RequestOffer, "requestoffer", {}, now_us);
        }
        return fx;  // still being created: its offer follows
    }
    // The publisher: this client's own, else one another shard created.
    std::optional<PublisherEntry> pub;
    if (const Client* own = find(StreamRef{ref.publisher, ref.publisher, ref.stream, {}})) {
        pub = PublisherEntry{own->proxy, own->client_id, own->scope};
    } else {
        pub = shared_publisher(ref.publisher, ref.stream);
    }
    if (!pub || pub->client_id.empty() || pub->proxy >= links_.size() ||
        links_[pub->proxy].state != LinkState::Ready) {
        fail(fx, ref, McuRequest::RequestOffer,
             !pub ? McuFailure::ClientNotFound : McuFailure::NoProxy);
        return fx;
    }
    // On the publisher's proxy: the stream is there (remote streams are not used).
    Client c;
    c.proxy = pub->proxy;
    c.serial = ++last_serial_;
    c.ref = ref;
    const std::string id = next_id();
    request(fx, c.proxy, id,
            write_create_subscriber(id, CreateSubscriberCommand{ref.stream, pub->client_id}),
            Pending{c.proxy, Kind::CreateSubscriber, McuRequest::RequestOffer, 0, key_of(ref),
                    c.serial, ref},
            now_us);
    clients_[key_of(ref)] = std::move(c);
    return fx;
}

McuEffects McuClient::answer(const StreamRef& ref, const std::string& sdp, uint64_t now_us) {
    McuEffects fx;
    Client* c = find(ref);
    if (c == nullptr || c->client_id.empty() || c->publisher()) {
        fail(fx, ref, McuRequest::Answer, McuFailure::ClientNotFound);
        return fx;
    }
    send_payload(fx, *c, McuRequest::Answer, "answer", sdp_payload("answer", sdp), now_us);
    return fx;
}

McuEffects McuClient::candidate(const StreamRef& ref, std::string candidate_json, uint64_t now_us) {
    McuEffects fx;
    Client* c = find(ref);
    if (c == nullptr) {
        fail(fx, ref, McuRequest::Candidate, McuFailure::ClientNotFound);
        return fx;
    }
    if (c->client_id.empty()) {
        c->queued_candidates.push_back(std::move(candidate_json));
        return fx;
    }
    send_payload(fx, *c, McuRequest::Candidate, "candidate", candidate_payload(candidate_json),
                 now_us);
    return fx;
}

McuEffects McuClient::select_stream(const StreamRef& ref, std::string payload_json,
                                    uint64_t now_us) {
    McuEffects fx;
    Client* c = find(ref);
    if (c == nullptr || c->client_id.empty() || c->publisher()) {
        fail(fx, ref, McuRequest::SelectStream, McuFailure::ClientNotFound);
        return fx;
    }
    send_payload(fx, *c, McuRequest::SelectStream, "selectStream", std::move(payload_json), now_us);
    return fx;
}

void McuClient::delete_client(McuEffects& fx, const Client& c, uint64_t now_us) {
    if (c.client_id.empty() || links_[c.proxy].state != LinkState::Ready) {
        return;  // not created yet (the reply deletes it), or the proxy's session expiry will
    }
    const std::string id = next_id();
    request(fx, c.proxy, id, write_delete_client(id, c.publisher(), c.client_id),
            Pending{c.proxy, Kind::Delete, McuRequest::Unpublish, 0, {}, 0, c.ref}, now_us);
}

McuEffects McuClient::unpublish(const std::string& session, const std::string& stream,
                                uint64_t now_us) {
    return unsubscribe(StreamRef{session, session, stream, {}}, now_us);
}

McuEffects McuClient::unsubscribe(const StreamRef& ref, uint64_t now_us) {
    McuEffects fx;
    if (Client* c = find(ref)) {
        delete_client(fx, *c, now_us);
        erase_client(key_of(ref));
    }
    return fx;
}

McuEffects McuClient::remove_session(const std::string& session, uint64_t now_us) {
    McuEffects fx;
    std::vector<Key> gone;
    for (const auto& [key, c] : clients_) {
        if (std::get<0>(key) == session) {
            gone.push_back(key);
        }
    }
    for (const Key& key : gone) {
        delete_client(fx, clients_.at(key), now_us);
        erase_client(key);
    }
    return fx;
}

// ---- lookups --------------------------------------------------------------------------------

McuClient::Client* McuClient::find(const StreamRef& ref) {
    auto it = clients_.find(key_of(ref));
    return it == clients_.end() ? nullptr : &it->second;
}

McuClient::Client* McuClient::find_by_id(ProxyIndex p, const std::string& client_id) {
    auto it = by_client_id_.find({p, client_id});
    if (it == by_client_id_.end()) {
        return nullptr;
    }
    auto c = clients_.find(it->second);
    return c == clients_.end() ? nullptr : &c->second;
}

void McuClient::erase_client(const Key& key) {
    auto it = clients_.find(key);
    if (it == clients_.end()) {
        return;
    }
    const Client& c = it->second;
    if (!c.client_id.empty()) {
        by_client_id_.erase({c.proxy, c.client_id});
        if (c.publisher() && options_.directory) {
            options_.directory->erase(c.ref.session, c.ref.stream, c.client_id);
        }
    }
    clients_.erase(it);
}

std::optional<PublisherEntry> McuClient::shared_publisher(const std::string& session,
                                                          const std::string& stream) const {
    if (!options_.directory) {
        return std::nullopt;
    }
    return options_.directory->find(session, stream);
}

std::string McuClient::client_id(const StreamRef& ref) const {
    auto it = clients_.find(key_of(ref));
    return it == clients_.end() ? std::string{} : it->second.client_id;
}

ProxyIndex McuClient::proxy_of(const StreamRef& ref) const {
    auto it = clients_.find(key_of(ref));
    return it == clients_.end() ? links_.size() : it->second.proxy;
}

void McuClient::fail(McuEffects& fx, const StreamRef& ref, McuRequest what, McuFailure why,
                     std::string code, std::string message) {
    fx.result(McuFailed{ref, what, why, std::move(code), std::move(message)});
}

}  // namespace tern::sig::mcu
