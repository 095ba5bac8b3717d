// The sources attached to an agent (their passages are copied into its archival memory), and
// the others it could attach.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import { Link } from "./router";
import type { Source } from "./types";
import { ErrorLine } from "./util";

export function AgentSources({ agentId, onChanged }: { agentId: string; onChanged: () => void }) {
  const [all, setAll] = useState<Source[]>([]);
  const [attached, setAttached] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState("");
  const [error, setError] = useState("");
  const load = async () => {
    try {
      const [sources, mine] = await Promise.all([
        api<Source[]>("GET", "/v1/sources"),
        api<Source[]>("GET", `/v1/agents/${agentId}/sources`),
      ]);
      setAll(sources);
      setAttached(new Set(mine.map((s) => s.id)));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    load();
  }, [agentId]);

  async function toggle(s: Source) {
    setBusy(s.id);
    setError("");
    try {
      await api("PATCH", `/v1/agents/${agentId}/sources/${attached.has(s.id) ? "detach" : "attach"}/${s.id}`);
      await load();
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy("");
    }
  }

  return (
    <div>
      <ErrorLine error={error} />
      {all.length === 0 && <p class="muted">No sources yet: <Link href="/sources">upload files</Link> first.</p>}
      <ul class="source-toggles">
        {all.map((s) => (
          <li key={s.id}>
            <span>{s.name}</span>
            <button class={attached.has(s.id) ? "quiet" : ""} disabled={busy === s.id} onClick={() => toggle(s)}>
              {busy === s.id ? "…" : attached.has(s.id) ? `Detach ${s.name}` : `Attach ${s.name}`}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
