// Format and corruption tests of the embedded engine's derived files, in the manner of LevelDB's
// log and table tests: the graph file (hnsw_graph_file.h) and the key table (key_table.h) are
// written, then truncated at every length, flipped byte by byte, given another magic, version
// or stamp; each damage must be refused (so the engine rebuilds), never read as a wrong graph.
// The same damage through the store: index_store_files_test.cpp.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "support/test_env.h"
#include "support/vectors.h"
#include "util/files.h"
#include "vector/embedded_store.h"
#include "vector/hnsw_graph_file.h"
#include "vector/key_table.h"

namespace memgpt::vector {
namespace {

using embedded::Graph;
using embedded::GraphHolder;
using embedded::KeyTable;

constexpr int kDim = 8;
constexpr size_t kHeaderBytes = 96;

std::vector<float> vec(int seed) { return testing::unit_vector(seed, kDim); }

// A graph of `n` points labelled 1..n, some deleted.
struct Built {
  hnswlib::InnerProductSpace space{kDim};
  std::unique_ptr<Graph> graph;
  explicit Built(int n) {
    graph = std::make_unique<Graph>(&space, static_cast<size_t>(n) + 10, 16, 100);
    for (int i = 1; i <= n; ++i) graph->addPoint(vec(i).data(), static_cast<size_t>(i));
    graph->markDelete(3);
  }
};

std::vector<size_t> top(const Graph& g, int seed, size_t k = 5) {
  auto pq = const_cast<Graph&>(g).searchKnn(vec(seed).data(), k);
  std::vector<size_t> out;
  while (!pq.empty()) {
    out.push_back(pq.top().second);
    pq.pop();
  }
  return out;
}

// Drops a file from the page cache (where the file system allows it), so that a load reads it
// from the disk: the loader's read-ahead threads run only for a file that is not cached.
void drop_from_page_cache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

class GraphFile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hash = embedded::save_graph(*built_.graph, path_);
    ASSERT_TRUE(hash.ok()) << hash.status().message();
    hash_ = *hash;
    bytes_ = *read_file(path_);
  }
  GraphHolder load(const std::string& bytes, std::optional<uint64_t> hash) {
    testing::write_text(path_, bytes);
    return embedded::load_graph(path_, &built_.space, 16, 100, hash);
  }
  GraphHolder load_hashed(const std::string& bytes) { return load(bytes, XXH3_64bits(bytes.data(), bytes.size())); }

  testing::TempDir dir_;
  std::string path_ = dir_.file("c.hnsw");
  Built built_{60};
  uint64_t hash_ = 0;
  std::string bytes_;
};

TEST_F(GraphFile, RoundTripGivesTheSameGraph) {
  GraphHolder g = load(bytes_, hash_);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->cur_element_count, 60u);
  EXPECT_EQ(g->num_deleted_, 1u);
  for (int seed : {1, 30, 59, 1000}) EXPECT_EQ(top(*g.get(), seed), top(*built_.graph, seed)) << seed;
  // The format is hnswlib's own: its saveIndex writes the same bytes.
  built_.graph->saveIndex(dir_.file("hnswlib.hnsw"));
  EXPECT_EQ(*read_file(dir_.file("hnswlib.hnsw")), bytes_);
  EXPECT_EQ(hash_, XXH3_64bits(bytes_.data(), bytes_.size()));
}

TEST_F(GraphFile, EmptyGraphRoundTrips) {
  hnswlib::InnerProductSpace space(kDim);
  Graph empty(&space, 10, 16, 100);
  auto hash = embedded::save_graph(empty, path_);
  ASSERT_TRUE(hash.ok());
  GraphHolder g = embedded::load_graph(path_, &space, 16, 100, *hash);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->cur_element_count, 0u);
}

TEST_F(GraphFile, EveryTruncationIsRefused) {
  // Lengths below the whole file: byte by byte through the header and the last 64 bytes, every
  // 61st between.
  for (size_t len = 0; len < bytes_.size(); len += (len < 128 || len + 64 > bytes_.size()) ? 1 : 61) {
    std::string cut = bytes_.substr(0, len);
    EXPECT_FALSE(load(cut, hash_)) << "length " << len;
    EXPECT_FALSE(load(cut, std::nullopt)) << "length " << len << " (structure alone)";
  }
  EXPECT_FALSE(load(bytes_ + std::string(1, '\0'), hash_)) << "a longer file";
  EXPECT_FALSE(load(bytes_ + std::string(8, 'x'), std::nullopt)) << "trailing bytes";
}

TEST_F(GraphFile, EveryFlippedByteIsRefused) {
  // One bit of every header byte, then of every 13th byte (links, vectors, labels, upper
  // levels): the hash catches flips that leave a plausible graph (a vector value, a label).
  for (size_t pos = 0; pos < bytes_.size(); pos += pos < kHeaderBytes ? 1 : 13) {
    std::string flipped = bytes_;
    flipped[pos] = static_cast<char>(flipped[pos] ^ (1 << (pos % 8)));
    EXPECT_FALSE(load(flipped, hash_)) << "byte " << pos;
  }
  ASSERT_TRUE(load(bytes_, hash_)) << "the file itself still loads";
}

// Without a hash (files of earlier builds) the structural checks still refuse what would read
// out of bounds: another header, neighbour ids past the end, levels past the top.
TEST_F(GraphFile, StructuralDamageIsRefusedWithoutAHash) {
  auto with = [&](size_t offset, const void* value, size_t n) {
    std::string b = bytes_;
    std::memcpy(b.data() + offset, value, n);
    return b;
  };
  uint64_t one = 1, huge = uint64_t{1} << 40, m8 = 8;
  uint32_t bad_id = 0x7fffffff, big_count = 40;
  int32_t level = 70;
  double mult = -1;
  EXPECT_FALSE(load(with(0, &one, 8), std::nullopt)) << "offsetLevel0 (the format's first field) is not 0";
  EXPECT_FALSE(load(with(16, &huge, 8), std::nullopt)) << "count past the file";
  EXPECT_FALSE(load(with(24, &one, 8), std::nullopt)) << "record size";
  EXPECT_FALSE(load(with(48, &level, 4), std::nullopt)) << "max level";
  EXPECT_FALSE(load(with(56, &m8, 8), std::nullopt)) << "maxM";
  EXPECT_FALSE(load(with(72, &m8, 8), std::nullopt)) << "M";
  EXPECT_FALSE(load(with(80, &mult, 8), std::nullopt)) << "mult";
  EXPECT_FALSE(load(with(kHeaderBytes, &big_count, 4), std::nullopt)) << "link count past maxM0";
  std::string ids = with(kHeaderBytes, &one, 4);
  std::memcpy(ids.data() + kHeaderBytes + 4, &bad_id, 4);
  EXPECT_FALSE(load(ids, std::nullopt)) << "neighbour id past the end";
  // A graph of another collection: other M, other dimension.
  testing::write_text(path_, bytes_);
  EXPECT_FALSE(embedded::load_graph(path_, &built_.space, 32, 100, std::nullopt));
  hnswlib::InnerProductSpace wider(kDim * 2);
  EXPECT_FALSE(embedded::load_graph(path_, &wider, 16, 100, std::nullopt));
  EXPECT_FALSE(embedded::load_graph(dir_.file("missing.hnsw"), &built_.space, 16, 100, std::nullopt));
}

// The hash runs on another thread while the structure is checked: damage found long before
// the hash has read the whole file (a bad header; a graph followed by 64 MB of trailing bytes)
// is refused, and the mapping stays readable until the hash is done (else this crashes).
TEST_F(GraphFile, StructuralDamageIsRefusedWhileTheHashIsStillReading) {
  std::string padding(64 << 20, '\0');
  std::string bad_header = bytes_;
  uint64_t one = 1;
  std::memcpy(bad_header.data(), &one, sizeof one);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(load(bad_header + padding, hash_)) << "a bad header";
    EXPECT_FALSE(load_hashed(bad_header + padding)) << "a bad header, with the file's own hash";
    EXPECT_FALSE(load(bytes_ + padding, hash_)) << "trailing bytes";
    EXPECT_FALSE(load_hashed(bytes_ + padding)) << "trailing bytes, with the file's own hash";
  }
  ASSERT_TRUE(load(bytes_, hash_)) << "the file itself still loads";
}

// A graph of 40 MB (several read-ahead chunks) loaded from the disk rather than the page cache
// is the graph that was saved; a flipped byte in it is still refused.
TEST_F(GraphFile, AGraphReadFromTheDiskLoadsTheSameGraphAndDamageIsStillRefused) {
  constexpr int kWide = 2048;
  hnswlib::InnerProductSpace space(kWide);
  Graph big(&space, 5000, 16, 16);
  for (int i = 1; i <= 5000; ++i) big.addPoint(testing::unit_vector(i, kWide).data(), static_cast<size_t>(i));
  auto hash = embedded::save_graph(big, path_);
  ASSERT_TRUE(hash.ok());
  drop_from_page_cache(path_);
  GraphHolder g = embedded::load_graph(path_, &space, 16, 16, *hash);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->cur_element_count, 5000u);
  auto ids = [](auto pq) {
    std::vector<size_t> out;
    for (; !pq.empty(); pq.pop()) out.push_back(pq.top().second);
    return out;
  };
  for (int seed : {7, 2500, 4999}) {
    auto query = testing::unit_vector(seed, kWide);
    EXPECT_EQ(ids(g->searchKnn(query.data(), 5)), ids(big.searchKnn(query.data(), 5))) << seed;
  }
  g = GraphHolder();
  std::string bytes = *read_file(path_);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);  // a vector value
  testing::write_text(path_, bytes);
  drop_from_page_cache(path_);
  EXPECT_FALSE(embedded::load_graph(path_, &space, 16, 16, *hash));
}

TEST_F(GraphFile, AFailedSaveLeavesTheOldFileAndNamesNoPath) {
  auto bad = embedded::save_graph(*built_.graph, dir_.file("no/such/dir/c.hnsw"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find(dir_.path()), std::string::npos) << bad.status().message();
  EXPECT_EQ(*read_file(path_), bytes_);
}

// ---- key table ----

SqlRow key_row(const Json& key) {
  return SqlRow({key.is_string() ? SqlValue(key.get<std::string>()) : SqlValue(key.get<int64_t>())});
}

std::string keys_image(bool int_keys, const std::string& stamp) {
  KeyTable t;
  t.reset(int_keys);
  for (int64_t rid = 1; rid <= 40; ++rid) {
    t.set(rid, key_row(int_keys ? Json(rid * 1000) : Json("key-" + std::to_string(rid))), 0);
  }
  t.erase(7);
  return t.serialize(stamp);
}

TEST(KeyTableFormat, RoundTripsIntAndStringKeys) {
  for (bool int_keys : {true, false}) {
    KeyTable t;
    ASSERT_TRUE(t.parse(keys_image(int_keys, "uid:40:1:40"), "uid:40:1:40", int_keys));
    EXPECT_EQ(t.size(), 39u);
    Json key;
    ASSERT_TRUE(t.find(40, key));
    EXPECT_EQ(key, int_keys ? Json(40000) : Json("key-40"));
    EXPECT_FALSE(t.find(7, key)) << "erased";
    EXPECT_FALSE(t.find(41, key));
  }
  KeyTable empty;
  empty.reset(false);
  KeyTable back;
  EXPECT_TRUE(back.parse(empty.serialize("s"), "s", false));
  EXPECT_EQ(back.size(), 0u);
}

TEST(KeyTableFormat, EveryTruncationAndEveryFlippedByteIsRefused) {
  for (bool int_keys : {true, false}) {
    const std::string image = keys_image(int_keys, "uid:40:1:40");
    for (size_t len = 0; len < image.size(); ++len) {
      KeyTable t;
      EXPECT_FALSE(t.parse(std::string_view(image).substr(0, len), "uid:40:1:40", int_keys)) << len;
      EXPECT_EQ(t.size(), 0u) << "a refused image leaves the table empty";
    }
    for (size_t pos = 0; pos < image.size(); ++pos) {
      for (int bit : {0, 7}) {
        std::string flipped = image;
        flipped[pos] = static_cast<char>(flipped[pos] ^ (1 << bit));
        KeyTable t;
        EXPECT_FALSE(t.parse(flipped, "uid:40:1:40", int_keys)) << "byte " << pos << " bit " << bit;
      }
    }
  }
}

// Re-signs an image after changing it, so only the check under test can refuse it.
std::string resigned(std::string image) {
  image.resize(image.size() - 8);
  uint64_t sum = XXH3_64bits(image.data(), image.size());
  image.append(reinterpret_cast<const char*>(&sum), sizeof sum);
  return image;
}

TEST(KeyTableFormat, OtherMagicVersionStampOrKeyTypeIsRefused) {
  const std::string image = keys_image(false, "uid:40:1:40");
  KeyTable t;
  std::string old_version = image;
  old_version[6] = '1';  // "MGKEYS1": the format before checksums
  EXPECT_FALSE(t.parse(resigned(old_version), "uid:40:1:40", false));
  std::string other_magic = image;
  other_magic[0] = 'X';
  EXPECT_FALSE(t.parse(resigned(other_magic), "uid:40:1:40", false));
  EXPECT_FALSE(t.parse(image, "uid:41:1:41", false)) << "a stamp of another save";
  EXPECT_FALSE(t.parse(image, "uid:40:1:40", true)) << "string keys read as integers";
  EXPECT_FALSE(t.parse(resigned(image.substr(0, image.size() - 8) + "extra" + image.substr(image.size() - 8)),
                       "uid:40:1:40", false))
      << "bytes after the last entry";
  // Entries out of order (a valid checksum over a hand-made image).
  std::string order = keys_image(true, "s");
  size_t first = 8 + 8 + 1 + 1 + 8;  // magic, stamp length, stamp "s", int flag, entry count
  int64_t rid_b;
  std::memcpy(&rid_b, order.data() + first + 16, 8);
  std::memcpy(order.data() + first, &rid_b, 8);  // the first entry now repeats the second's rid
  EXPECT_FALSE(t.parse(resigned(order), "s", true));
  EXPECT_TRUE(t.parse(image, "uid:40:1:40", false)) << "the image itself is fine";
}

}  // namespace
}  // namespace memgpt::vector
