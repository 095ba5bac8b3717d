// What every in-process llama.cpp user shares: the backend, initialised once per process, and
// llama.cpp's one global log callback. Nothing below the app layer prints, so the log is dropped
// except the first error line since the last take_llama_log_error(), the cause a failed load
// turns into its one-line message. Used by the embedder (embed/local_embedder.cpp) and the chat
// models (llm/llama_models.cpp).
// Thread-safety: both functions may be called from any thread.
#pragma once

#include <string>

namespace memgpt::llm {

void init_llama_runtime();
// The first error llama.cpp logged since the last call ("" if none), without its prefix.
std::string take_llama_log_error();
// True when `path` is a readable file that starts with the GGUF magic (llama.cpp's model format).
bool is_gguf_file(const std::string& path);

}  // namespace memgpt::llm
