// What `memgpt` opens for a home: the context (config, stores) and the archival storage, with
// the test's config saved in the home first and the archival file inside it (or a Milvus
// server's URL).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "runtime/runtime.h"

namespace memgpt::testing {

struct RuntimeHome {
  std::unique_ptr<runtime::AppContext> ctx;
  std::unique_ptr<runtime::Archival> archival;

  // From a test's SetUp, with $HOME at `home_path` (a ScopedHome); a failure stops the test.
  // Archival memory in `archival_uri` (e.g. a MilvusDouble's URL), by default a file in the home.
  void open(MemgptConfig config, const std::string& home_path, const std::string& archival_uri = "") {
    config.archival_storage.type = "milvus";
    config.archival_storage.uri = archival_uri.empty() ? home_path + "/milvus.db" : archival_uri;
    ASSERT_TRUE(config.save().ok());
    auto opened = runtime::open_context();
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    ctx = std::make_unique<runtime::AppContext>(std::move(*opened));
    auto storage = runtime::open_archival(*ctx);
    ASSERT_TRUE(storage.ok()) << storage.status().message();
    archival = std::make_unique<runtime::Archival>(std::move(*storage));
  }
};

}  // namespace memgpt::testing
