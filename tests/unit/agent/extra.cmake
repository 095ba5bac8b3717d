# Agent tests share the fixtures of tests/support/agent (which bring the scripted LLM server).
target_link_libraries(test_agent PRIVATE memgpt_agent_fixtures)
