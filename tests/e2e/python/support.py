"""What the Python e2e tests share: servers started on 127.0.0.1 port 0 that report the port they
got (no port is picked before it is bound, so parallel tests cannot collide), stopped by the test."""
import json
import os
import re
import subprocess
import tempfile
import threading
import unittest

READY = {
    "memgpt_server": re.compile(r"running at https?://[^:]+:(\d+)"),
    "scripted_llm": re.compile(r"listening on (\d+)"),
}


class Server:
    """`cmd` running until stop(); `port` is read from the first stdout line matching `ready`.
    stderr and stdout are kept in output() (not passed to ours) for failure messages."""

    def __init__(self, cmd, ready, env=None, timeout=60):
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self._lines = []
        found = threading.Event()
        self.port = None

        def pump():
            for line in self.proc.stdout:
                self._lines.append(line)
                m = ready.search(line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    found.set()
            found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(timeout) or self.port is None:
            self.stop()
            raise RuntimeError(f"{' '.join(cmd)} did not start: {self.output()}")

    def output(self):
        return "".join(self._lines)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def loopback_only_env(extra):
    """The environment for child processes and the client: traffic to anything but loopback goes to
    a closed port (a proxy nobody listens on), so a stray request fails instead of leaving."""
    env = dict(os.environ)
    env.update({"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
                "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"})
    env.update(extra)
    return env


class ScriptedServerTestCase(unittest.TestCase):
    """A test against `memgpt server` (self.base_url) in a throw-away home, configured for the
    scripted OpenAI-compatible LLM server (self.llm) playing `scenario`; both on loopback, both
    stopped after the test. Subclasses make their client from self.base_url."""

    def start_servers(self, prefix, scenario, openai_key="sk-test"):
        self.dir = tempfile.TemporaryDirectory(prefix=prefix)
        self.addCleanup(self.dir.cleanup)
        home = os.path.join(self.dir.name, "home")
        self.env = loopback_only_env({"MEMGPT_HOME": home, "MEMGPT_SERVER_PASS": "e2e-password"})
        scenario_path = os.path.join(self.dir.name, "scenario.json")
        with open(scenario_path, "w") as f:
            json.dump(scenario, f)
        memgpt = os.environ["MEMGPT_BIN"]
        self.llm = Server([os.environ["SCRIPTED_LLM_BIN"], "--scenario", scenario_path, "--port", "0"],
                          READY["scripted_llm"], env=self.env)
        self.addCleanup(self.llm.stop)
        subprocess.run([memgpt, "configure", "--llm-provider", "openai", "--model", "gpt-4o-mini",
                        "--model-endpoint", f"http://127.0.0.1:{self.llm.port}/v1", "--openai-key", openai_key],
                       env=self.env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.server = Server([memgpt, "server", "--port", "0"], READY["memgpt_server"], env=self.env)
        self.addCleanup(self.server.stop)
        self.base_url = f"http://127.0.0.1:{self.server.port}"

    def assertStatus(self, status, call, *args, **kwargs):
        """`call` fails with HTTP `status` (the client's APIStatusError); returns the error."""
        import letta_client  # the venv's; only the Letta client tests use this class
        with self.assertRaises(letta_client.APIStatusError) as raised:
            call(*args, **kwargs)
        self.assertEqual(raised.exception.status_code, status, str(raised.exception))
        return raised.exception
