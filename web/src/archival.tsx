// Archival memory: search by meaning, browse page by page (oldest first), insert, delete.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "./api";
import type { Passage } from "./types";
import { ErrorLine } from "./util";

const PAGE = 10;

export function ArchivalPanel({ agentId, version }: { agentId: string; version: number }) {
  const [passages, setPassages] = useState<Passage[]>([]);
  const [cursors, setCursors] = useState<string[]>([]);  // the `after` of each page shown so far
  const [hasMore, setHasMore] = useState(false);
  const [query, setQuery] = useState("");
  const [searched, setSearched] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  // Only the latest request's answer is shown (a slow page load must not replace a search).
  const latest = useRef(0);

  async function loadPage(after: string | undefined) {
    setError("");
    const mine = ++latest.current;
    try {
      const q = `limit=${PAGE + 1}` + (after ? `&after=${encodeURIComponent(after)}` : "");
      const page = await api<Passage[]>("GET", `/v1/agents/${agentId}/archival-memory?${q}`);
      if (mine !== latest.current) return;
      setHasMore(page.length > PAGE);
      setPassages(page.slice(0, PAGE));
      setSearched(null);
    } catch (e) {
      setError((e as Error).message);
    }
  }
  useEffect(() => {
    if (searched === null) loadPage(cursors[cursors.length - 1]);
  }, [agentId, version]);

  async function search(e: Event) {
    e.preventDefault();
    if (!query.trim()) {
      setCursors([]);
      return loadPage(undefined);
    }
    setError("");
    const mine = ++latest.current;
    try {
      const r = await api<{ results: { id: string; content: string; timestamp: string }[] }>(
        "GET",
        `/v1/agents/${agentId}/archival-memory/search?query=${encodeURIComponent(query.trim())}&top_k=${PAGE}`,
      );
      if (mine !== latest.current) return;
      setPassages(r.results.map((x) => ({ id: x.id, text: x.content, created_at: x.timestamp, source_id: null })));
      setSearched(query.trim());
      setHasMore(false);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function insert(e: Event) {
    e.preventDefault();
    if (!text.trim()) return;
    try {
      await api("POST", `/v1/agents/${agentId}/archival-memory`, { text: text.trim() });
      setText("");
      await loadPage(cursors[cursors.length - 1]);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function remove(id: string) {
    try {
      await api("DELETE", `/v1/agents/${agentId}/archival-memory/${encodeURIComponent(id)}`);
      setPassages((p) => p.filter((x) => x.id !== id));
    } catch (err) {
      setError((err as Error).message);
    }
  }

  return (
    <div class="archival">
      <form role="search" onSubmit={search} class="inline">
        <label for="archival-query" class="visually-hidden">Search archival memory</label>
        <input id="archival-query" type="search" placeholder="Search archival memory" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
      </form>
      <ErrorLine error={error} />
      <p class="muted small">
        {searched !== null ? `${passages.length} closest to “${searched}”` : `Page ${cursors.length + 1}`}
      </p>
      <ul class="passages">
        {passages.map((p) => (
          <li key={p.id} class="passage">
            <p>{p.text}</p>
            <div class="small muted">
              {new Date(p.created_at).toLocaleString()}
              {p.source_id && ` · from source ${p.source_id}`}
              <button class="quiet small" onClick={() => remove(p.id)} aria-label={`Delete passage ${p.text.slice(0, 40)}`}>Delete</button>
            </div>
          </li>
        ))}
        {passages.length === 0 && <li class="muted">Nothing here.</li>}
      </ul>
      {searched === null && (
        <div class="pager">
          <button
            class="quiet"
            disabled={cursors.length === 0}
            onClick={() => {
              const prev = cursors.slice(0, -1);
              setCursors(prev);
              loadPage(prev[prev.length - 1]);
            }}
          >
            ← Previous page
          </button>
          <button
            class="quiet"
            disabled={!hasMore}
            onClick={() => {
              const next = [...cursors, passages[passages.length - 1].id];
              setCursors(next);
              loadPage(next[next.length - 1]);
            }}
          >
            Next page →
          </button>
        </div>
      )}
      <form onSubmit={insert} class="stack">
        <label for="archival-insert">Insert a passage</label>
        <textarea id="archival-insert" rows={3} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        <button type="submit" disabled={!text.trim()}>Insert</button>
      </form>
    </div>
  );
}
