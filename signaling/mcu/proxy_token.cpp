#include "signaling/mcu/proxy_token.hpp"

#include "signaling/api/json_writer.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>

namespace tern::sig::mcu {

Result<ProxyTokenSigner, std::string> ProxyTokenSigner::from_pem(std::string token_id,
                                                                 std::string_view pem) {
    if (token_id.empty()) {
        return unexpected(std::string("[mcu] token_id is empty"));
    }
    auto key = crypto::private_key_from_pem(pem);
    if (!key) {
        return unexpected("the proxy token key is not a PEM private key: " + key.error());
    }
    // The proxy protocol signs with RS256/384/512 only; an EC key would be refused by every proxy.
    if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_RSA) {
        return unexpected(std::string("the proxy token key is not an RSA key"));
    }
    return ProxyTokenSigner(std::move(token_id), std::move(*key));
}

Result<ProxyTokenSigner, std::string> ProxyTokenSigner::from_file(std::string token_id,
                                                                  const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return unexpected("cannot read the proxy token key " + path);
    }
    std::ostringstream pem;
    pem << in.rdbuf();
    return from_pem(std::move(token_id), pem.str());
}

Result<std::string, std::string> ProxyTokenSigner::sign(int64_t now_s) const {
    std::string claims;
    api::JsonWriter w(claims);
    w.begin_object().field("iss", token_id_).field("iat", now_s).end_object();
    return crypto::sign_jws(crypto::JwsAlg::RS256, key_.get(), claims);
}

}  // namespace tern::sig::mcu
