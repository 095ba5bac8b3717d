// Shared by the libFuzzer targets in this folder (docs/fuzzing.md): a scratch folder on tmpfs,
// a network guard, and one way to report a broken property (a finding) so libFuzzer keeps the
// input that caused it.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace memgpt::fuzz {

// A broken property: print why, then abort so libFuzzer saves the input as a crash artifact.
[[noreturn]] inline void finding(std::string_view what) {
  std::fprintf(stderr, "\n==FINDING== %.*s\n", static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  std::abort();
}

// Well-formed UTF-8 (Unicode's definition: no overlong forms, surrogates or values past
// U+10FFFF).
inline bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    unsigned char d = static_cast<unsigned char>(n > 1 ? s[i + 1] : 0);
    if ((c == 0xe0 && d < 0xa0) || (c == 0xed && d >= 0xa0) || (c == 0xf0 && d < 0x90) || (c == 0xf4 && d >= 0x90)) {
      return false;
    }
    i += n;
  }
  return true;
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A fresh private folder for the whole run (tmpfs when there is one: targets write a file per
// input), removed at exit. Not thread-safe; call from LLVMFuzzerInitialize or the first input.
inline const std::string& scratch_dir() {
  // Never destroyed: the removal at exit runs after static destructors would have.
  static const std::string* dir = [] {
    std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path().string();
    auto* path = new std::string(base + "/memgpt-fuzz-XXXXXX");
    if (!::mkdtemp(path->data())) finding("cannot create a scratch folder");
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_dir(), ec);
    });
    return path;
  }();
  return *dir;
}

// True when `message` shows the scratch folder although no input so far contained it (errors
// may quote the user's own text, and a stateful target answers with what an earlier input
// stored; libFuzzer learns the folder name from string comparisons).
inline bool leaks_scratch_path(std::string_view message, std::string_view input) {
  const std::string& dir = scratch_dir();
  static bool given = false;  // an input named the folder: it may be stored and shown back
  given = given || input.find(dir) != std::string_view::npos;
  return !given && message.find(dir) != std::string_view::npos;
}

// Targets that reach code able to make HTTP requests (the servers: a fuzzed body may name any
// model endpoint) send every request through a proxy on a closed loopback port, so nothing
// leaves the machine even outside the network namespace fuzz/run.sh uses.
inline void block_outbound_http() {
  for (const char* var : {"http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}) {
    ::setenv(var, "http://127.0.0.1:9", 1);
  }
  ::unsetenv("no_proxy");
  ::unsetenv("NO_PROXY");
}

}  // namespace memgpt::fuzz
