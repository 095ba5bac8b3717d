# Agent tests that talk to a real backend over loopback (OpenAI-compatible, Anthropic, local).
target_link_libraries(test_agent PRIVATE memgpt_scripted_llm)
