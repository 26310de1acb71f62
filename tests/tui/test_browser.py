"""`callinicum serve`: the game in a real (headless) web browser, Debian's chromium driven by
selenium. `bash .ci/run` installs chromium and chromium-driver when they are missing.

textual-serve draws the terminal on a canvas, so the page holds no text to read: the test listens
to what the server sends the page (the terminal's output) and reads that, and it checks the
autosave to see that a key pressed in the browser took a decision.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from game.scenario.compiled import load
from game.session.playthrough import Playthrough

from .conftest import MINI, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

# Keeps every frame the server sends the page, as text, in window.__seen.
LISTEN = """
window.__seen = [];
const Native = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new Native(...args);
  socket.addEventListener("message", (event) => {
    if (typeof event.data === "string") { window.__seen.push(event.data); }
    else if (event.data instanceof ArrayBuffer) { window.__seen.push(new TextDecoder().decode(event.data)); }
    else if (event.data && event.data.text) { event.data.text().then((t) => window.__seen.push(t)); }
  });
  return socket;
};
window.WebSocket.prototype = Native.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CALLINICUM", "TEXTUAL")) or k == "CALLINICUM_CACHE"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "game", "serve", "--port", str(port), "--scenario", str(MINI),
         "--seed", "3", "--saves", str(tmp_path / "saves")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}/"

    def answers() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_for(answers, 60, f"{url} to answer")
        yield url, tmp_path / "saves"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), (
        "the browser test needs Debian's chromium and chromium-driver (bash .ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTEN})
        yield driver
    finally:
        driver.quit()


def seen(driver) -> str:
    """Everything the terminal in the page has been sent, without its escape sequences."""
    return ESCAPES.sub("", "".join(driver.execute_script("return window.__seen || [];")))


def press(driver, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    terminal = driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
    ActionChains(driver).move_to_element(driver.find_element(By.CSS_SELECTOR, ".xterm-screen")).click().perform()
    terminal.send_keys(keys)


def test_the_game_in_a_browser(server, browser):
    url, saves = server
    browser.get(url)
    title = load(MINI).scenario.info.title
    wait_for(lambda: "New campaign" in seen(browser) and title.upper() in seen(browser).upper(), 60,
             "the title screen in the browser")

    p = Playthrough.new(load(MINI), 3)
    first_scene = p.view().title
    press(browser, "\n")  # enter: a new campaign
    wait_for(lambda: first_scene in seen(browser), 30, f"the first scene ({first_scene!r})")

    option = next(o for o in p.options() if o.available)
    p.choose(option.id)
    press(browser, "1")
    autosave = saves / "mini" / "autosave.json"
    wait_for(autosave.exists, 30, "the autosave after the first decision")
    assert json.loads(autosave.read_text(encoding="utf-8"))["decisions"] == [option.id]
    next_scene = p.view().title
    wait_for(lambda: next_scene in seen(browser), 30, f"the next scene ({next_scene!r})")
