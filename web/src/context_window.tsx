// The context window as the next step would send it: tokens per part against the window
// (GET /v1/agents/{id}/context, Letta's ContextWindowOverview).
import { api } from "./api";
import type { ContextWindow } from "./types";
import { ErrorLine, useAsync } from "./util";

const PARTS: [keyof ContextWindow, string][] = [
  ["num_tokens_system", "System prompt"],
  ["num_tokens_functions_definitions", "Functions"],
  ["num_tokens_core_memory", "Core memory"],
  ["num_tokens_summary_memory", "Summary"],
  ["num_tokens_messages", "Messages"],
];

export function ContextPanel({ agentId, version }: { agentId: string; version: number }) {
  const ctx = useAsync(() => api<ContextWindow>("GET", `/v1/agents/${agentId}/context`), [agentId, version]);
  const c = ctx.value;
  if (!c) return <ErrorLine error={ctx.error} />;
  const max = c.context_window_size_max;
  const pct = (n: number) => `${((100 * n) / max).toFixed(1)}%`;
  return (
    <div class="context">
      <p>
        <strong>{c.context_window_size_current.toLocaleString()}</strong> of {max.toLocaleString()} tokens ({pct(c.context_window_size_current)})
      </p>
      <div class="bar" role="img" aria-label={`context window ${pct(c.context_window_size_current)} full`}>
        {PARTS.map(([key], i) => (
          <span key={key} class={`seg seg${i}`} style={{ width: pct(c[key]) }} />
        ))}
      </div>
      <table>
        <tbody>
          {PARTS.map(([key, label], i) => (
            <tr key={key}>
              <th scope="row"><span class={`swatch seg${i}`} /> {label}</th>
              <td>{c[key].toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted small">
        {c.num_messages} messages in context · {c.num_recall_memory} in recall · {c.num_archival_memory} archival passages
      </p>
    </div>
  );
}
