// Overloaded{lambdas...}: one visitor for std::visit made of a lambda per alternative.
#pragma once

namespace tern {

template <class... Fs>
struct Overloaded : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace tern
