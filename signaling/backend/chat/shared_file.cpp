#include "signaling/backend/chat/shared_file.hpp"

#include "signaling/api/json_writer.hpp"

#include <algorithm>

namespace tern::sig::backend {

std::string rich_file(const SharedFile& file) {
    std::string out;
    api::JsonWriter w(out);
    w.begin_object()
        .field("type", "file")
        .field("id", file.id)
        .field("name", file.name)
        .field("size", std::to_string(file.size))
        .field("path", file.path)
        .field("link", file.link)
        .field("mimetype", file.mimetype)
        .field("preview-available", file.preview_available ? "yes" : "no");
    if (file.etag) {
        w.field("etag", *file.etag);
    }
    if (file.width && file.height) {
        w.field("width", std::to_string(*file.width)).field("height", std::to_string(*file.height));
    }
    w.end_object();
    return out;
}

bool valid_shared_file(const SharedFile& file) noexcept {
    const bool clean_name =
        !file.name.empty() && std::none_of(file.name.begin(), file.name.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == '/';
        });
    return !file.id.empty() && clean_name && !file.link.empty() && !file.mimetype.empty();
}

}  // namespace tern::sig::backend
