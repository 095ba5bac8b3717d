"""What the Python e2e tests share: servers started on 127.0.0.1 port 0 that report the port they
got (no port is picked before it is bound, so parallel tests cannot collide), stopped by the test."""
import os
import re
import subprocess
import threading

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
