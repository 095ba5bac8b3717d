// The project's own HTTP request and response, so servers are written (and unit-tested)
// without the HTTP library: a handler takes a Request and returns a Response, never throws.
// The transport (http_server.h) converts to and from the wire; tests call a Router directly.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memgpt::http {

// Header names compare case-insensitively (RFC 9110).
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;

// One part of a multipart/form-data body.
struct FilePart {
  std::string name;          // the form field
  std::string filename;
  std::string content_type;
  std::string content;
};

struct Request {
  std::string method;  // GET, POST, ...
  std::string path;    // without the query string
  Headers headers;
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::string body;
  std::vector<FilePart> files;  // multipart/form-data parts (the body is then not used)
  std::string remote_addr;
  std::vector<std::string> params;  // the route pattern's captures, in order (set by Router)

  // The first value of a header / query parameter ("" when absent).
  std::string header(const std::string& name) const;
  bool has_query(const std::string& key) const { return query.count(key) > 0; }
  std::string query_value(const std::string& key) const;
  const FilePart* file(const std::string& field) const;
  bool is_multipart() const;
};

// Writes a streamed body as it is produced. write() returns false once the client is gone
// (the producer may stop or finish its work regardless).
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual bool write(std::string_view data) = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Headers headers;
  // When set, the body is streamed (chunked): called once, on the request's thread, after the
  // head is sent. Whatever the function owns is released when the stream ends.
  std::function<void(BodyWriter&)> stream;

  static Response json_text(int status, std::string body);
};

using Handler = std::function<Response(const Request&)>;

}  // namespace memgpt::http
