target_link_libraries(test_llm PRIVATE memgpt_scripted_llm)
# llama.cpp's own grammar parser checks the grammars memgpt generates for the agent's functions.
if(TARGET llama)
  target_link_libraries(test_llm PRIVATE llama memgpt_agent)
endif()
