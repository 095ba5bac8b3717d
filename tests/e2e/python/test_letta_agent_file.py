"""Agent Files through `memgpt server` with the official Letta Python client (letta-client):
agents.export_file (GET /v1/agents/{id}/export) and agents.import_file (POST /v1/agents/import,
multipart `file`), with the scripted OpenAI-compatible LLM server behind the agent. The exported
agent, imported under a new name, has the same memory blocks, messages and archival passages and
answers a message; scrub_messages leaves the conversation out; a bad file is a one-line 422 that leaves no agent; a taken name is a 409.
Usage: MEMGPT_BIN=... SCRIPTED_LLM_BIN=... build/venv-peers/bin/python test_letta_agent_file.py"""
import json
import os
import sys
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import ScriptedServerTestCase  # noqa: E402

from letta_client import Letta  # noqa: E402

OPENAI_KEY = "sk-test-agent-file-secret"

SCENARIO = {
    "model": "gpt-4o-mini",
    "replies": [
        {"content": "Note the city.", "tool": "core_memory_append",
         "arguments": {"name": "human", "content": " Lives in Lyon.", "request_heartbeat": True}},
        {"content": "Confirm.", "tool": "send_message", "arguments": {"message": "Noted: Lyon."}},
        {"content": "The copy answers.", "tool": "send_message", "arguments": {"message": "You live in Lyon."}},
    ],
}


def message_shape(page):
    """What a message says, in order: type, date and its text (content, reasoning, call or return)."""
    shape = []
    for m in page.items:
        call = getattr(m, "tool_call", None)
        text = (getattr(m, "content", None) or getattr(m, "reasoning", None) or (call.name if call else None)
                or getattr(m, "tool_return", None) or "")
        shape.append((m.message_type, m.date, text))
    return shape


class OfficialPythonLettaClientExportsAndImportsAgentFiles(ScriptedServerTestCase):
    def setUp(self):
        self.start_servers("memgpt-af-py-", SCENARIO, OPENAI_KEY)
        self.client = Letta(base_url=self.base_url, api_key="e2e-password", max_retries=0)

    def llm_double(self, path):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{self.llm.port}{path}") as r:
            return json.load(r)

    def test_an_exported_agent_imports_under_a_new_name_with_its_memory_messages_and_passages(self):
        client = self.client

        # An agent with a memory edit made in a conversation, and an archival passage.
        agent = client.agents.create(
            name="af-agent", model="openai/gpt-4o-mini",
            memory_blocks=[{"label": "human", "value": "Name: Bob", "limit": 800},
                           {"label": "persona", "value": "I am a careful assistant.", "limit": 500}])
        reply = client.agents.messages.create(agent.id, messages=[{"role": "user", "content": "I moved to Lyon."}])
        self.assertEqual([m.content for m in reply.messages if m.message_type == "assistant_message"],
                         ["Noted: Lyon."])
        client.agents.passages.create(agent.id, text="Bob's first cat was called Pepper.")

        # Export: Letta's document (a JSON string), without the OpenAI key or the server password.
        exported = client.agents.export_file(agent.id)
        self.assertIsInstance(exported, str)
        self.assertNotIn(OPENAI_KEY, exported)
        self.assertNotIn("e2e-password", exported)
        doc = json.loads(exported)
        for key in ["agents", "groups", "blocks", "files", "sources", "tools", "mcp_servers"]:
            self.assertIsInstance(doc[key], list, key)
        self.assertEqual(len(doc["agents"]), 1)
        self.assertEqual(sorted((b["label"], b["limit"]) for b in doc["blocks"]), [("human", 800), ("persona", 500)])
        self.assertIn("Lives in Lyon.", next(b for b in doc["blocks"] if b["label"] == "human")["value"])
        self.assertTrue(any(t["name"] == "send_message" for t in doc["tools"]))

        # Import it under a new name: a new agent with the same blocks, messages and passages.
        imported = client.agents.import_file(file=("af-agent.af", exported.encode(), "application/json"),
                                             name="af-agent-copy")
        self.assertEqual(len(imported.agent_ids), 1)
        copy = client.agents.retrieve(imported.agent_ids[0])
        self.assertEqual(copy.name, "af-agent-copy")
        self.assertNotEqual(copy.id, agent.id)
        blocks = {b.label: b for b in client.agents.blocks.list(copy.id).items}
        self.assertEqual(sorted(blocks), ["human", "persona"])
        self.assertEqual(blocks["human"].value, client.agents.blocks.retrieve("human", agent_id=agent.id).value)
        self.assertIn("Lives in Lyon.", blocks["human"].value)
        self.assertEqual(blocks["human"].limit, 800)
        self.assertEqual(blocks["persona"].value, "I am a careful assistant.")
        self.assertEqual(blocks["persona"].limit, 500)
        original = client.agents.messages.list(agent.id, limit=100, order="asc")
        copied = client.agents.messages.list(copy.id, limit=100, order="asc")
        self.assertEqual(message_shape(copied), message_shape(original))
        self.assertIn(("user_message", "I moved to Lyon."),
                      [(kind, text) for kind, _, text in message_shape(copied)])
        self.assertEqual([p.text for p in client.agents.passages.list(copy.id)], ["Bob's first cat was called Pepper."])
        found = client.agents.passages.search(copy.id, query="cat Pepper")
        self.assertIn("Pepper", found.results[0].content)
        # The original is untouched.
        self.assertEqual(client.agents.retrieve(agent.id).name, "af-agent")

        # scrub_messages: the memory and passages without the conversation (only the system
        # message, which the agent runs on, is in the file); imported, the agent has no history.
        scrubbed = json.loads(client.agents.export_file(agent.id, scrub_messages=True))
        self.assertEqual([m["role"] for m in scrubbed["agents"][0]["messages"]], ["system"])
        self.assertNotIn("I moved to Lyon.", json.dumps(scrubbed))
        bare = client.agents.import_file(file=("bare.af", json.dumps(scrubbed).encode()), name="af-agent-bare")
        self.assertEqual(client.agents.messages.list(bare.agent_ids[0], limit=100).items, [])
        self.assertEqual({b.label: b.value for b in client.agents.blocks.list(bare.agent_ids[0]).items},
                         {label: b.value for label, b in blocks.items()})
        self.assertEqual([p.text for p in client.agents.passages.list(bare.agent_ids[0])],
                         ["Bob's first cat was called Pepper."])
        # What this server cannot give is refused, not answered with another file.
        self.assertIn("use_legacy_format", str(self.assertStatus(
            422, client.agents.export_file, agent.id, use_legacy_format=True)))
        self.assertIn("conversation_id", str(self.assertStatus(
            422, client.agents.export_file, agent.id, conversation_id="conv-1")))
        self.assertEqual(json.loads(client.agents.export_file(agent.id, use_legacy_format=False))["agents"][0]["name"],
                         "af-agent")

        # The copy runs a step with its imported memory.
        reply = client.agents.messages.create(copy.id, messages=[{"role": "user", "content": "Where do I live?"}])
        self.assertEqual([m.content for m in reply.messages if m.message_type == "assistant_message"],
                         ["You live in Lyon."])
        self.assertIn("Lives in Lyon.", self.llm_double("/_requests")[-1]["messages"][0]["content"])
        self.assertEqual(self.llm_double("/_violations"), [])

        # A bad file: a one-line 422 naming the problem, and no agent left behind.
        names = lambda: sorted(a.name for a in client.agents.list().items)  # noqa: E731
        before = names()
        self.assertEqual(before, ["af-agent", "af-agent-bare", "af-agent-copy"])
        for content in [b'{"agents": [', exported[:500].encode(), b"not json at all"]:
            bad = self.assertStatus(422, client.agents.import_file, file=("bad.af", content), name="af-bad")
            self.assertIn("the agent file", str(bad))
            self.assertNotIn("\n", str(bad.body))
        dangling = json.loads(exported)
        dangling["agents"][0]["block_ids"].append("block-99")
        bad = self.assertStatus(422, client.agents.import_file,
                                file=("dangling.af", json.dumps(dangling).encode()), name="af-dangling")
        self.assertIn("block-99", str(bad))
        self.assertEqual(names(), before)

        # A taken name is a conflict, the file's own name as well as one asked for; nothing added.
        self.assertStatus(409, client.agents.import_file, file=("again.af", exported.encode()))
        self.assertStatus(409, client.agents.import_file, file=("again.af", exported.encode()), name="af-agent-copy")
        self.assertEqual(names(), before)


if __name__ == "__main__":
    unittest.main(verbosity=2)
