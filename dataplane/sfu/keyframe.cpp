#include "dataplane/sfu/keyframe.hpp"

namespace tern::sfu {

namespace {

uint8_t at(ByteSpan p, std::size_t i) {
    return std::to_integer<uint8_t>(p[i]);
}

bool vp8(ByteSpan p) {
    const Vp8Descriptor d = vp8_descriptor(p);
    if (!d.valid || !d.frame_start || p.size() <= d.length) {
        return false;
    }
    return (at(p, d.length) & 0x01) == 0;  // §4.3: P (inverse key frame flag) of the payload header
}

bool vp9(ByteSpan p) {
    // RFC 9628 §4.2: I P L F B E V Z. A keyframe is a frame start that is not inter-predicted, on
    // spatial layer 0 when layer indices are present.
    if (p.empty()) {
        return false;
    }
    const uint8_t b0 = at(p, 0);
    const bool inter = (b0 & 0x40) != 0;
    const bool begin = (b0 & 0x08) != 0;
    if (inter || !begin) {
        return false;
    }
    std::size_t off = 1;
    if ((b0 & 0x80) != 0) {  // I: picture ID, 7 or 15 bits
        if (p.size() <= off) {
            return false;
        }
        off += (at(p, off) & 0x80) != 0 ? 2 : 1;
    }
    if ((b0 & 0x20) != 0) {  // L: TID U SID D
        if (p.size() <= off) {
            return false;
        }
        const uint8_t sid = (at(p, off) >> 1) & 0x07;
        return sid == 0;
    }
    return true;
}

bool h264_nal_is_key(uint8_t nal_type) {
    return nal_type == 5 || nal_type == 7;
}  // IDR slice, SPS

bool h264(ByteSpan p) {
    // RFC 6184 §5: a single NAL unit, STAP-A (24) aggregating several, or FU-A (28) fragments.
    if (p.empty()) {
        return false;
    }
    const uint8_t type = at(p, 0) & 0x1f;
    if (type == 24) {
        std::size_t off = 1;
        while (off + 2 < p.size()) {
            const std::size_t size = load_u16be(p.data() + off);
            off += 2;
            if (size == 0 || off + size > p.size()) {
                return false;
            }
            if (h264_nal_is_key(at(p, off) & 0x1f)) {
                return true;
            }
            off += size;
        }
        return false;
    }
    if (type == 28) {
        return p.size() >= 2 && (at(p, 1) & 0x80) != 0 && h264_nal_is_key(at(p, 1) & 0x1f);
    }
    return h264_nal_is_key(type);
}

bool av1(ByteSpan p) {
    // AV1 RTP payload format §4.4: aggregation header Z Y W W N - - -; N marks the first packet
    // of a coded video sequence, which starts with a key frame.
    return !p.empty() && (at(p, 0) & 0x08) != 0;
}

}  // namespace

Vp8Descriptor vp8_descriptor(ByteSpan p) noexcept {
    // X R N S R PID; with X an extension octet I L T K; then PictureID (I, 7 or 15 bits),
    // TL0PICIDX (L), and one octet TID/Y/KEYIDX (T or K).
    Vp8Descriptor d;
    if (p.empty()) {
        return d;
    }
    const uint8_t b0 = at(p, 0);
    d.frame_start = (b0 & 0x10) != 0 && (b0 & 0x07) == 0;
    std::size_t off = 1;
    if ((b0 & 0x80) != 0) {
        if (p.size() <= off) {
            return d;
        }
        const uint8_t x = at(p, off++);
        if ((x & 0x80) != 0) {
            if (p.size() <= off) {
                return d;
            }
            off += (at(p, off) & 0x80) != 0 ? 2 : 1;
        }
        if ((x & 0x40) != 0) {
            ++off;
        }
        if ((x & 0x30) != 0) {
            if (p.size() <= off) {
                return d;
            }
            if ((x & 0x20) != 0) {  // T: the octet's layer bits mean something
                d.tid = at(p, off) >> 6;
                d.sync = (at(p, off) & 0x20) != 0;
            }
            ++off;
        }
    }
    if (p.size() < off) {
        return d;
    }
    d.valid = true;
    d.length = off;
    return d;
}

bool is_keyframe(Codec codec, ByteSpan payload) noexcept {
    switch (codec) {
    case Codec::Vp8: return vp8(payload);
    case Codec::Vp9: return vp9(payload);
    case Codec::H264: return h264(payload);
    case Codec::Av1: return av1(payload);
    case Codec::Opus:
    case Codec::Other: return false;
    }
    return false;
}

}  // namespace tern::sfu
