// Sources: create one, upload files into it (with progress), see its files and passages, delete it.
import { useEffect, useState } from "preact/hooks";
import { api, upload } from "./api";
import type { Passage, Source, SourceFile } from "./types";
import { ErrorLine, formatBytes, useAsync } from "./util";

export function SourcesPage() {
  const sources = useAsync(() => api<Source[]>("GET", "/v1/sources"), []);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState("");

  async function create(e: Event) {
    e.preventDefault();
    setError("");
    try {
      const s = await api<Source>("POST", "/v1/sources", { name: name.trim() });
      setName("");
      sources.reload();
      setSelected(s.id);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  const current = sources.value?.find((s) => s.id === selected) ?? null;
  return (
    <div class="page sources-page">
      <section aria-labelledby="sources-title">
        <h1 id="sources-title">Sources</h1>
        <ErrorLine error={sources.error || error} />
        <ul class="source-list">
          {(sources.value ?? []).map((s) => (
            <li key={s.id}>
              <button class={s.id === selected ? "" : "quiet"} aria-pressed={s.id === selected} onClick={() => setSelected(s.id)}>
                {s.name}
              </button>
            </li>
          ))}
        </ul>
        <form onSubmit={create} class="inline">
          <label for="source-name" class="visually-hidden">New source name</label>
          <input id="source-name" placeholder="New source name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button type="submit" disabled={!name.trim()}>Create source</button>
        </form>
      </section>
      {current && (
        <SourceDetail
          key={current.id}
          source={current}
          onDeleted={() => {
            setSelected(null);
            sources.reload();
          }}
        />
      )}
    </div>
  );
}

function SourceDetail({ source, onDeleted }: { source: Source; onDeleted: () => void }) {
  const files = useAsync(() => api<SourceFile[]>("GET", `/v1/sources/${source.id}/files`), [source.id]);
  const passages = useAsync(() => api<Passage[]>("GET", `/v1/sources/${source.id}/passages?limit=50`), [source.id]);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState("");
  const [confirming, setConfirming] = useState(false);
  useEffect(() => setError(""), [source.id]);

  async function onFile(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setError("");
    setProgress(0);
    try {
      await upload(`/v1/sources/${source.id}/upload`, file, setProgress);
      files.reload();
      passages.reload();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setProgress(null);
      input.value = "";
    }
  }

  return (
    <section class="card" aria-labelledby="source-title">
      <h2 id="source-title">{source.name}</h2>
      <label for="source-upload">Upload a file (text, Markdown, PDF, HTML, DOCX…)</label>
      <input id="source-upload" type="file" onChange={onFile} disabled={progress !== null} />
      {progress !== null && (
        <div class="progress-line">
          <progress max={1} value={progress} aria-label="Upload progress" />
          <span class="small muted">{progress < 1 ? `${Math.round(progress * 100)}% sent` : "storing passages…"}</span>
        </div>
      )}
      <ErrorLine error={error || files.error || passages.error} />
      <h3>Files</h3>
      <ul class="files">
        {(files.value ?? []).map((f) => (
          <li key={f.id}>
            {f.file_name} <span class="muted small">{formatBytes(f.file_size)} · {f.total_chunks} passages · {f.processing_status}</span>
          </li>
        ))}
        {files.value?.length === 0 && <li class="muted">No files yet.</li>}
      </ul>
      <h3>Passages</h3>
      <ul class="passages">
        {(passages.value ?? []).map((p) => (
          <li key={p.id} class="passage"><p>{p.text}</p></li>
        ))}
      </ul>
      <div class="row-actions">
        {confirming ? (
          <>
            <button
              class="danger"
              onClick={() =>
                api("DELETE", `/v1/sources/${source.id}`)
                  .then(onDeleted)
                  .catch((e) => setError(e.message))
              }
            >
              Really delete {source.name}
            </button>
            <button class="quiet" onClick={() => setConfirming(false)}>Keep</button>
          </>
        ) : (
          <button class="quiet" onClick={() => setConfirming(true)}>Delete source</button>
        )}
      </div>
    </section>
  );
}
