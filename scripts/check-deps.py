#!/usr/bin/env python3
"""Check the module layering of lib/ and include/omnipower/ (docs/architecture.md).

Every module may include only modules listed before it in MODULES, and lib/ may include only the
C library headers in ALLOWED_SYSTEM (no OS, no heap, no stdio). Exit status 1 lists violations.
"""
import pathlib
import re
import sys

# Dependency order (docs/architecture.md "Modules in lib/"): a module includes only earlier ones.
MODULES = [
    "core",
    "metrology", "pq", "tariff",
    "axdr", "apdu", "hdlc", "wrapper", "iec62056_21", "mbus",
    "display", "config",
    "storage",
    "registers", "clock", "logger", "disconnect", "fwupdate",
    "cosem",
    "meter",
]
# Public headers that belong to the core module.
CORE_HEADERS = {"core", "config", "config_check", "hal", "version", "omnipower", "value", "evq"}
# Public headers named otherwise than their module ("config.h" is the compile-time configuration).
HEADER_MODULE = {"mcfg": "config", "optical": "cosem", "lcd": "cosem", "dlms_server": "cosem", "push": "cosem", "plog": "storage",
                 "pq_event": "pq", "pq_vq": "pq"}
ALLOWED_SYSTEM = {"stdint.h", "stdbool.h", "stddef.h", "string.h", "limits.h", "math.h",
                  "float.h", "stdalign.h", "assert.h"}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
root = pathlib.Path(__file__).resolve().parent.parent
errors = []


def module_of_header(name):
    stem = pathlib.PurePosixPath(name).stem
    if stem in CORE_HEADERS:
        return "core"
    return HEADER_MODULE.get(stem, stem)


def check_file(path, module):
    rank = MODULES.index(module)
    for kind, name in INCLUDE.findall(path.read_text(errors="replace")):
        rel = path.relative_to(root)
        if name.startswith("omnipower/"):
            if name == "omnipower/omnipower.h":
                errors.append(f"{rel}: includes the umbrella header {name}")
                continue
            dep = module_of_header(name[len("omnipower/"):])
            if dep not in MODULES:
                errors.append(f"{rel}: includes {name}, not a library module header")
            elif MODULES.index(dep) > rank:
                errors.append(f"{rel}: module '{module}' includes '{dep}', which comes after it")
        elif kind == '"':
            # private headers: only the module's own folder
            target = (path.parent / name).resolve()
            if not str(target).startswith(str(root / "lib" / module)):
                errors.append(f"{rel}: includes private header {name} of another module")
        elif name not in ALLOWED_SYSTEM:
            errors.append(f"{rel}: includes <{name}>; lib/ may use only {sorted(ALLOWED_SYSTEM)}")


for d in sorted((root / "lib").iterdir()):
    if not d.is_dir():
        continue
    if d.name not in MODULES:
        errors.append(f"lib/{d.name}: not in the module list of scripts/check-deps.py")
        continue
    for f in sorted(d.rglob("*.[ch]")):
        check_file(f, d.name)

for h in sorted((root / "include" / "omnipower").glob("*.h")):
    if h.stem == "omnipower":
        continue
    mod = module_of_header(h.name)
    if mod not in MODULES:
        errors.append(f"include/omnipower/{h.name}: no module of that name")
        continue
    check_file(h, mod)

if errors:
    print("layering violations:")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print(f"layering ok: {len(MODULES)} modules in order, lib/ and include/omnipower/ checked")
