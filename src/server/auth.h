// Who is calling. With a server password (MEMGPT_SERVER_PASS) every request carries
// `Authorization: Bearer <password or user API key>`: the password acts as the local user and
// is the operator (manages users and keys; may point agents at other endpoints); an API key
// acts as its user. Without a password (loopback only) a request without a token acts as the
// local user but is not the operator: any local process, or a web page in the operator's
// browser, can reach a loopback server, so nobody may manage users or keys there.
#pragma once

#include <string>

#include "http/http.h"
#include "server/api_result.h"
#include "store/metadata_store.h"

namespace memgpt::server {

struct Caller {
  std::string user_id;
  bool is_operator = false;  // proved the server password
};

class Authenticator {
 public:
  // `store` must outlive this.
  Authenticator(store::MetadataStore& store, std::string local_user_id, std::string password);
  // 401 for a missing (when a password is set), malformed or unknown token.
  ApiResult<Caller> authenticate(const http::Request& request) const;

 private:
  store::MetadataStore& store_;
  std::string local_user_id_;
  std::string password_;
};

// A new API key ("sk-memgpt-" + 48 hex digits) and the SHA-256 (hex) the store keeps.
std::string new_api_key();
std::string sha256_hex(const std::string& text);

}  // namespace memgpt::server
