#!/usr/bin/python3
"""The layers link one way, and a wrong include is a build error.

For each layer's library this compiles small probe files with that layer's
own compiler command (from the build's compile_commands.json) and checks
that what the layer may not know fails to compile, and that what it may
know compiles (so a probe cannot pass because the command is broken). It
also checks that no test or fuzz target includes a .c file, and that the
"Source map" section of sim/README.md lists every .c and .h file under sim/
and include/ once, and nothing else.

Usage: test_layers.py PATH/TO/conflictsim SOURCE_DIR
"""
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import unittest

EXE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/conflictsim"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
BUILD = os.path.dirname(EXE)

# layer folder -> (headers it may include, headers it may not)
RULES = {
    "engine": (["cs_engine.h", "cs_evq.h", "cs_rng.h", "cs_common.h"],
               ["cs_world.h", "model_int.h", "cs_script.h", "cs_sweep.h", "cs_targets.h", "cs_h5.h", "<lua.h>",
                "<hdf5.h>"]),
    "model": (["cs_world.h", "model_int.h", "cs_engine.h"],
              ["cs_script.h", "cs_sweep.h", "cs_targets.h", "script_int.h", "cs_h5.h", "h5util.h", "<lua.h>",
               "<lauxlib.h>", "<hdf5.h>", "sweep.h", "cli.h"]),
    "script": (["cs_script.h", "cs_sweep.h", "cs_targets.h", "script_int.h", "<lua.h>", "cs_world.h"],
               ["model_int.h", "cs_h5.h", "h5util.h", "h5out_int.h", "<hdf5.h>", "sweep.h", "cli.h"]),
    "io": (["cs_h5.h", "h5util.h", "h5out_int.h", "<hdf5.h>", "cs_world.h"],
           ["model_int.h", "cs_script.h", "cs_sweep.h", "cs_targets.h", "script_int.h", "<lua.h>", "sweep.h",
            "cli.h"]),
    "batch": (["sweep.h", "cs_sweep.h", "cs_targets.h", "cs_h5.h", "cs_script.h", "<hdf5.h>"],
              ["model_int.h", "script_int.h", "<lua.h>", "h5out_int.h", "cli.h"]),
    "cli": (["cli.h", "sweep.h", "cs_sweep.h", "cs_targets.h", "cs_script.h", "cs_h5.h"],
            ["model_int.h", "script_int.h", "<lua.h>", "h5out_int.h"]),
}


def commands():
    with open(os.path.join(BUILD, "compile_commands.json")) as f:
        db = json.load(f)
    by_layer = {}
    for e in db:
        m = re.search(r"/sim/(\w+)/[^/]+\.c$", e["file"])
        if m and m[1] not in by_layer:
            by_layer[m[1]] = e
    return by_layer


def compiles(entry, header, tmp):
    probe = os.path.join(tmp, "probe.c")
    inc = header if header.startswith("<") else f'"{header}"'
    with open(probe, "w") as f:
        f.write(f"#include {inc}\nint cs_probe_unused;\n")
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    # drop -o OUT and -c FILE, compile the probe only for syntax
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-c"):
            skip = True
            continue
        if a == entry["file"]:
            continue
        out.append(a)
    # the probe sits elsewhere: "..." includes search the layer's own folder too
    out += ["-iquote", os.path.dirname(entry["file"]), "-fsyntax-only", probe]
    r = subprocess.run(out, cwd=entry["directory"], capture_output=True, text=True)
    return r.returncode == 0, r.stderr


class Layers(unittest.TestCase):
    def test_every_layer_is_a_library(self):
        self.assertEqual(sorted(commands()), sorted(RULES))

    def test_includes_follow_the_layers(self):
        cmds = commands()
        with tempfile.TemporaryDirectory() as tmp:
            for layer, (ok, bad) in RULES.items():
                for h in ok:
                    with self.subTest(layer=layer, may_include=h):
                        good, err = compiles(cmds[layer], h, tmp)
                        self.assertTrue(good, err)
                for h in bad:
                    with self.subTest(layer=layer, may_not_include=h):
                        good, _ = compiles(cmds[layer], h, tmp)
                        self.assertFalse(good, f"sim/{layer} can include {h}")

    def test_sources_include_no_c_file(self):
        files = glob.glob(os.path.join(SRC, "tests", "**", "*.[ch]"), recursive=True)
        files += glob.glob(os.path.join(SRC, "sim", "**", "*.[ch]"), recursive=True)
        for p in files:
            with open(p, errors="replace") as f:
                for n, line in enumerate(f, 1):
                    self.assertIsNone(re.match(r'\s*#\s*include\s*[<"][^>"]*\.c[>"]', line),
                                      f"{os.path.relpath(p, SRC)}:{n} includes a .c file")

    def test_source_map_matches_the_tree(self):
        # The section runs from "## Source map" to the next "## " heading; its
        # files are the sim/<layer>/<file>.c|h and include/<file>.h paths in
        # table rows (lines starting with "|"). Paths in prose must exist too.
        with open(os.path.join(SRC, "sim", "README.md")) as f:
            text = f.read()
        start = text.index("\n## Source map\n")
        end = text.find("\n## ", start + 1)
        section = text[start:end if end >= 0 else len(text)]
        path = re.compile(r"\b(?:sim/\w+/\w+\.[ch]|include/\w+\.h)\b")
        rows = [p for line in section.splitlines() if line.startswith("|")
                for p in path.findall(line)]
        tree = {os.path.relpath(p, SRC) for p in
                glob.glob(os.path.join(SRC, "sim", "*", "*.[ch]")) +
                glob.glob(os.path.join(SRC, "include", "*.h"))}
        twice = sorted({p for p in rows if rows.count(p) > 1})
        self.assertEqual(twice, [], "listed more than once in sim/README.md's source map")
        self.assertEqual(sorted(tree - set(rows)), [], "missing from sim/README.md's source map")
        self.assertEqual(sorted(set(path.findall(section)) - tree), [],
                         "in sim/README.md's source map but not in the tree")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=1)
