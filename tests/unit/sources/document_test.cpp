// Reading real files into documents: every format, and files built to break the readers.
#include "sources/document.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "sources/extract.h"
#include "support/test_env.h"
#include "unprivileged.h"

namespace memgpt::sources {
namespace {

using testing::repeat;

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

class DocumentTest : public ::testing::Test {
 protected:
  std::string file(const std::string& name, const std::string& content) {
    std::string p = dir_.file(name);
    testing::write_text(p, content);
    return p;
  }
  // A PDF of `pages` (make_pdf).
  std::string pdf_file(const std::string& name, const std::vector<std::vector<std::string>>& pages) {
    return file(name, make_pdf(pages));
  }
  // A .docx whose word/document.xml is `xml` (deflated).
  std::string docx(const std::string& name, const std::string& xml) {
    std::string p = dir_.file(name);
    int err = 0;
    zip_t* z = zip_open(p.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    EXPECT_NE(z, nullptr);
    zip_source_t* src = zip_source_buffer(z, xml.data(), xml.size(), 0);
    EXPECT_GE(zip_file_add(z, "word/document.xml", src, ZIP_FL_OVERWRITE), 0);
    EXPECT_EQ(zip_close(z), 0);
    return p;
  }
  struct Read {
    Status status;
    std::vector<Document> docs;
    std::vector<std::string> warnings;
  };
  Read read(const std::string& path, ReadOptions options = {}) {
    Read r;
    options.warn = [&](const std::string& w) { r.warnings.push_back(w); };
    r.status = read_documents(path, [&](Document d) -> Status {
      r.docs.push_back(std::move(d));
      return {};
    }, options);
    return r;
  }
  testing::TempDir dir_;
};

TEST_F(DocumentTest, TextFilesArriveInPiecesCutAtParagraphs) {
  std::string para = repeat("word ", 100) + "\n\n";  // 502 bytes
  auto r = read(file("long.md", repeat(para, 10)), {.piece_bytes = 1200});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 5u);
  for (size_t i = 0; i < r.docs.size(); ++i) {
    EXPECT_EQ(r.docs[i].text, para + para) << i;
    EXPECT_EQ(r.docs[i].part, static_cast<int>(i));
  }
  EXPECT_EQ(r.docs[0].doc_id(), "long.md");
  EXPECT_EQ(r.docs[2].doc_id(), "long.md#part=2");
}

// Pieces of a text file that hold only white space (form feeds between printed pages, blank
// lines) are no documents; they used to be loaded as passages of "\f".
TEST_F(DocumentTest, PiecesOfOnlyWhiteSpaceAreNoDocuments) {
  std::string para = repeat("word ", 100) + "\n\n";  // 502 bytes
  auto r = read(file("pages.txt", para + repeat(" \f\n\n", 600) + para), {.piece_bytes = 1200});
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 2u);
  for (size_t i = 0; i < r.docs.size(); ++i) {
    EXPECT_FALSE(is_blank(r.docs[i].text)) << i;
    EXPECT_EQ(r.docs[i].part, static_cast<int>(i));
  }
}

TEST_F(DocumentTest, ATextFileOfOnlyFormFeedsAndSpacesHoldsNoText) {
  for (const std::string& blank : {std::string("\f"), std::string("\f\n\f\n"), std::string("\f \t\v\r\n\xc2\xa0\xe3\x80\x80")}) {
    std::string path = file("blank.txt", blank);
    auto r = read(path);
    EXPECT_EQ(r.status.message(), path + ": holds no text") << ::testing::PrintToString(blank);
    EXPECT_TRUE(r.docs.empty());
  }
}

TEST_F(DocumentTest, PdfPagesAreDocumentsWithTheirPageNumbers) {
  const std::string pdf = "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf";
  if (!std::filesystem::exists(pdf)) MEMGPT_SKIP_OR_FAIL("shared-mime-info is not installed (scripts/setup.sh installs it)");
  auto r = read(pdf);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 17u);
  EXPECT_EQ(r.docs[10].page, 11);
  EXPECT_EQ(r.docs[10].doc_id(), "shared-mime-info-spec.pdf#page=11");
  EXPECT_EQ(r.docs[10].metadata, Json({{"page", 11}, {"pages", 17}}));
  EXPECT_NE(r.docs[10].text.find("glob"), std::string::npos);
}

TEST_F(DocumentTest, DamagedPdfIsNamedAsSuch) {
  std::string path = file("broken.pdf", "%PDF-1.4\nthis is not really a pdf\n");
  EXPECT_EQ(read(path).status.message(), path + ": is not a readable PDF (damaged or not a PDF)");
}

TEST(PdfText, LigaturesSpeltOutAndLineEndHyphensJoined) {
  EXPECT_EQ(repair_pdf_text("The \xef\xac\x81rst e\xef\xac\x80" "ect of informa-\ntion on Well-\nKnown   words"),
            "The first effect of information on Well-\nKnown words");
}

TEST_F(DocumentTest, HtmlOfTwoHundredThousandNestedDivsGivesItsText) {
  auto r = read(file("deep.html", "<html><body>" + repeat("<div>", 200000) + "deep text" +
                                      repeat("</div>", 200000) + "</body></html>"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].text, "deep text\n\n");
}

TEST_F(DocumentTest, WordDocumentParagraphs) {
  auto r = read(docx("report.docx", "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>Tin mine revenue rose.</w:t>"
                                    "</w:r></w:p><w:p><w:r><w:t>Second.</w:t></w:r></w:p></w:body></w:document>"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 1u);
  EXPECT_EQ(r.docs[0].text, "Tin mine revenue rose.\n\nSecond.\n\n");
}

// 129 MB of XML deflates to a small file; reading stops at the limit, whatever the archive says.
TEST_F(DocumentTest, WordDocumentInflatingPastTheLimitIsRefused) {
  std::string xml = "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>" + std::string(kMaxDocxXmlBytes, 'a') +
                    "</w:t></w:r></w:p></w:body></w:document>";
  std::string path = docx("bomb.docx", xml);
  xml.clear();
  xml.shrink_to_fit();
  EXPECT_LT(std::filesystem::file_size(path), 1u << 20);
  auto r = read(path);
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), path + ": has a document part larger than 128 MB uncompressed");
}

TEST_F(DocumentTest, NotAWordDocument) {
  EXPECT_EQ(read(file("fake.docx", "plain text")).status.message(),
            dir_.file("fake.docx") + ": is not a readable .docx (not a zip archive)");
}

TEST_F(DocumentTest, JsonNestedOneHundredThousandDeepIsRefusedWithTheReason) {
  std::string path = file("deep.json", repeat("[", 100000) + repeat("]", 100000));
  auto r = read(path);
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), path + ": is not valid JSON: nested deeper than 256 levels");
  EXPECT_TRUE(r.docs.empty());
}

TEST_F(DocumentTest, JsonArrayItemsAreDocumentsWithTheirScalarFieldsAsMetadata) {
  auto r = read(file("items.json", R"([{"text": "Glaciers carve fjords.", "year": 1999, "tags": ["x"]},
                                       {"title": "t", "body": {"deep": "nested strings"}}, 17])"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(r.docs[0].text, "Glaciers carve fjords.");
  EXPECT_EQ(r.docs[0].metadata, Json({{"year", 1999}}));
  EXPECT_EQ(r.docs[1].text, "nested strings\nt\n");
  EXPECT_EQ(r.docs[1].part, 1);
}

TEST_F(DocumentTest, JsonLinesLoadTheGoodLinesAndNameTheBadOnes) {
  std::string path = file("facts.jsonl", "{\"text\": \"Herons wade.\"}\n{broken\n\n{\"text\": \"Cranes dance.\"}\n" +
                                             repeat("[", 300) + repeat("]", 300) + "\n{\"text\": \"Ibis probe.\"}");
  auto r = read(path);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_EQ(r.docs[0].text, "Herons wade.");
  EXPECT_EQ(r.docs[1].text, "Cranes dance.");
  EXPECT_EQ(r.docs[2].text, "Ibis probe.");
  EXPECT_EQ(r.docs[2].part, 5);  // line 6
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], path + ": lines 2 and 5 are not valid JSON (line 2: syntax error at byte 2); "
                                  "the other lines were loaded");
}

TEST_F(DocumentTest, JsonLinesUnderStrictFailAtTheFirstBadLine) {
  std::string path = file("facts.jsonl", "{\"text\": \"Herons wade.\"}\n\n{\"text\": \"Cranes\n");
  auto r = read(path, {.strict = true});
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), path + ": line 3 is not valid JSON: syntax error at byte 17");
}

TEST_F(DocumentTest, JsonLinesWithOnlyBadLinesFail) {
  std::string path = file("bad.jsonl", "nope\n{\n");
  auto r = read(path);
  EXPECT_EQ(r.status.message(), path + ": lines 1 and 2 are not valid JSON (line 1: syntax error at byte 2)");
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(DocumentTest, MessagesNameTheFileAsTheCallerAsks) {
  auto r = read(file("x.json", "{"), {.name = "upload.json"});
  EXPECT_EQ(r.status.message(), "upload.json: is not valid JSON: syntax error at byte 2");
}

TEST_F(DocumentTest, SymbolicLinkLoopsAndDanglingLinksAreOneLineErrors) {
  std::string loop = dir_.file("loop.txt");
  ASSERT_EQ(::symlink(loop.c_str(), loop.c_str()), 0);
  auto r = read(loop);
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), loop + ": is a symbolic link that leads back to itself (a loop)");
  std::string dangling = dir_.file("dangling.txt");
  ASSERT_EQ(::symlink(dir_.file("gone.txt").c_str(), dangling.c_str()), 0);
  r = read(dangling);
  EXPECT_EQ(r.status.code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.status.message(), dangling + ": is a symbolic link to a file that does not exist");
}

// As an ordinary user (under root, in a child that dropped to nobody: root reads any file).
TEST_F(DocumentTest, UnreadableFileIsPermissionDenied) {
  std::string secret = file("secret.txt", "hidden");
  ASSERT_EQ(::chmod(secret.c_str(), 0), 0);
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);  // nobody may reach the file, not read it
  Json seen = testing::as_unprivileged_user([&] {
    auto r = read(secret);
    return Json{{"code", static_cast<int>(r.status.code())}, {"message", r.status.message()},
                {"documents", r.docs.size()}};
  });
  ASSERT_FALSE(seen.contains("error")) << seen.dump();
  EXPECT_EQ(seen["code"], static_cast<int>(ErrorCode::kPermissionDenied));
  EXPECT_EQ(seen["message"], secret + ": not readable (permission denied)");
  EXPECT_EQ(seen["documents"], 0);
}

TEST_F(DocumentTest, AFifoIsNotReadAsAFile) {
  std::string fifo = dir_.file("pipe.txt");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(read(fifo).status.message(), fifo + ": is not a regular file (a device, pipe or socket)");
}

// ---- PDF limits (sources/extract.h, PdfLimits): each a one-line error naming the limit ----

TEST_F(DocumentTest, AGeneratedPdfReadsOneDocumentPerPage) {
  auto r = read(pdf_file("three.pdf", pages_of(3, 20)));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_NE(r.docs[2].text.find("Page 0003 line 20 says herons wade."), std::string::npos) << r.docs[2].text;
  EXPECT_EQ(r.docs[2].metadata["pages"], 3);
}

// 10,001 pages (a 2 MB file) used to be read page after page; now the count alone refuses it.
TEST_F(DocumentTest, PdfOfMorePagesThanTheLimitIsRefusedBeforeAnyPageIsRead) {
  std::string path = pdf_file("many.pdf", pages_of(10001, 1));
  auto r = read(path);
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), path + ": has 10001 pages; PDFs of more than 10000 pages are not loaded (split it "
                                       "first, e.g. qpdf --split-pages)");
  EXPECT_TRUE(r.docs.empty());
  std::string four = pdf_file("four.pdf", pages_of(4, 1));
  EXPECT_EQ(read(four, {.pdf = {.max_pages = 3}}).status.message(),
            four + ": has 4 pages; PDFs of more than 3 pages are not loaded (split it first, e.g. qpdf --split-pages)");
  EXPECT_TRUE(read(four, {.pdf = {.max_pages = 4}}).status.ok());
}

TEST_F(DocumentTest, PdfTextPastTheLimitIsRefusedNamingTheLimitAndThePage) {
  std::string path = pdf_file("wordy.pdf", pages_of(3, 20));  // about 1 KB of text a page
  auto r = read(path, {.pdf = {.max_text_bytes = 1500}});
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(),
            path + ": holds more than 1500 bytes of text (at page 2 of 3); split it first (e.g. qpdf --split-pages)");
  EXPECT_EQ(read(path).docs.size(), 3u);
}

TEST_F(DocumentTest, PdfCpuTimePastTheBudgetIsRefused) {
  std::string path = pdf_file("slow.pdf", pages_of(3, 20));
  auto r = read(path, {.pdf = {.cpu_seconds = 0}});
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(),
            path + ": took more than 0 s of CPU (at page 1 of 3): too complex to read; save it as text first");
}

// One page that draws the same line 20,000 times on the same spot (a 1 MB file): poppler's text
// layout works on it for minutes (pdftotext took over a minute; ten times as much kept it busy
// for over ten minutes, growing), and nothing inside poppler can be interrupted. The child
// process that reads it is stopped by its CPU limit.
TEST_F(DocumentTest, APdfPageThatKeepsTheReaderBusyIsStoppedAtTheCpuBudget) {
  std::string stream = "BT /F1 10 Tf";
  for (int i = 0; i < 20000; ++i) stream += " 1 0 0 1 20 700 Tm (herons wade in shallow water) Tj";
  stream += " ET";
  std::string path = dir_.file("stacked.pdf");
  testing::write_text(path, make_pdf_of_streams({stream}));
  auto r = read(path, {.pdf = {.cpu_seconds = 0.5}});
  EXPECT_EQ(r.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(),
            path + ": took more than 0.5 s of CPU (at page 1 of 1): too complex to read; save it as text first");
  EXPECT_TRUE(r.docs.empty());
}

// The reader's own end (here: no memory to grow into) is one line too; the process goes on.
TEST_F(DocumentTest, APdfReaderThatFailsCostsOnlyTheFile) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "under AddressSanitizer the reader's address space is not limited";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "under AddressSanitizer the reader's address space is not limited";
#endif
#endif
  std::string path = pdf_file("three.pdf", pages_of(3, 20));
  // The reader is a fork of this process: after other tests, free memory in this process's heap
  // would be lent to it despite the limit (and poppler then fails quietly: "no text layer").
  // A fresh process of the test binary, that runs only this test, lends it nothing.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto r = read(path, {.pdf = {.max_memory_bytes = 0}});
        std::fprintf(stderr, "%s\n", r.status.message().c_str());
        bool failed_as_said = r.status.code() == ErrorCode::kInvalidArgument &&
                              r.status.message().rfind(path + ": could not be read: the PDF reader failed", 0) == 0;
        std::_Exit(failed_as_said ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "could not be read: the PDF reader failed");
  EXPECT_TRUE(read(path).status.ok());
}

}  // namespace
}  // namespace memgpt::sources
