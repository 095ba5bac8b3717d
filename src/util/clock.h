// Time and identifiers. Code with side effects takes a Clock/IdSource so tests can fix them.
#pragma once

#include <cstdint>
#include <string>

namespace memgpt {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() const = 0;  // Unix epoch milliseconds
};

class SystemClock : public Clock {
 public:
  int64_t now_ms() const override;
  static const SystemClock& instance();
};

// "2024-05-26 03:15:02 PM PDT-0700": MemGPT's timestamp for messages, in local time.
std::string format_memgpt_time(int64_t epoch_ms);
// "2024-05-26 15:15:02" in local time: for tables.
std::string format_local_datetime(int64_t epoch_ms);
// ISO 8601 UTC with milliseconds: "2024-05-26T22:15:02.123Z" (REST, JSON).
std::string format_iso8601(int64_t epoch_ms);

// Random RFC 4122 version-4 UUID, e.g. "0c2f3f5e-...".
std::string new_uuid();

}  // namespace memgpt
