// Letta messages as the chat shows them: the user's words, inner thoughts, function calls with
// their arguments and results (collapsible), the agent's replies, heartbeats and system alerts.
import type { Message } from "./types";

// MemGPT packs user-side events as JSON: {"type": "heartbeat" | "system_alert" | "login" | "user_message", ...}.
function userEvent(content: string): { type: string; text: string } | null {
  if (!content.startsWith("{")) return null;
  try {
    const m = JSON.parse(content);
    if (typeof m.type !== "string") return null;
    // The note MemGPT writes for the model only is not news to a person reading the chat.
    const text = String(m.reason ?? m.message ?? "").replace(/^\[This is an automated system message hidden from the user\]\s*/, "");
    return { type: m.type, text };
  } catch {
    return null;
  }
}

function pretty(json: string | undefined): string {
  if (!json) return "";
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

function requestsHeartbeat(args: string): boolean {
  try {
    return JSON.parse(args).request_heartbeat === true;
  } catch {
    return false;
  }
}

export function MessageList({ messages }: { messages: Message[] }) {
  const returns = new Map<string, Message>();
  for (const m of messages) {
    if (m.message_type === "tool_return_message" && (m as any).tool_call_id) returns.set((m as any).tool_call_id, m);
  }
  const shownReturns = new Set<Message>();
  const out = [];
  for (const m of messages) {
    switch (m.message_type) {
      case "user_message": {
        const ev = userEvent(m.content ?? "");
        if (ev?.type === "heartbeat") {
          out.push(<li key={m.id} class="event heartbeat">♥ heartbeat{ev.text ? `: ${ev.text}` : ""}</li>);
        } else if (ev && ev.type !== "user_message") {
          out.push(<li key={m.id} class="event">{ev.type.replace("_", " ")}{ev.text ? `: ${ev.text}` : ""}</li>);
        } else {
          out.push(<li key={m.id} class="bubble user"><span class="visually-hidden">You: </span>{ev ? ev.text : m.content}</li>);
        }
        break;
      }
      case "reasoning_message":
        out.push(<li key={m.id + "r"} class="thought"><span class="tag">inner thoughts</span> {m.reasoning}</li>);
        break;
      case "tool_call_message": {
        const call = m.tool_call!;
        const ret = returns.get(call.tool_call_id);
        if (ret) shownReturns.add(ret);
        out.push(
          <li key={m.id + call.tool_call_id} class="call">
            <details>
              <summary>
                <span class="tag">function</span> <code>{call.name}</code>
                {ret ? <span class={ret.status === "error" ? "status bad" : "status ok"}>{ret.status === "error" ? "failed" : "ok"}</span> : <span class="status">running…</span>}
              </summary>
              <div class="call-body">
                <div class="small muted">arguments</div>
                <pre>{pretty(call.arguments)}</pre>
                {ret && (
                  <>
                    <div class="small muted">result</div>
                    <pre>{pretty(ret.tool_return)}</pre>
                  </>
                )}
              </div>
            </details>
            {requestsHeartbeat(call.arguments) && <div class="event heartbeat">♥ heartbeat requested: the agent takes another step</div>}
          </li>,
        );
        break;
      }
      case "tool_return_message":
        if (!shownReturns.has(m) && !returns.has((m as any).tool_call_id ?? "")) {
          out.push(<li key={m.id} class="call"><pre>{pretty(m.tool_return)}</pre></li>);
        }
        break;
      case "assistant_message":
        out.push(<li key={m.id} class="bubble agent"><span class="visually-hidden">Agent: </span>{m.content}</li>);
        break;
      case "stop_reason":
        if (m.stop_reason && m.stop_reason !== "end_turn") out.push(<li key={"stop" + m.id} class="event">stopped: {m.stop_reason}</li>);
        break;
      case "usage_statistics":
        out.push(<li key={"usage" + m.id} class="event small">{m.step_count} step{m.step_count === 1 ? "" : "s"} · {m.total_tokens} tokens</li>);
        break;
      default:
        break;  // system messages stay out of the chat
    }
  }
  return <>{out}</>;
}
