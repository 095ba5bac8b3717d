// The page: sign-in until a token works, then the agents list, one agent (chat beside its
// memory), or the sources.
import { useEffect, useState } from "preact/hooks";
import { onUnauthorized, setToken, token } from "./api";
import { AgentPage } from "./agent_page";
import { AgentsPage } from "./agents_page";
import { Link, navigate, usePath } from "./router";
import { SignIn } from "./sign_in";
import { SourcesPage } from "./sources_page";

export function App() {
  const [signedIn, setSignedIn] = useState(token() !== null);
  const path = usePath();
  useEffect(() => onUnauthorized(() => setSignedIn(false)), []);

  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;

  const agentMatch = path.match(/^\/agents\/([A-Za-z0-9_.:-]+)\/?$/);
  let page;
  if (agentMatch) page = <AgentPage key={agentMatch[1]} agentId={agentMatch[1]} />;
  else if (path === "/sources") page = <SourcesPage />;
  else page = <AgentsPage />;

  return (
    <div class="shell">
      <header class="topbar">
        <Link href="/" class="brand">memgpt</Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={!agentMatch && path !== "/sources" ? "page" : undefined}>Agents</Link>
          <Link href="/sources" aria-current={path === "/sources" ? "page" : undefined}>Sources</Link>
        </nav>
        <button
          class="quiet"
          onClick={() => {
            setToken(null);
            setSignedIn(false);
            navigate("/");
          }}
        >
          Sign out
        </button>
      </header>
      <main>{page}</main>
    </div>
  );
}
