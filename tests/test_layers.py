"""The layers under the interface stand on their own: importing every module of the scenario, engine
and session packages brings in neither Textual nor Rich, so the rules load, play, explore and save
without a terminal toolkit (the command line, scripts and the explorer need none).

Each package is imported in a fresh interpreter, module by module (walked with pkgutil, so a module
added later is covered too), and the first module that brings in Textual or Rich is named."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

INTERFACE = ("textual", "rich")

# Imports each package named on the command line and every module under it; prints, as JSON, the
# modules imported, the interface modules loaded, and for each module of the game that imported one
# itself (the innermost game frame at the import), the first it imported.
PROBE = """
import importlib, json, pkgutil, sys

INTERFACE = %r
culprits = {}

def is_interface(name):
    return any(name == top or name.startswith(top + ".") for top in INTERFACE)

class Watch:
    def find_spec(self, name, path=None, target=None):
        if is_interface(name):
            frame = sys._getframe(1)
            while frame is not None and not frame.f_globals.get("__name__", "").startswith("game."):
                frame = frame.f_back
            if frame is not None:
                culprits.setdefault(frame.f_globals["__name__"], name)
        return None

sys.meta_path.insert(0, Watch())
imported = []
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    imported.append(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
print(json.dumps({"imported": imported, "culprits": culprits,
                  "interface": sorted(m for m in sys.modules if is_interface(m))}))
""" % (INTERFACE,)

LAYERS = {
    "game.scenario": ["game.scenario.loader", "game.scenario.yamlread", "game.scenario.expressions",
                      "game.scenario.checker", "game.scenario.compiled"],
    "game.engine": ["game.engine.campaign", "game.engine.battle", "game.engine.explore",
                    "game.engine.abstraction", "game.engine.dice"],
    "game.session": ["game.session.session", "game.session.saves", "game.session.store",
                     "game.session.playthrough", "game.session.chronicle"],
}


def probe(*packages: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", PROBE, *packages], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_a_layer_imports_neither_textual_nor_rich(package):
    found = probe(package)
    assert set(LAYERS[package]) <= set(found["imported"]), "the walk missed modules of the package"
    assert found["culprits"] == {}, "these modules bring in the interface: " + "; ".join(
        f"{module} imports {name}" for module, name in found["culprits"].items())
    assert found["interface"] == []


def test_the_probe_sees_an_interface_import():
    """The check itself is live: importing the interface package is seen, and named."""
    found = probe("game.tui")
    assert found["interface"] and any(m == "textual" or m.startswith("textual.") for m in found["interface"])
    assert found["culprits"], "no module named as the one that brought Textual in"
