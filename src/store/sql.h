// The store layer speaks SQL through util/sql.h (SQLite and PostgreSQL behind one interface).
#pragma once

#include "util/sql.h"

namespace memgpt::store {

using memgpt::open_postgres;
using memgpt::open_sqlite;
using memgpt::SqlBlob;
using memgpt::SqlDatabase;
using memgpt::SqlRow;
using memgpt::SqlValue;

}  // namespace memgpt::store
