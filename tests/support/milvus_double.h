// A Milvus server for tests: the embedded engine in a folder, served by `memgpt milvus serve`'s
// server in process (real HTTP on 127.0.0.1, a free port). It answers as Milvus does, limits
// included (a query's offset + limit at most 16384), so code that works against it through
// the REST client works against a Milvus server.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "vector/embedded_store.h"
#include "vector/milvus_rest.h"

namespace memgpt::testing {

class MilvusDouble {
 public:
  explicit MilvusDouble(const std::string& folder, const std::string& token = "",
                        const vector::EmbeddedOptions& engine_options = {}) {
    auto engine = vector::open_embedded_store(folder + "/milvus.db", engine_options);
    EXPECT_TRUE(engine.ok()) << engine.status().message();
    engine_ = std::move(*engine);
    server_ = std::make_unique<vector::MilvusRestServer>(engine_.get(), vector::MilvusRestServer::Options{token});
    auto port = server_->start("127.0.0.1", 0);
    EXPECT_TRUE(port.ok()) << port.status().message();
    port_ = port.ok() ? *port : 0;
  }
  ~MilvusDouble() { server_->stop(); }
  MilvusDouble(const MilvusDouble&) = delete;
  MilvusDouble& operator=(const MilvusDouble&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  vector::VectorStore* engine() const { return engine_.get(); }

 private:
  std::unique_ptr<vector::VectorStore> engine_;
  std::unique_ptr<vector::MilvusRestServer> server_;
  int port_ = 0;
};

}  // namespace memgpt::testing
