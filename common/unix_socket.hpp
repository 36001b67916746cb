// Small helpers for the unix sockets of the control channel and the admin socket.
#pragma once

#include <cstddef>
#include <string>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

namespace tern {

/// The address of a filesystem socket; false when the path does not fit sun_path.
bool unix_address(const std::string& path, sockaddr_un& out) noexcept;

/// Sends `len` bytes with one descriptor attached (SCM_RIGHTS); returns sendmsg's result.
ssize_t send_with_fd(int sock, const void* data, std::size_t len, int fd) noexcept;

/// Receives up to `len` bytes and at most one attached descriptor (-1 when none came).
ssize_t recv_with_fd(int sock, void* data, std::size_t len, int& fd) noexcept;

}  // namespace tern
