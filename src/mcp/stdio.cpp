#include "mcp/stdio.h"

#include <string>

namespace memgpt::mcp {

void serve_stdio(Dispatcher& dispatcher, std::istream& in, std::ostream& out, size_t max_line_bytes) {
  std::streambuf* buf = in.rdbuf();
  std::string line;
  bool too_long = false;
  auto finish_line = [&] {
    if (too_long) {
      out << error_response(nullptr, kParseError, "parse error: the message is larger than the limit").dump() << '\n';
      out.flush();
    } else if (line.find_first_not_of(" \t\r") != std::string::npos) {
      if (auto answer = dispatcher.handle_text(line)) {
        out << *answer << '\n';
        out.flush();
      }
    }
    line.clear();
    too_long = false;
  };
  for (int c = buf->sbumpc(); c != std::char_traits<char>::eof(); c = buf->sbumpc()) {
    if (c == '\n') {
      finish_line();
    } else if (!too_long) {
      if (line.size() >= max_line_bytes) {
        too_long = true;
        line.clear();
        line.shrink_to_fit();
      } else {
        line.push_back(static_cast<char>(c));
      }
    }
  }
  if (!line.empty() || too_long) finish_line();
}

}  // namespace memgpt::mcp
