"""bench/peers driver (stdlib only; run by bench/peers/run.sh). See run.sh for what it does.

Every child process gets a dead proxy (127.0.0.1:9) for anything but loopback: pymemgpt's
attempts to fetch NLTK or tiktoken data fail instead of leaving the machine. tiktoken's
cl100k_base file is pre-seeded into TIKTOKEN_CACHE_DIR from the npm tiktoken data that
scripts/setup.sh already fetched (same ranks, another file format)."""
import argparse
import base64
import difflib
import gzip
import hashlib
import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time

QUESTIONS = [
    "What is a MIME type glob?",
    "How are magic rules matched?",
    "Where are the shared MIME database files installed?",
    "What does the subclass-of element mean?",
    "How should an application pick between two matching globs?",
]
EMBED_DIM = 1536
EMBED_MODEL = "text-embedding-ada-002"
CHUNK_TOKENS = 300  # tokens per passage, the same for both systems
CONTEXT = 32768  # large enough that five questions never trigger a summary on either side
# A question is answered when the scripted reply is shown and the next prompt follows it
# (questionary redraws the prompt line with the input first: that is not an answer).
ANSWERED = r"Here is what the document says\.[\s\S]*?Enter your message"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\r")


def scenario():
    """Per question: the model searches archival memory (heartbeat), then answers."""
    replies = []
    for q in QUESTIONS:
        replies.append({"content": "I should search the document.", "tool": "archival_memory_search",
                        "arguments": {"query": q, "page": 0, "request_heartbeat": True}})
        replies.append({"content": "I found it.", "tool": "send_message",
                        "arguments": {"message": "Here is what the document says."}})
    return {"model": "gpt-4", "require_auth": False, "replies": replies}


def env_for(home, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMGPT")}
    env.update({"HOME": home, "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
                "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
                "OPENAI_API_KEY": "sk-bench", "TERM": "dumb", "COLUMNS": "200", "NO_COLOR": "1"})
    env.update(extra or {})
    return env


def timed(cmd, env, stdin_text=None, cwd=None):
    """Runs cmd under /usr/bin/time; returns (wall seconds, peak RSS MiB, rc, output)."""
    rss_file = os.path.join(env["HOME"], ".time-out")
    start = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file] + cmd, env=env, cwd=cwd,
                       input=stdin_text, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wall = time.monotonic() - start
    rss = 0.0
    try:
        lines = [line for line in open(rss_file).read().split("\n") if line.strip().isdigit()]
        rss = int(lines[-1]) / 1024
    except (OSError, IndexError):
        pass
    return wall, rss, p.returncode, p.stdout


class Scripted:
    def __init__(self, binary, workdir, name):
        self.record = os.path.join(workdir, f"requests-{name}.json")
        path = os.path.join(workdir, f"scenario-{name}.json")
        with open(path, "w") as f:
            json.dump(scenario(), f)
        self.proc = subprocess.Popen([binary, "--scenario", path, "--port", "0", "--record", self.record,
                                      "--embedding-dim", str(EMBED_DIM)], stdout=subprocess.PIPE, text=True)
        self.chat_port = int(re.search(r"listening on (\d+)", self.proc.stdout.readline()).group(1))
        self.embed_port = int(re.search(r"embeddings on (\d+)", self.proc.stdout.readline()).group(1))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
        with open(self.record) as f:
            return json.load(f)


def seed_tiktoken(root, cache_dir):
    """cl100k_base.tiktoken (base64 token, rank per line) from the npm tiktoken encoder JSON."""
    os.makedirs(cache_dir, exist_ok=True)
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    target = os.path.join(cache_dir, hashlib.sha1(url.encode()).hexdigest())
    if os.path.exists(target):
        return
    src = json.load(open(os.path.join(root, "build/deps/npm/tiktoken/package/encoders/cl100k_base.json")))
    out = []
    for line in src["bpe_ranks"].split("\n"):
        parts = line.split(" ")
        if len(parts) < 2:
            continue
        offset = int(parts[1])
        for i, tok in enumerate(parts[2:]):
            out.append(f"{tok} {offset + i}")
    with open(target, "w") as f:
        f.write("\n".join(out) + "\n")
    base64.b64decode(out[0].split()[0])  # a malformed conversion fails here, not inside pymemgpt


def find_inputs(workdir, nq_path):
    inputs = {}
    spec = "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"
    debs = os.path.join(workdir, "debs")
    os.makedirs(debs, exist_ok=True)

    def from_deb(package, member):
        target = os.path.join(debs, "x", member.lstrip("/"))
        if not os.path.exists(target):
            subprocess.run(["apt-get", "download", package], cwd=debs, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deb = next(f for f in os.listdir(debs) if f.startswith(package + "_") and f.endswith(".deb"))
            subprocess.run(["dpkg-deb", "-x", os.path.join(debs, deb), os.path.join(debs, "x")], check=True)
        return target

    inputs["shared-mime-info-spec.pdf"] = spec if os.path.exists(spec) else from_deb(
        "shared-mime-info", spec)
    inputs["bashref.pdf"] = from_deb("bash-doc", "/usr/share/doc/bash/bashref.pdf")
    if nq_path and os.path.exists(nq_path):
        jsonl = os.path.join(workdir, "nq-passages.jsonl")
        if not os.path.exists(jsonl):
            seen = set()
            with gzip.open(nq_path, "rt") as f, open(jsonl, "w") as out:
                for line in f:
                    for ctx in json.loads(line).get("ctxs", []):
                        key = (ctx.get("title"), ctx.get("text"))
                        if key not in seen:
                            seen.add(key)
                            out.write(json.dumps({"title": ctx["title"], "text": ctx["text"]}) + "\n")
        inputs["nq-passages.jsonl"] = jsonl
    return inputs


def configure_pymemgpt(home, llm, db):
    """pymemgpt's `memgpt configure` is interactive only (questionary); the seed's choices are
    written to its config file instead, key by key as MemGPTConfig.save() writes them."""
    d = os.path.join(home, ".memgpt")
    os.makedirs(d, exist_ok=True)
    config = f"""[defaults]
preset = memgpt_chat
persona = sam_pov
human = basic

[model]
model = gpt-4
model_endpoint = http://127.0.0.1:{llm.chat_port}/v1
model_endpoint_type = openai
context_window = {CONTEXT}

[embedding]
embedding_endpoint_type = openai
embedding_endpoint = http://127.0.0.1:{llm.embed_port}/v1
embedding_model = {EMBED_MODEL}
embedding_dim = {EMBED_DIM}
embedding_chunk_size = {CHUNK_TOKENS}

[archival_storage]
type = milvus
uri = {db}

[recall_storage]
type = sqlite
path = {d}

[metadata_storage]
type = sqlite
path = {d}

[version]
memgpt_version = 0.3.25

[client]
anon_clientid = 00000000-0000-0000-0000-000000000000
"""
    with open(os.path.join(d, "config"), "w") as f:
        f.write(config)
    with open(os.path.join(d, "credentials"), "w") as f:
        f.write("[openai]\nkey = sk-bench\n")


def configure_ours(memgpt, env, llm, db):
    return subprocess.run(
        [memgpt, "configure", "--llm-provider", "openai", "--model", "gpt-4", "--model-endpoint",
         f"http://127.0.0.1:{llm.chat_port}/v1", "--openai-key", "sk-bench", "--context-window", str(CONTEXT),
         "--embedding-provider", "openai", "--embedding-endpoint", f"http://127.0.0.1:{llm.embed_port}/v1",
         "--embedding-model", EMBED_MODEL, "--embedding-dim", str(EMBED_DIM),
         "--embedding-chunk-size", str(CHUNK_TOKENS), "--archival-storage", "milvus", "--archival-uri", db],
        env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def pty_session(cmd, env, script, timeout=300):
    """Drives an interactive CLI through a pseudo-terminal: script is [(regex, keys)]; returns
    (wall seconds, marks, transcript, finished); marks[k] is the time from sending script[k]'s
    keys to matching script[k + 1]'s pattern."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(cmd[0], cmd, env)
    buf, transcript, marks = "", "", []
    start = time.monotonic()
    finished = True
    last_send = None
    for pattern, keys in script:
        rx = re.compile(pattern)
        while True:
            m = rx.search(buf)
            if m:
                buf = buf[m.end():]
                break
            r, _, _ = select.select([fd], [], [], 1.0)
            if time.monotonic() - start > timeout:
                finished = False
                break
            if not r:
                continue
            try:
                data = os.read(fd, 65536).decode("utf-8", "replace")
            except OSError:
                finished = False
                break
            if "\x1b[6n" in data:  # prompt_toolkit asks for the cursor position
                os.write(fd, b"\x1b[1;1R")
            clean = ANSI.sub("", data)
            buf += clean
            transcript += clean
        if not finished:
            break
        if last_send is not None:
            marks.append(time.monotonic() - last_send)
        os.write(fd, keys.encode())
        last_send = time.monotonic()
    # Wait for exit.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                data = os.read(fd, 65536).decode("utf-8", "replace")
                transcript += ANSI.sub("", data)
            except OSError:
                break
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        finished = False
    return time.monotonic() - start, marks, transcript, finished


def request_summary(requests):
    chats = [r for r in requests if isinstance(r, dict) and "messages" in r]
    first = chats[0] if chats else {}
    system = next((m.get("content", "") for m in first.get("messages", []) if m.get("role") == "system"), "")
    tools = first.get("tools") or [{"type": "function", "function": f} for f in first.get("functions", [])]
    return {
        "count": len(chats),
        "system": system,
        "tools": {t["function"]["name"]: t["function"] for t in tools},
        "uses": "tools" if first.get("tools") else ("functions" if first.get("functions") else "none"),
        "roles": [[m.get("role") for m in r.get("messages", [])] for r in chats],
        "keys": sorted(first.keys()),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--nq", default=os.environ.get("PEERS_NQ"),
                    help="NQ-Open oracle JSONL.gz (default: ../shared/data beside the checkout, "
                         "else /work/shared/data; skipped when absent)")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    root = args.root
    work = args.work or os.path.join(root, "build", "bench-peers")
    shutil.rmtree(os.path.join(work, "run"), ignore_errors=True)
    run = os.path.join(work, "run")
    os.makedirs(run)
    memgpt = os.path.join(args.build, "memgpt")
    scripted = os.path.join(args.build, "tests/support/scripted_llm/scripted_llm_server")
    py_memgpt = os.path.join(root, "build/venv-pymemgpt/bin/memgpt")
    tiktoken_cache = os.path.join(work, "tiktoken-cache")
    seed_tiktoken(root, tiktoken_cache)
    nq = args.nq or next((p for p in (os.path.join(root, "..", "shared", "data", "nq-open-oracle.jsonl.gz"),
                                       "/work/shared/data/nq-open-oracle.jsonl.gz") if os.path.exists(p)), None)
    inputs = find_inputs(work, nq)
    report = {"load_average": open("/proc/loadavg").read().split()[:3], "inputs": inputs, "systems": {}}

    systems = {
        "pymemgpt": {"bin": py_memgpt},
        "memgpt": {"bin": memgpt},
    }
    for name, s in systems.items():
        home = os.path.join(run, f"home-{name}")
        os.makedirs(home)
        extra = {"TIKTOKEN_CACHE_DIR": tiktoken_cache, "NLTK_DATA": os.path.join(home, "nltk")}
        if name == "memgpt":
            extra["MEMGPT_HOME"] = os.path.join(home, ".memgpt")
        env = env_for(home, extra)
        llm = Scripted(scripted, run, name)
        db = os.path.join(home, "milvus.db")
        r = {"commands": []}
        if name == "pymemgpt":
            configure_pymemgpt(home, llm, db)
            r["commands"].append("(config file written: ~/.memgpt/config, ~/.memgpt/credentials)")
        else:
            c = configure_ours(s["bin"], env, llm, db)
            r["commands"].append("memgpt configure ... (rc %d)" % c.returncode)
        # Cold start: the best of three `--help` runs (imports / binary load, no work).
        r["cold_start_s"] = min(timed([s["bin"], "--help"], env)[0] for _ in range(3))
        r["loads"] = {}
        for label, path in inputs.items():
            source = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
            cmd = [s["bin"], "load", "directory", "--name", source, f"--input-files={path}"]
            if label.endswith(".jsonl") and name == "pymemgpt":
                cmd.append("--extensions=.jsonl")
            wall, rss, rc, out = timed(cmd, env)
            r["loads"][label] = {"source": source, "wall_s": wall, "peak_rss_mib": rss, "rc": rc,
                                 "command": " ".join(cmd[:4]) + f" --name {source} --input-files=<{label}>",
                                 "output_tail": out.strip().split("\n")[-6:]}
        attach_source = r["loads"]["shared-mime-info-spec.pdf"]["source"]
        if name == "pymemgpt":
            # /attach asks with a questionary list; the spec's source was loaded first (Enter).
            cmd = ["/usr/bin/time", "-f", "%M", "-o", os.path.join(home, ".run-rss"), s["bin"], "run",
                   "--persona", "memgpt_doc", "--agent", "peers", "-y", "--first", "--no-verify", "--strip-ui"]
            script = [(r"Enter your message", "/attach\r"), (r"Select data source", "\r"),
                      (r"Enter your message", QUESTIONS[0] + "\r")]
            script += [(ANSWERED, q + "\r") for q in QUESTIONS[1:]] + [(ANSWERED, "/exit\r")]
            wall, marks, transcript, finished = pty_session(cmd, env, script)
            r["run"] = {"wall_s": wall, "per_question_s": marks[2:], "finished": finished,
                        "transcript_tail": transcript[-3000:]}
        else:
            cmd = ["/usr/bin/time", "-f", "%M", "-o", os.path.join(home, ".run-rss"), s["bin"], "run",
                   "--persona", "memgpt_doc", "--agent", "peers", "-y", "--first", "--no-verify", "--strip-ui"]
            script = [(r"Enter your message:", f"/attach {attach_source}\r"),
                      (r"Enter your message:", QUESTIONS[0] + "\r")]
            script += [(ANSWERED, q + "\r") for q in QUESTIONS[1:]] + [(ANSWERED, "/exit\r")]
            wall, marks, transcript, finished = pty_session(cmd, env, script)
            r["run"] = {"wall_s": wall, "per_question_s": marks[1:], "finished": finished,
                        "transcript_tail": transcript[-3000:]}
        try:
            r["run"]["peak_rss_mib"] = int(open(os.path.join(home, ".run-rss")).read().split()[-1]) / 1024
        except (OSError, IndexError, ValueError):
            r["run"]["peak_rss_mib"] = None
        requests = llm.stop()
        r["requests"] = request_summary(requests)
        report["systems"][name] = r
        with open(os.path.join(work, f"requests-{name}.json"), "w") as f:
            json.dump(requests, f, indent=1)

    a, b = report["systems"]["pymemgpt"]["requests"], report["systems"]["memgpt"]["requests"]
    with open(os.path.join(work, "system-prompt.diff"), "w") as f:
        f.writelines(difflib.unified_diff(a["system"].splitlines(True), b["system"].splitlines(True),
                                          "pymemgpt", "memgpt"))
    with open(os.path.join(work, "functions.diff"), "w") as f:
        f.writelines(difflib.unified_diff(json.dumps(a["tools"], indent=1, sort_keys=True).splitlines(True),
                                          json.dumps(b["tools"], indent=1, sort_keys=True).splitlines(True),
                                          "pymemgpt", "memgpt"))
    with open(os.path.join(work, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    print_summary(report, work)


def print_summary(report, work):
    s = report["systems"]
    print(f"load average {' '.join(report['load_average'])}")
    print(f"{'':34}{'pymemgpt':>12}{'memgpt':>12}{'ratio':>8}")

    def row(label, x, y, fmt="{:.2f}"):
        ratio = f"{x / y:.1f}x" if x and y else "-"
        fx = fmt.format(x) if x is not None else "-"
        fy = fmt.format(y) if y is not None else "-"
        print(f"{label:34}{fx:>12}{fy:>12}{ratio:>8}")

    row("cold start (--help), s", s["pymemgpt"]["cold_start_s"], s["memgpt"]["cold_start_s"])
    for label in s["memgpt"]["loads"]:
        p, m = s["pymemgpt"]["loads"][label], s["memgpt"]["loads"][label]
        row(f"load {label}, s", p["wall_s"] if p["rc"] == 0 else None, m["wall_s"])
        row(f"load {label}, peak RSS MiB", p["peak_rss_mib"], m["peak_rss_mib"], "{:.0f}")
    pq = s["pymemgpt"]["run"]["per_question_s"]
    mq = s["memgpt"]["run"]["per_question_s"]
    row("per question (2 steps), s", sum(pq) / len(pq) if pq else None, sum(mq) / len(mq) if mq else None)
    row("run peak RSS MiB", s["pymemgpt"]["run"]["peak_rss_mib"], s["memgpt"]["run"]["peak_rss_mib"], "{:.0f}")
    print(f"LLM requests: pymemgpt {s['pymemgpt']['requests']['count']}, memgpt {s['memgpt']['requests']['count']}")
    print(f"details: {work}/report.json, system-prompt.diff, functions.diff, requests-*.json")


if __name__ == "__main__":
    sys.exit(main())
