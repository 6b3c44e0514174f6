"""The browser tests' environment: the servers, the browser, where files go."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from assistant_server import PROJECT, RunningAssistant, assistant_running, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
# Run in the page once axe-core is injected: the violations, as plain data.
AXE_VIOLATIONS = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(" >>> ")),
    }));
}"""
SCREENSHOTS = PROJECT / "reports" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


class WidgetServers:
    """The assistant's three servers, stoppable and restartable on the same ports."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        ports: set[int] = set()
        while len(ports) < 3:
            ports.add(free_port())
        rasa, action, widget = sorted(ports)
        self.ports = {"rasa_port": rasa, "action_port": action, "widget_port": widget}
        self._stack: ExitStack | None = None
        self._running: RunningAssistant | None = None

    @property
    def running(self) -> RunningAssistant:
        assert self._running is not None, "the servers are stopped"
        return self._running

    @property
    def page_url(self) -> str:
        return f"http://localhost:{self.ports['widget_port']}/"

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.ports['rasa_port']}"

    @property
    def clinic_origins(self) -> list[str]:
        """Origins the Rasa server lets call it: run.sh's default (http://localhost:8000
        when make run serves the demo page there) and the demo page of these tests."""
        return ["http://localhost:8000", f"http://localhost:{self.ports['widget_port']}"]

    def start(self) -> None:
        stack = ExitStack()
        env = {"CLINIC_ORIGINS": ", ".join(self.clinic_origins)}  # run.sh splits at , and space
        self._running = stack.enter_context(
            assistant_running(self.workdir, extra_env=env, **self.ports)
        )
        self._stack = stack

    def stop(self) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack = self._running = None

    def ensure_running(self) -> None:
        if self._running is None or self._running.process.poll() is not None:
            self.stop()
            self.start()
