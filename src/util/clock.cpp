#include "util/clock.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <sys/random.h>

namespace memgpt {

int64_t SystemClock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const SystemClock& SystemClock::instance() {
  static const SystemClock kClock;
  return kClock;
}

static std::tm local_tm(int64_t epoch_ms) {
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  return tm;
}

std::string format_memgpt_time(int64_t epoch_ms) {
  std::tm tm = local_tm(epoch_ms);
  char buf[96];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %I:%M:%S %p %Z%z", &tm);
  return buf;
}

std::string format_local_datetime(int64_t epoch_ms) {
  std::tm tm = local_tm(epoch_ms);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string format_iso8601(int64_t epoch_ms) {
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(((epoch_ms % 1000) + 1000) % 1000));
}

std::string new_uuid() {
  // From the kernel every time: a seeded PRNG would repeat ids in forked processes.
  uint64_t ab[2];
  size_t got = 0;
  while (got < sizeof ab) {
    ssize_t n = ::getrandom(reinterpret_cast<char*>(ab) + got, sizeof ab - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  uint64_t a = ab[0], b = ab[1];
  a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", static_cast<uint32_t>(a >> 32),
                     static_cast<uint32_t>((a >> 16) & 0xffff), static_cast<uint32_t>(a & 0xffff),
                     static_cast<uint32_t>(b >> 48), b & 0xffffffffffffULL);
}

}  // namespace memgpt
