// When the poller hands a connection to a worker: only with its whole head, and its body when
// that is small; at once when the body is too large to hold (the worker reads or refuses it).
#include <gtest/gtest.h>

#include "http/connection_pool.h"

namespace memgpt::http::detail {
namespace {

ServerLimits limits() {
  ServerLimits l;
  l.max_header_bytes = 1024;
  l.prebuffer_bytes = 100;
  return l;
}

RequestState state(const std::string& bytes) { return request_state(bytes, limits()); }

TEST(RequestState, WaitsForTheWholeHead) {
  EXPECT_EQ(state(""), RequestState::kIncomplete);
  EXPECT_EQ(state("GET /v1/health HTTP/1.1\r\n"), RequestState::kIncomplete);
  EXPECT_EQ(state("GET /v1/health HTTP/1.1\r\nHost: x\r\n"), RequestState::kIncomplete);
  EXPECT_EQ(state("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"), RequestState::kReady);
  EXPECT_EQ(state("GET / HTTP/1.0\n\n"), RequestState::kReady);
}

TEST(RequestState, AHeadLargerThanTheLimitIsRefused) {
  EXPECT_EQ(state("GET / HTTP/1.1\r\nX: " + std::string(2000, 'a')), RequestState::kHeadTooLarge);
  EXPECT_EQ(state("GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n"), RequestState::kHeadTooLarge);
}

TEST(RequestState, WaitsForASmallBody) {
  std::string head = "POST /v1/agents HTTP/1.1\r\ncontent-length: 10\r\n\r\n";
  EXPECT_EQ(state(head), RequestState::kIncomplete);
  EXPECT_EQ(state(head + "{\"a\":"), RequestState::kIncomplete);
  EXPECT_EQ(state(head + "{\"a\":1234}"), RequestState::kReady);
}

TEST(RequestState, HandsOverALargeBodyAfterTheHead) {
  EXPECT_EQ(state("POST /upload HTTP/1.1\r\nContent-Length: 5000\r\n\r\n"), RequestState::kReady);
  EXPECT_EQ(state("POST /upload HTTP/1.1\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"), RequestState::kReady);
}

TEST(RequestState, AMalformedLengthGoesToTheParser) {
  EXPECT_EQ(state("POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n"), RequestState::kReady);
}

TEST(RequestState, FollowsChunkedBodiesToTheirLastChunk) {
  std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(state(head), RequestState::kIncomplete);
  EXPECT_EQ(state(head + "5\r\nhello\r\n"), RequestState::kIncomplete);
  EXPECT_EQ(state(head + "5\r\nhello\r\n0\r\n"), RequestState::kIncomplete);
  EXPECT_EQ(state(head + "5\r\nhello\r\n0\r\n\r\n"), RequestState::kReady);
  EXPECT_EQ(state(head + "5;ext=1\r\nhe\r\n\r\n0\r\nTrailer: x\r\n\r\n"), RequestState::kReady);
  // A chunk whose data holds what looks like the end is not the end.
  EXPECT_EQ(state(head + "9\r\n0\r\n\r\nabcd\r\n"), RequestState::kIncomplete);
  EXPECT_EQ(state(head + std::string(150, 'f')), RequestState::kReady);  // past the prebuffer: the worker reads
}

TEST(UnframedRequestBytes, ARequestWithoutLengthOrChunksEndsWithItsHead) {
  std::string head = "POST /v1/agents/x/reset HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(unframed_request_bytes(head), head.size());
  EXPECT_EQ(unframed_request_bytes(head + "GET / HTTP/1.1\r\n\r\n"), head.size());  // pipelined
  std::string gzip_only = "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n";  // not chunked: no framing
  EXPECT_EQ(unframed_request_bytes(gzip_only), gzip_only.size());
  std::string negative = "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n";  // not a length
  EXPECT_EQ(unframed_request_bytes(negative + "{}"), negative.size());
}

TEST(UnframedRequestBytes, FramedOrIncompleteRequestsAreLeftToTheParser) {
  EXPECT_EQ(unframed_request_bytes("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"), std::nullopt);
  EXPECT_EQ(unframed_request_bytes("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), std::nullopt);
  EXPECT_EQ(unframed_request_bytes("POST / HTTP/1.1\r\nHost: x\r\n"), std::nullopt);
}

}  // namespace
}  // namespace memgpt::http::detail
