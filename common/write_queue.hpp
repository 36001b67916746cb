// The messages waiting to be written to one client (proxy protocol, signaling WebSocket), bounded
// in bytes: a client that stops reading cannot make the server hold more than the budget for it.
// The connection closes such a client (counted as a slow client); its session can resume.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

namespace tern {

class WriteQueue {
public:
    explicit WriteQueue(std::size_t budget_bytes) : budget_(budget_bytes) {}

    /// Queues `msg` behind the others; false, and nothing queued, when the bytes waiting would
    /// pass the budget. (A first message larger than the budget is still taken: it is bounded by
    /// the protocol's message limit, and a queue must be able to hold one message.)
    bool push(std::string msg) {
        if (!out_.empty() && bytes_ + msg.size() > budget_) {
            return false;
        }
        bytes_ += msg.size();
        out_.push_back(std::move(msg));
        return true;
    }
    /// The message being written (valid until pop()).
    [[nodiscard]] const std::string& front() const { return out_.front(); }
    void pop() {
        bytes_ -= out_.front().size();
        out_.pop_front();
    }
    void clear() {
        out_.clear();
        bytes_ = 0;
    }
    [[nodiscard]] bool empty() const noexcept { return out_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }

private:
    std::size_t budget_;
    std::size_t bytes_ = 0;
    std::deque<std::string> out_;
};

}  // namespace tern
