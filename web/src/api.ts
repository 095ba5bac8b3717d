// The /v1 API as the page uses it: the caller's token (server password or a user's API key)
// kept in sessionStorage, JSON errors as ApiError, SSE streaming of steps, uploads with
// progress. Any 401 forgets the token and returns to the sign-in.
const TOKEN_KEY = "memgpt.token";

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setToken(value: string | null) {
  if (value === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

function signedOut() {
  setToken(null);
  for (const l of unauthorizedListeners) l();
}

// The server's error bodies: {"detail": ..., "message": ...}; detail may be FastAPI's list.
function errorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text);
    if (typeof body.message === "string" && body.message) return body.message;
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail) && body.detail[0]?.msg) return body.detail[0].msg;
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${status}`;
}

async function check(res: Response): Promise<Response> {
  if (res.status === 401) {
    signedOut();
    throw new ApiError(401, "signed out: the server refused the key");
  }
  if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, await res.text()));
  return res;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await check(
    await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
  );
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

// Tries a token against the API without signing out on failure.
export async function tryToken(candidate: string): Promise<void> {
  const res = await fetch("/v1/agents?limit=1", {
    headers: candidate ? { Authorization: `Bearer ${candidate}` } : {},
  });
  if (res.status === 401) {
    throw new ApiError(401, candidate ? "The server refused this password or API key." : "This server needs a password or an API key.");
  }
  if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, await res.text()));
}

// POSTs `body` to a streaming route and calls `onMessage` with each `data:` JSON object of the
// Server-Sent Events until `[DONE]`.
export async function stream(path: string, body: unknown, onMessage: (m: any) => void): Promise<void> {
  const res = await check(
    await fetch(path, {
      method: "POST",
      headers: { ...authHeaders(), "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
    }),
  );
  if (!res.body) throw new ApiError(0, "the browser gave no response stream");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (!data) continue;
      if (data === "[DONE]") return;
      onMessage(JSON.parse(data));
    }
  }
}

// Uploads `file` as multipart field "file", reporting the fraction sent.
export function upload<T>(path: string, file: File, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    const t = token();
    if (t) xhr.setRequestHeader("Authorization", `Bearer ${t}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status === 401) {
        signedOut();
        reject(new ApiError(401, "signed out"));
      } else if (xhr.status < 200 || xhr.status >= 300) {
        reject(new ApiError(xhr.status, errorMessage(xhr.status, xhr.responseText)));
      } else {
        onProgress(1);
        resolve(JSON.parse(xhr.responseText) as T);
      }
    };
    xhr.onerror = () => reject(new ApiError(0, "the upload failed (connection lost)"));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}
