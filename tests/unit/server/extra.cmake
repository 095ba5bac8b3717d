# Route tests run the server's handlers in process (no sockets); the model is the scripted
# OpenAI-compatible server on loopback.
target_link_libraries(test_server PRIVATE memgpt_scripted_llm)
