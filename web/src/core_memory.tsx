// Core memory blocks, reloaded after every step, each editable within its limit.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import type { Block } from "./types";
import { ErrorLine } from "./util";

export function CoreMemory({ agentId, version }: { agentId: string; version: number }) {
  const [blocks, setBlocks] = useState<Block[]>([]);
  const [error, setError] = useState("");
  useEffect(() => {
    api<Block[]>("GET", `/v1/agents/${agentId}/core-memory/blocks`)
      .then(setBlocks)
      .catch((e) => setError(e.message));
  }, [agentId, version]);
  return (
    <div class="blocks">
      <ErrorLine error={error} />
      {blocks.map((b) => (
        <BlockEditor key={b.label} agentId={agentId} block={b} />
      ))}
    </div>
  );
}

function BlockEditor({ agentId, block }: { agentId: string; block: Block }) {
  // A block being edited keeps the user's text when the agent's copy reloads.
  const [draft, setDraft] = useState<string | null>(null);
  const [limit, setLimit] = useState(block.limit);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  const [current, setCurrent] = useState(block);
  useEffect(() => {
    setCurrent(block);
    setLimit(block.limit);
  }, [block.value, block.limit]);

  const value = draft ?? current.value;
  const over = value.length > limit;
  const id = `block-${block.label}`;

  async function save(e: Event) {
    e.preventDefault();
    setError("");
    try {
      const body: Record<string, unknown> = { value };
      if (limit !== current.limit) body.limit = limit;
      const updated = await api<Block>("PATCH", `/v1/agents/${agentId}/core-memory/blocks/${encodeURIComponent(block.label)}`, body);
      setCurrent(updated);
      setDraft(null);
      setSaved(true);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <form class="block" onSubmit={save}>
      <div class="block-head">
        <label for={id}><strong>{block.label}</strong></label>
        <span class={over ? "error small" : "muted small"} aria-live="polite">
          {value.length} / {limit} characters
        </span>
      </div>
      <textarea
        id={id}
        rows={Math.min(10, Math.max(3, Math.ceil(value.length / 45)))}
        value={value}
        onInput={(e) => {
          setDraft((e.target as HTMLTextAreaElement).value);
          setSaved(false);
        }}
      />
      <div class="block-actions">
        <label class="small">
          limit{" "}
          <input
            type="number"
            min={1}
            class="limit"
            value={limit}
            onInput={(e) => {
              setLimit(Number((e.target as HTMLInputElement).value));
              setSaved(false);
            }}
          />
        </label>
        <button type="submit" disabled={over || (draft === null && limit === current.limit)}>Save {block.label}</button>
        {draft !== null && (
          <button type="button" class="quiet" onClick={() => setDraft(null)}>Discard</button>
        )}
        {saved && <span class="muted small" role="status">saved</span>}
      </div>
      <ErrorLine error={error} />
    </form>
  );
}
