// One agent: the chat, and beside it (below it on a narrow window) its memory in tabs: core
// memory blocks, archival memory, recall (the history), the context window and its sources.
import { useState } from "preact/hooks";
import { api } from "./api";
import { ArchivalPanel } from "./archival";
import { Chat } from "./chat";
import { ContextPanel } from "./context_window";
import { CoreMemory } from "./core_memory";
import { RecallPanel } from "./recall";
import { AgentSources } from "./agent_sources";
import type { Agent } from "./types";
import { ErrorLine, useAsync } from "./util";

const TABS = ["Core memory", "Archival", "Recall", "Context", "Sources"] as const;
type Tab = (typeof TABS)[number];

export function AgentPage({ agentId }: { agentId: string }) {
  const agent = useAsync(() => api<Agent>("GET", `/v1/agents/${agentId}`), [agentId]);
  const [tab, setTab] = useState<Tab>("Core memory");
  // Bumped after every step: the panels reload what the step may have changed.
  const [version, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);

  function onTabKey(e: KeyboardEvent) {
    const i = TABS.indexOf(tab);
    const next = e.key === "ArrowRight" ? (i + 1) % TABS.length : e.key === "ArrowLeft" ? (i + TABS.length - 1) % TABS.length : -1;
    if (next < 0) return;
    e.preventDefault();
    setTab(TABS[next]);
    document.getElementById(`tab-${next}`)?.focus();
  }

  return (
    <div class="agent-page">
      <header class="agent-header">
        <h1>{agent.value?.name ?? "…"}</h1>
        {agent.value && <span class="muted small">{agent.value.model} · {agent.value.llm_config.context_window} token window</span>}
        <ErrorLine error={agent.error} />
      </header>
      <div class="agent-layout">
        <Chat agentId={agentId} onStep={bump} />
        <aside class="memory" aria-label="Memory">
          <div role="tablist" aria-label="Memory views" class="tabs" onKeyDown={onTabKey}>
            {TABS.map((t, i) => (
              <button
                key={t}
                id={`tab-${i}`}
                role="tab"
                aria-selected={tab === t}
                aria-controls="memory-panel"
                tabIndex={tab === t ? 0 : -1}
                onClick={() => setTab(t)}
              >
                {t}
              </button>
            ))}
          </div>
          <div id="memory-panel" role="tabpanel" aria-labelledby={`tab-${TABS.indexOf(tab)}`} class="panel">
            {tab === "Core memory" && <CoreMemory agentId={agentId} version={version} />}
            {tab === "Archival" && <ArchivalPanel agentId={agentId} version={version} />}
            {tab === "Recall" && <RecallPanel agentId={agentId} version={version} />}
            {tab === "Context" && <ContextPanel agentId={agentId} version={version} />}
            {tab === "Sources" && <AgentSources agentId={agentId} onChanged={bump} />}
          </div>
        </aside>
      </div>
    </div>
  );
}
