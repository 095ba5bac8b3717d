"""The official Letta Python client (letta-client, the same API generation as the TypeScript client
in tests/e2e/node) against `memgpt server`, with the scripted OpenAI-compatible LLM server behind
it: agents, messages (plain and streaming), core-memory blocks, archival passages, folder upload and
attach, message paging, reset, deletion. Every result is checked, and the LLM double must have seen
only valid Chat Completions requests.
Usage: MEMGPT_BIN=... SCRIPTED_LLM_BIN=... build/venv-peers/bin/python test_letta_client.py"""
import json
import os
import sys
import unittest
import urllib.request
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from support import ScriptedServerTestCase  # noqa: E402

from letta_client import Letta  # noqa: E402


SCENARIO = {
    "model": "gpt-4o-mini",
    "replies": [
        {"content": "The user greets me.", "tool": "send_message", "arguments": {"message": "Hello Ada!"}},
        {"content": "Streaming reply.", "tool": "send_message", "arguments": {"message": "Streaming works."}},
        {"content": "Look it up.", "tool": "archival_memory_search",
         "arguments": {"query": "lighthouse keeper", "request_heartbeat": True}},
        {"content": "Found it.", "tool": "send_message", "arguments": {"message": "The keeper is Mira."}},
    ],
}


class OfficialPythonLettaClientDrivesMemgptServer(ScriptedServerTestCase):
    def setUp(self):
        self.start_servers("memgpt-letta-py-", SCENARIO, "sk-test")
        self.client = Letta(base_url=self.base_url, api_key="e2e-password", max_retries=0)

    def test_agents_messages_memory_passages_folders_paging_and_deletion(self):
        client = self.client

        # Models.
        models = client.models.list()
        self.assertIn("openai/gpt-4o-mini", [m.handle for m in models])
        embeddings = client.models.embeddings.list()
        self.assertEqual(len(embeddings), 1)
        self.assertEqual(embeddings[0].embedding_dim, 384)

        # A wrong key is refused.
        stranger = Letta(base_url=self.base_url, api_key="wrong", max_retries=0)
        self.assertStatus(401, stranger.agents.list)

        # Create an agent with memory blocks.
        agent = client.agents.create(
            name="e2e-agent", model="openai/gpt-4o-mini", embedding=embeddings[0].handle,
            memory_blocks=[{"label": "human", "value": "Name: Ada"},
                           {"label": "persona", "value": "I am a careful assistant.", "limit": 500}])
        self.assertEqual(agent.name, "e2e-agent")
        self.assertEqual(sorted(b.label for b in agent.blocks), ["human", "persona"])
        self.assertEqual(agent.llm_config.model, "gpt-4o-mini")
        self.assertIn("archival_memory_search", [t.name for t in agent.tools])
        self.assertStatus(409, client.agents.create, name="e2e-agent", model="openai/gpt-4o-mini")

        # Send a message.
        reply = client.agents.messages.create(agent.id, messages=[{"role": "user", "content": "Hello"}])
        self.assertEqual([m.message_type for m in reply.messages], ["reasoning_message", "assistant_message"])
        self.assertEqual(reply.messages[0].reasoning, "The user greets me.")
        self.assertEqual(reply.messages[1].content, "Hello Ada!")
        self.assertEqual(reply.stop_reason.stop_reason, "end_turn")
        self.assertGreater(reply.usage.total_tokens, 0)

        # Streaming.
        chunks = list(client.agents.messages.stream(
            agent.id, messages=[{"role": "user", "content": "Stream please"}]))
        assistant = [c for c in chunks if c.message_type == "assistant_message"]
        self.assertEqual(len(assistant), 1, chunks)
        self.assertEqual(assistant[0].content, "Streaming works.")
        self.assertTrue(any(c.message_type == "reasoning_message" and c.reasoning == "Streaming reply."
                            for c in chunks))
        self.assertEqual(chunks[-2].message_type, "stop_reason")
        self.assertEqual(chunks[-1].message_type, "usage_statistics")

        # Tools, and auto-paging lists end (a list that ignored the cursor would loop forever).
        tools = [t.name for t in client.tools.list(limit=3)]
        self.assertIn("archival_memory_search", tools)
        self.assertIn("send_message", tools)
        self.assertEqual(len(set(tools)), len(tools))
        self.assertIn("core_memory_append", [t.name for t in client.agents.tools.list(agent.id)])
        self.assertEqual(sorted(b.label for b in client.agents.blocks.list(agent.id, limit=1)),
                         ["human", "persona"])

        # Core memory blocks.
        block = client.agents.blocks.retrieve("human", agent_id=agent.id)
        self.assertEqual(block.value, "Name: Ada")
        block = client.agents.blocks.update("human", agent_id=agent.id, value="Name: Ada Lovelace")
        self.assertEqual(block.value, "Name: Ada Lovelace")
        blocks = client.agents.blocks.list(agent.id)
        self.assertEqual(next(b for b in blocks.items if b.label == "human").value, "Name: Ada Lovelace")
        too_long = self.assertStatus(422, client.agents.blocks.update, "persona", agent_id=agent.id,
                                     value="x" * 501)
        self.assertIn("limit", str(too_long))
        self.assertStatus(404, client.agents.blocks.retrieve, "nope", agent_id=agent.id)
        self.assertEqual(client.agents.blocks.retrieve("persona", agent_id=agent.id).value,
                         "I am a careful assistant.")

        # Archival passages.
        inserted = client.agents.passages.create(agent.id, text="Ada enjoys playing chess on Sundays.")
        self.assertEqual(len(inserted), 1)
        self.assertEqual(inserted[0].text, "Ada enjoys playing chess on Sundays.")
        found = client.agents.passages.search(agent.id, query="chess")
        self.assertEqual(found.results[0].id, inserted[0].id)
        self.assertIn("chess", found.results[0].content)
        self.assertEqual([p.id for p in client.agents.passages.list(agent.id)], [inserted[0].id])
        # Tags are not stored: refused with a 422 naming them, never dropped (a tag filter on
        # search would otherwise return passages the caller excluded).
        refused = self.assertStatus(422, client.agents.passages.create, agent.id, text="tagged", tags=["t"])
        self.assertIn("tags", str(refused))
        self.assertStatus(422, client.agents.passages.search, agent.id, query="chess", tags=["t"])
        self.assertEqual([p.id for p in client.agents.passages.list(agent.id)], [inserted[0].id])
        client.agents.passages.delete(inserted[0].id, agent_id=agent.id)
        self.assertEqual(len(client.agents.passages.list(agent.id)), 0)

        # A folder (source): upload a file, attach it, and the agent finds it through archival search.
        folder = client.folders.create(name="stories", description="short stories")
        text = b"# The Lighthouse\n\nThe lighthouse keeper is named Mira. She keeps a logbook of every ship.\n"
        uploaded = client.folders.files.upload(folder.id, file=("lighthouse.md", text))
        self.assertEqual(uploaded.processing_status, "completed")
        self.assertGreaterEqual(uploaded.total_chunks, 1)
        self.assertEqual([f.file_name for f in client.folders.files.list(folder.id).items], ["lighthouse.md"])
        attached = client.agents.folders.attach(folder.id, agent_id=agent.id)
        self.assertEqual([s.id for s in attached.sources], [folder.id])
        found = client.agents.passages.search(agent.id, query="lighthouse keeper")
        self.assertIn("Mira", found.results[0].content)

        lookup = client.agents.messages.create(
            agent.id, messages=[{"role": "user", "content": "Who keeps the lighthouse?"}])
        call = next(m for m in lookup.messages if m.message_type == "tool_call_message")
        self.assertEqual(call.tool_call.name, "archival_memory_search")
        ret = next(m for m in lookup.messages if m.message_type == "tool_return_message")
        self.assertEqual(ret.status, "success")
        self.assertIn("Mira", ret.tool_return)
        self.assertEqual(lookup.messages[-1].content, "The keeper is Mira.")

        # Message history with cursor paging (newest first by default): every page in order, no
        # message twice, the user's three messages all there.
        seen = list(client.agents.messages.list(agent.id, limit=3))
        self.assertEqual(len({m.id + m.message_type for m in seen}), len(seen))
        user_texts = [m.content for m in seen if m.message_type == "user_message" and not m.content.startswith("{")]
        self.assertEqual(user_texts, ["Who keeps the lighthouse?", "Stream please", "Hello"])
        dates = [m.date for m in seen]
        self.assertTrue(all(isinstance(d, datetime) for d in dates))
        self.assertEqual(dates, sorted(dates, reverse=True), "newest first")
        page = client.agents.messages.list(agent.id, limit=2, order="asc")
        # Oldest first: the boot sequence's inner monologue opens the history.
        self.assertEqual(page.items[0].message_type, "reasoning_message")
        self.assertIn("Bootup sequence complete", page.items[0].reasoning)

        # Reset: the conversation leaves the context window; the history stays in recall.
        before = client.agents.retrieve(agent.id)
        reset = client.agents.messages.reset(agent.id)
        self.assertLess(len(reset.message_ids), len(before.message_ids) - 6)
        after = list(client.agents.messages.list(agent.id, limit=50))
        self.assertTrue(any(m.message_type == "user_message" and m.content == "Hello" for m in after))

        # Detach, list, delete.
        detached = client.agents.folders.detach(folder.id, agent_id=agent.id)
        self.assertEqual(len(detached.sources), 0)
        self.assertEqual([a.id for a in client.agents.list().items], [agent.id])
        client.agents.delete(agent.id)
        self.assertStatus(404, client.agents.retrieve, agent.id)
        client.folders.delete(folder.id)
        self.assertStatus(404, client.folders.retrieve, folder.id)

        # The LLM double saw only requests that follow the Chat Completions rules.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{self.llm.port}/_violations") as r:
            self.assertEqual(json.load(r), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
