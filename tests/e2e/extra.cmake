target_link_libraries(test_e2e PRIVATE memgpt_scripted_llm)
pkg_check_modules(LIBZIP_TEST REQUIRED IMPORTED_TARGET libzip)
target_link_libraries(test_e2e PRIVATE PkgConfig::LIBZIP_TEST)
if(MEMGPT_LOCAL_LLM)
  target_compile_definitions(test_e2e PRIVATE MEMGPT_LOCAL_LLM=1)  # the demo chats on the packaged model
endif()
