// Agents: the list (open, rename, delete) and the form that creates one.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api";
import { Link } from "./router";
import type { Agent, EmbeddingModel, Model, Profile } from "./types";
import { ErrorLine, useAsync } from "./util";

export function AgentsPage() {
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [error, setError] = useState("");
  const load = () =>
    api<Agent[]>("GET", "/v1/agents?limit=1000")
      .then(setAgents)
      .catch((e) => setError(e.message));
  useEffect(() => {
    load();
  }, []);

  return (
    <div class="page">
      <section aria-labelledby="agents-title">
        <h1 id="agents-title">Agents</h1>
        <ErrorLine error={error} />
        {agents === null ? (
          <p class="muted">Loading…</p>
        ) : agents.length === 0 ? (
          <p class="muted">No agents yet: create one below.</p>
        ) : (
          <ul class="agent-list">
            {agents.map((a) => (
              <AgentRow key={a.id} agent={a} onChanged={load} onError={setError} />
            ))}
          </ul>
        )}
      </section>
      <CreateAgent onCreated={load} />
    </div>
  );
}

function AgentRow({ agent, onChanged, onError }: { agent: Agent; onChanged: () => void; onError: (e: string) => void }) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(agent.name);
  const [confirming, setConfirming] = useState(false);

  async function rename(e: Event) {
    e.preventDefault();
    try {
      await api("PATCH", `/v1/agents/${agent.id}`, { name: name.trim() });
      setRenaming(false);
      onChanged();
    } catch (err) {
      onError((err as Error).message);
    }
  }
  async function remove() {
    try {
      await api("DELETE", `/v1/agents/${agent.id}`);
      onChanged();
    } catch (err) {
      onError((err as Error).message);
    }
  }

  return (
    <li class="agent-row">
      {renaming ? (
        <form onSubmit={rename} class="inline">
          <label class="visually-hidden" for={`rename-${agent.id}`}>New name for {agent.name}</label>
          <input id={`rename-${agent.id}`} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} autofocus />
          <button type="submit">Save</button>
          <button type="button" class="quiet" onClick={() => setRenaming(false)}>Cancel</button>
        </form>
      ) : (
        <div class="agent-main">
          <Link href={`/agents/${agent.id}`} class="agent-name">{agent.name}</Link>
          <span class="muted small">{agent.model} · created {new Date(agent.created_at).toLocaleString()}</span>
        </div>
      )}
      {!renaming && (
        <div class="row-actions">
          <button class="quiet" onClick={() => setRenaming(true)} aria-label={`Rename ${agent.name}`}>Rename</button>
          {confirming ? (
            <>
              <button class="danger" onClick={remove} aria-label={`Really delete ${agent.name}`}>Really delete</button>
              <button class="quiet" onClick={() => setConfirming(false)}>Keep</button>
            </>
          ) : (
            <button class="quiet" onClick={() => setConfirming(true)} aria-label={`Delete ${agent.name}`}>Delete</button>
          )}
        </div>
      )}
    </li>
  );
}

function CreateAgent({ onCreated }: { onCreated: () => void }) {
  const models = useAsync(() => api<Model[]>("GET", "/v1/models"), []);
  const embeddings = useAsync(() => api<EmbeddingModel[]>("GET", "/v1/models/embedding"), []);
  const personas = useAsync(() => api<{ personas: Profile[] }>("GET", "/v1/personas"), []);
  const humans = useAsync(() => api<{ humans: Profile[] }>("GET", "/v1/humans"), []);
  const [name, setName] = useState("");
  const [persona, setPersona] = useState("");
  const [human, setHuman] = useState("");
  const [model, setModel] = useState("");
  const [embedding, setEmbedding] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  // Defaults: the first persona / human text and the first model once they load.
  useEffect(() => {
    if (!persona && personas.value?.personas.length) setPersona(personas.value.personas[0].text);
  }, [personas.value]);
  useEffect(() => {
    if (!human && humans.value?.humans.length) setHuman(humans.value.humans[0].text);
  }, [humans.value]);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const body: Record<string, unknown> = {
        memory_blocks: [
          { label: "persona", value: persona },
          { label: "human", value: human },
        ],
      };
      if (name.trim()) body.name = name.trim();
      if (model || models.value?.length) body.model = model || models.value![0].handle;
      if (embedding || embeddings.value?.length) body.embedding = embedding || embeddings.value![0].handle;
      await api("POST", "/v1/agents", body);
      setName("");
      onCreated();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const profileSelect = (id: string, list: Profile[] | undefined, onPick: (text: string) => void) =>
    list && list.length > 0 && (
      <select id={id} onChange={(e) => onPick((e.target as HTMLSelectElement).value)} aria-label="Start from a saved text">
        {list.map((p) => (
          <option key={p.id} value={p.text}>{p.name}</option>
        ))}
      </select>
    );

  return (
    <section aria-labelledby="create-title" class="card">
      <h2 id="create-title">Create an agent</h2>
      <form onSubmit={submit} class="grid-form">
        <label for="agent-name">Name</label>
        <input id="agent-name" value={name} placeholder="a name is made up when empty" onInput={(e) => setName((e.target as HTMLInputElement).value)} />

        <label for="agent-persona">Persona</label>
        <div class="stack">
          {profileSelect("agent-persona-pick", personas.value?.personas, setPersona)}
          <textarea id="agent-persona" rows={4} value={persona} onInput={(e) => setPersona((e.target as HTMLTextAreaElement).value)} />
        </div>

        <label for="agent-human">Human</label>
        <div class="stack">
          {profileSelect("agent-human-pick", humans.value?.humans, setHuman)}
          <textarea id="agent-human" rows={3} value={human} onInput={(e) => setHuman((e.target as HTMLTextAreaElement).value)} />
        </div>

        <label for="agent-model">Model</label>
        <select id="agent-model" value={model} onChange={(e) => setModel((e.target as HTMLSelectElement).value)}>
          {(models.value ?? []).map((m) => (
            <option key={m.handle} value={m.handle}>{m.handle}</option>
          ))}
        </select>

        <label for="agent-embedding">Embedding</label>
        <select id="agent-embedding" value={embedding} onChange={(e) => setEmbedding((e.target as HTMLSelectElement).value)}>
          {(embeddings.value ?? []).map((m) => (
            <option key={m.handle} value={m.handle}>{m.handle} ({m.embedding_dim} dims)</option>
          ))}
        </select>

        <div />
        <div>
          <ErrorLine error={error || models.error || embeddings.error} />
          <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create agent"}</button>
        </div>
      </form>
    </section>
  );
}
