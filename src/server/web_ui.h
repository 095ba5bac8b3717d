// The web interface (web/: a Vite + TypeScript + Preact single-page application, built by
// cmake/web.cmake and compiled into the binary) at the server's root. It is static: it holds
// no secret and calls only the /v1 API with the user's own token, so its files need no auth.
#pragma once

#include <span>

#include "http/router.h"
#include "util/embedded.h"

namespace memgpt {
// Generated at build time from the Vite output; empty when the build had no Node.js.
std::span<const EmbeddedFile> web_assets();
}  // namespace memgpt

namespace memgpt::server {

// Answers what no API route matches: GET of a built file (hashed assets/ cached for a year,
// index.html revalidated), index.html for any other GET outside the API prefixes (the page's
// own routes), 404 JSON for the rest. Every page response carries a Content-Security-Policy
// that allows only the server's own scripts, styles and API. With `files` empty (a build
// without Node.js) the root answers 501 saying the interface is not built.
void serve_web_interface(http::Router& router, std::span<const EmbeddedFile> files);

// The Content-Type for a built file's name.
const char* web_content_type(std::string_view name);

}  // namespace memgpt::server
