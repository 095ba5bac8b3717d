// The conversation with one agent: its history, and a message box whose reply streams in step
// by step (POST .../messages/stream, Server-Sent Events).
import { useEffect, useRef, useState } from "preact/hooks";
import { api, stream } from "./api";
import { MessageList } from "./messages";
import type { Message } from "./types";
import { ErrorLine } from "./util";

export function Chat({ agentId, onStep }: { agentId: string; onStep: () => void }) {
  const [history, setHistory] = useState<Message[]>([]);
  const [live, setLive] = useState<Message[]>([]);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const end = useRef<HTMLDivElement>(null);

  const loadHistory = () =>
    api<Message[]>("GET", `/v1/agents/${agentId}/messages?limit=200&order=desc`)
      .then((m) => setHistory(m.reverse()))
      .catch((e) => setError(e.message));
  useEffect(() => {
    loadHistory();
  }, [agentId]);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [history, live]);

  async function send(e?: Event) {
    e?.preventDefault();
    const message = text.trim();
    if (!message || busy) return;
    setBusy(true);
    setError("");
    setText("");
    const mine: Message = { id: "pending-user", message_type: "user_message", content: message };
    let received: Message[] = [mine];
    setLive(received);
    try {
      await stream(`/v1/agents/${agentId}/messages/stream`, { messages: [{ role: "user", content: message }] }, (m: Message) => {
        // One reasoning message may arrive in parts with the same id: keep the latest.
        const i = m.message_type === "reasoning_message" ? received.findIndex((x) => x.id === m.id && x.message_type === m.message_type) : -1;
        received = i >= 0 ? received.map((x, j) => (j === i ? m : x)) : [...received, m];
        setLive(received);
        if (m.message_type === "tool_return_message") onStep();  // a step ends with its function's result
      });
      await loadHistory();
      setLive(received.filter((m) => m.message_type === "usage_statistics" || m.message_type === "stop_reason"));
    } catch (err) {
      setError((err as Error).message);
      setText(message);
      await loadHistory();
      setLive([]);
    } finally {
      setBusy(false);
      onStep();
    }
  }

  return (
    <section class="chat" aria-label="Chat">
      <div class="messages" role="log" aria-live="polite" aria-label="Conversation">
        <ol class="message-list">
          <MessageList messages={[...history, ...live]} />
        </ol>
        <div ref={end} />
      </div>
      <ErrorLine error={error} />
      <form class="composer" onSubmit={send}>
        <label for="chat-input" class="visually-hidden">Message</label>
        <textarea
          id="chat-input"
          rows={2}
          placeholder="Message (Enter sends, Shift+Enter for a new line)"
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        <button type="submit" disabled={busy || !text.trim()}>{busy ? "Thinking…" : "Send"}</button>
      </form>
    </section>
  );
}
