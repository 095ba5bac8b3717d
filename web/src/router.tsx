// A minimal client-side router over the History API (the server answers index.html for any
// path outside the API, so reloading a deep link works).
import { useEffect, useState } from "preact/hooks";

const listeners = new Set<(path: string) => void>();

export function navigate(path: string) {
  if (path === location.pathname) return;
  history.pushState(null, "", path);
  for (const l of listeners) l(path);
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    listeners.add(setPath);
    addEventListener("popstate", onPop);
    return () => {
      listeners.delete(setPath);
      removeEventListener("popstate", onPop);
    };
  }, []);
  return path;
}

// An <a> that navigates without reloading (a modified click still opens a new tab).
export function Link(props: { href: string; class?: string; children: any; "aria-current"?: "page" }) {
  return (
    <a
      {...props}
      onClick={(e: MouseEvent) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    />
  );
}
