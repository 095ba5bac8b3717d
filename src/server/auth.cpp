#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/random.h>

#include <fmt/format.h>

namespace memgpt::server {

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string new_api_key() {
  unsigned char bytes[24];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::string out = "sk-memgpt-";
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

Authenticator::Authenticator(store::MetadataStore& store, std::string local_user_id, std::string password)
    : store_(store), local_user_id_(std::move(local_user_id)), password_(std::move(password)) {}

ApiResult<Caller> Authenticator::authenticate(const http::Request& request) const {
  std::string auth = request.header("Authorization");
  if (auth.empty()) {
    if (!password_.empty()) {
      return ApiError{401, "missing credentials: send 'Authorization: Bearer <server password or API key>'", ""};
    }
    return Caller{local_user_id_, false};
  }
  if (auth.rfind("Bearer ", 0) != 0) return ApiError{401, "the Authorization header must be 'Bearer <token>'", ""};
  std::string token = auth.substr(7);
  if (!password_.empty() && token.size() == password_.size() &&
      CRYPTO_memcmp(token.data(), password_.data(), token.size()) == 0) {
    return Caller{local_user_id_, true};
  }
  auto user = store_.user_for_api_key(sha256_hex(token));
  if (user.ok()) return Caller{*user, false};
  if (user.status().code() != ErrorCode::kNotFound) return user.status();
  return ApiError{401, "invalid API key", ""};
}

}  // namespace memgpt::server
