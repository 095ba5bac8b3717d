// Recall memory: the agent's whole stored history (up to 1000 messages), searchable by text.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import type { Message } from "./types";
import { ErrorLine } from "./util";

function textOf(m: Message): string {
  return m.content ?? m.reasoning ?? (m.tool_call ? `${m.tool_call.name} ${m.tool_call.arguments}` : m.tool_return ?? "");
}

export function RecallPanel({ agentId, version }: { agentId: string; version: number }) {
  const [messages, setMessages] = useState<Message[]>([]);
  const [query, setQuery] = useState("");
  const [error, setError] = useState("");
  useEffect(() => {
    api<Message[]>("GET", `/v1/agents/${agentId}/messages?limit=1000&order=desc&use_assistant_message=false`)
      .then(setMessages)
      .catch((e) => setError(e.message));
  }, [agentId, version]);

  const q = query.trim().toLowerCase();
  const shown = messages.filter((m) => m.message_type !== "system_message" && (!q || textOf(m).toLowerCase().includes(q)));
  return (
    <div>
      <label for="recall-query" class="visually-hidden">Search the history</label>
      <input id="recall-query" type="search" placeholder="Search the history" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
      <ErrorLine error={error} />
      <p class="muted small">{shown.length} of {messages.length} messages, newest first</p>
      <ul class="recall">
        {shown.map((m) => (
          <li key={m.id + m.message_type}>
            <span class="tag">{m.message_type.replace("_message", "")}</span> {textOf(m)}
            <div class="small muted">{m.date && new Date(m.date).toLocaleString()}</div>
          </li>
        ))}
      </ul>
    </div>
  );
}
