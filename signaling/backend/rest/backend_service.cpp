#include "signaling/backend/rest/backend_service.hpp"

namespace tern::sig::backend::rest {

BackendService::BackendService(std::unique_ptr<Store> store, RestSettings settings,
                               const Argon2Params& params, const LoginThrottleConfig& throttle,
                               const ChatWaitersConfig& waiters)
    : store_(std::move(store)), hasher_(params), random_(system_random_bytes()),
      users_(*store_, hasher_), sessions_(*store_), throttle_(throttle),
      rooms_(*store_, hasher_, random_), chat_(*store_), waiters_(waiters),
      settings_(std::move(settings)) {}

}  // namespace tern::sig::backend::rest
