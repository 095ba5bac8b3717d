// The embedded engine's SQLite connection, with errors fit to show to any client. The driver's
// messages begin with the file's path and may quote SQL; through this wrapper every error is a
// one-line reason with neither (the file is named only when the store is opened, by the caller
// that chose it). Errors the engine makes itself pass unchanged.
#pragma once

#include <memory>
#include <string>

#include "util/sql.h"

namespace memgpt::vector::embedded {

// Wraps `db` (opened on `path`); the result is used exactly like `db`.
std::unique_ptr<SqlDatabase> with_clean_errors(std::unique_ptr<SqlDatabase> db, std::string path);

// The rewriting itself: a driver error for `path` becomes a reason without path or SQL.
Status clean_error(const Status& s, const std::string& path);

}  // namespace memgpt::vector::embedded
