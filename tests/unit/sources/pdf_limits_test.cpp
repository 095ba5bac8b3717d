// A PDF is outside data: its page count, the text it holds and the time poppler spends on it
// are bounded (sources/extract.h, PdfLimits), each limit a one-line error naming it. The PDFs
// are written by the test (plain content streams, offsets computed).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sources/document.h"
#include "support/test_env.h"

namespace memgpt::sources {
namespace {

std::string pdf_string(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// A PDF with one page per content stream (Helvetica as font F1).
std::string make_pdf_of_streams(const std::vector<std::string>& streams) {
  std::vector<std::string> objects;  // object n is objects[n - 1]
  std::string kids;
  for (size_t i = 0; i < streams.size(); ++i) kids += fmt::format("{} 0 R ", 4 + 2 * i);
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push_back(fmt::format("<< /Type /Pages /Kids [{}] /Count {} >>", kids, streams.size()));
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (size_t i = 0; i < streams.size(); ++i) {
    objects.push_back(fmt::format("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R "
                                  "/Resources << /Font << /F1 3 0 R >> >> >>",
                                  5 + 2 * i));
    objects.push_back(fmt::format("<< /Length {} >>\nstream\n{}\nendstream", streams[i].size(), streams[i]));
  }
  std::string out = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += fmt::format("{} 0 obj\n{}\nendobj\n", i + 1, objects[i]);
  }
  size_t xref = out.size();
  out += fmt::format("xref\n0 {}\n0000000000 65535 f \n", objects.size() + 1);
  for (size_t offset : offsets) out += fmt::format("{:010d} 00000 n \n", offset);
  out += fmt::format("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{}\n%%EOF\n", objects.size() + 1, xref);
  return out;
}

// A PDF with one page per entry of `pages`, each entry's lines shown top down.
std::string make_pdf(const std::vector<std::vector<std::string>>& pages) {
  std::vector<std::string> streams;
  for (const auto& lines : pages) {
    std::string stream = "BT /F1 10 Tf 12 TL 20 760 Td";
    for (const auto& line : lines) stream += " (" + pdf_string(line) + ") Tj T*";
    streams.push_back(stream + " ET");
  }
  return make_pdf_of_streams(streams);
}

// `count` pages of `lines` lines of 50 characters each.
std::vector<std::vector<std::string>> pages_of(size_t count, size_t lines) {
  std::vector<std::vector<std::string>> pages(count);
  for (size_t p = 0; p < count; ++p) {
    for (size_t l = 0; l < lines; ++l) pages[p].push_back(fmt::format("Page {:04d} line {:02d} says herons wade.{:>12}", p + 1, l + 1, "x"));
  }
  return pages;
}

class PdfLimitsTest : public ::testing::Test {
 protected:
  std::string pdf(const std::string& name, const std::vector<std::vector<std::string>>& pages) {
    std::string path = dir_.file(name);
    testing::write_text(path, make_pdf(pages));
    return path;
  }
  struct Read {
    Status status;
    std::vector<Document> docs;
  };
  Read read(const std::string& path, PdfLimits limits = {}) {
    Read r;
    ReadOptions options;
    options.pdf = limits;
    r.status = read_documents(path, [&](Document d) -> Status {
      r.docs.push_back(std::move(d));
      return {};
    }, options);
    return r;
  }
  testing::TempDir dir_;
};

TEST_F(PdfLimitsTest, AGeneratedPdfReadsOneDocumentPerPage) {
  auto r = read(pdf("three.pdf", pages_of(3, 20)));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_NE(r.docs[2].text.find("Page 0003 line 20 says herons wade."), std::string::npos) << r.docs[2].text;
  EXPECT_EQ(r.docs[2].metadata["pages"], 3);
}

// 10,001 pages (a 2 MB file) used to be read page after page; now the count alone refuses it.
TEST_F(PdfLimitsTest, MorePagesThanTheLimitAreRefusedBeforeAnyPageIsRead) {
  std::string path = pdf("many.pdf", pages_of(10001, 1));
  auto r = read(path);
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), path + ": has 10001 pages; PDFs of more than 10000 pages are not loaded (split it "
                                       "first, e.g. qpdf --split-pages)");
  EXPECT_TRUE(r.docs.empty());
  std::string four = pdf("four.pdf", pages_of(4, 1));
  EXPECT_EQ(read(four, {.max_pages = 3}).status.message(),
            four + ": has 4 pages; PDFs of more than 3 pages are not loaded (split it first, e.g. qpdf --split-pages)");
  EXPECT_TRUE(read(four, {.max_pages = 4}).status.ok());
}

TEST_F(PdfLimitsTest, TextPastTheLimitIsRefusedNamingTheLimitAndThePage) {
  std::string path = pdf("wordy.pdf", pages_of(3, 20));  // about 1 KB of text a page
  auto r = read(path, {.max_text_bytes = 1500});
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(),
            path + ": holds more than 1500 bytes of text (at page 2 of 3); split it first (e.g. qpdf --split-pages)");
  EXPECT_EQ(read(path).docs.size(), 3u);
}

TEST_F(PdfLimitsTest, CpuTimePastTheBudgetIsRefused) {
  std::string path = pdf("slow.pdf", pages_of(3, 20));
  auto r = read(path, {.cpu_seconds = 0});
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(),
            path + ": took more than 0 s of CPU (at page 1 of 3): too complex to read; save it as text first");
}

// One page that draws the same line 20,000 times on the same spot (a 1 MB file): poppler's text
// layout works on it for minutes (pdftotext took over a minute; ten times as much kept it busy
// for over ten minutes, growing), and nothing inside poppler can be interrupted. The child
// process that reads it is stopped by its CPU limit.
TEST_F(PdfLimitsTest, APageThatKeepsTheReaderBusyIsStoppedAtTheCpuBudget) {
  std::string stream = "BT /F1 10 Tf";
  for (int i = 0; i < 20000; ++i) stream += " 1 0 0 1 20 700 Tm (herons wade in shallow water) Tj";
  stream += " ET";
  std::string path = dir_.file("stacked.pdf");
  testing::write_text(path, make_pdf_of_streams({stream}));
  auto r = read(path, {.cpu_seconds = 0.5});
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(),
            path + ": took more than 0.5 s of CPU (at page 1 of 1): too complex to read; save it as text first");
  EXPECT_TRUE(r.docs.empty());
}

// The reader's own end (here: no memory to grow into) is one line too; the process goes on.
TEST_F(PdfLimitsTest, AReaderThatFailsCostsOnlyTheFile) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "under AddressSanitizer the reader's address space is not limited";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "under AddressSanitizer the reader's address space is not limited";
#endif
#endif
  std::string path = pdf("three.pdf", pages_of(3, 20));
  auto r = read(path, {.max_memory_bytes = 0});
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message().rfind(path + ": could not be read: the PDF reader failed", 0), 0u) << r.status.message();
  EXPECT_TRUE(read(path).status.ok());
}

}  // namespace
}  // namespace memgpt::sources
