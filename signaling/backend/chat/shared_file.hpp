// A file shared into a chat: the rich object Talk's clients render as a file card ({file} in
// the message), in the shape of Nextcloud's rich object strings ("file" type), where every value
// is a string. The files themselves (upload, storage, previews, links) are the file service's;
// this only says how a shared one appears in the chat.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tern::sig::backend {

struct SharedFile {
    std::string id;    // the file service's id
    std::string name;  // shown on the card
    uint64_t size = 0;
    std::string path;  // the path as the viewer knows it
    std::string link;  // where a browser opens it
    std::string mimetype;
    bool preview_available = false;
    std::optional<std::string> etag;
    std::optional<uint32_t> width;  // images: what the preview lays out before it loads
    std::optional<uint32_t> height;
};

/// {"type":"file","id":...,"name":...,"size":"1234",...,"preview-available":"yes"}.
std::string rich_file(const SharedFile& file);

/// Whether the file has what a card needs: an id, a name without control characters or '/',
/// a link and a MIME type.
bool valid_shared_file(const SharedFile& file) noexcept;

}  // namespace tern::sig::backend
