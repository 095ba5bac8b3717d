import { useEffect, useState } from "preact/hooks";

// Loads once per change of `deps`; `reload` runs it again.
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState("");
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load()
      .then((v) => live && (setValue(v), setError("")))
      .catch((e) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { value, error, reload: () => setRound((r) => r + 1) };
}

export function ErrorLine({ error }: { error: string }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
