// MCP's stdio transport: one JSON-RPC message per line on the input, one answer per line on
// the output (nothing else is written there; logs go to stderr). Requests are answered in order.
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>

#include "mcp/protocol.h"

namespace memgpt::mcp {

inline constexpr size_t kMaxStdioMessageBytes = 16u << 20;

// Serves `dispatcher` until the input ends. A line longer than `max_line_bytes` is answered
// with a parse error and skipped whole; blank lines are ignored.
void serve_stdio(Dispatcher& dispatcher, std::istream& in, std::ostream& out,
                 size_t max_line_bytes = kMaxStdioMessageBytes);

}  // namespace memgpt::mcp
