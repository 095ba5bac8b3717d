// Text extraction from user files (sources/document.h), one target per file kind: the input
// is written to a file with the extension MEMGPT_FUZZ_EXT and read back as `memgpt load` and
// the server's upload read it. Any file must give documents or a Status, in bounded time and
// stack; every document is valid UTF-8 with some text (the chunker and the JSON views rely on
// it).
#include <fstream>

#include "fuzz_support.h"
#include "sources/document.h"

#ifndef MEMGPT_FUZZ_EXT
#error "define MEMGPT_FUZZ_EXT, e.g. \".html\""
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = memgpt::fuzz::scratch_dir() + "/input" MEMGPT_FUZZ_EXT;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  // Small pieces, so the splitting of large text files is exercised by small inputs.
  memgpt::sources::ReadOptions options;
  options.piece_bytes = 64 + (size % 192);
  // In process: a forked reader's code is invisible to the fuzzer's coverage.
  options.pdf.isolate = false;
  options.warn = [](const std::string& warning) {
    if (warning.empty()) memgpt::fuzz::finding("an empty warning");
  };
  auto status = memgpt::sources::read_documents(
      path,
      [](memgpt::sources::Document d) -> memgpt::Status {
        if (d.text.find_first_not_of(" \t\r\n") == std::string::npos) memgpt::fuzz::finding("an empty document was emitted");
        if (!memgpt::fuzz::valid_utf8(d.text)) memgpt::fuzz::finding("a document's text is not valid UTF-8");
        (void)d.metadata.dump();  // stored as JSON beside each passage
        (void)d.doc_id();
        return {};
      },
      options);
  if (!status.ok() && status.message().empty()) memgpt::fuzz::finding("a refused file has no message");
  return 0;
}
