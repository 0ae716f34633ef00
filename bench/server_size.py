#!/usr/bin/env python3
"""Linked flash and RAM of the DLMS server stack (issue #14), from the link maps of the images
omnipower-stm32-dlms-server (TCP wrapper + HDLC ports) and omnipower-stm32-dlms-server-wrapper
(wrapper port only), ports/stm32/dlms_server_image.c, built by the arm preset.

    bench/server_size.py <arm-build-dir> [<lib-source-dir>]

What a firmware pays is the linked size: the library is built with -ffunction-sections
-fdata-sections and the image linked with --gc-sections, so only the input sections the linker
kept count. For every object of libomnipower.a the map lists, the kept .text, .rodata and .data
input sections are summed (flash = text + rodata + data: .data's load image; .bss is RAM only).

The server stack is lib/cosem/dlms_*.c, lib/apdu (its client helpers, apdu_client.c, must not be
linked: flagged if they are), lib/axdr, lib/hdlc and lib/wrapper. Not counted: the dictionary
(lib/cosem/cosem*.c), the logs and storage the profiles read, lib/core, the port, libc/libgcc,
and the AES (the HAL's; the image has stubs). Target: <= 28 KiB.

RAM: the sizes of the image's ram_* objects (ELF symbols, read with $NM, default
arm-none-eabi-nm): per association the struct omp_dlms_server, per port its buffers, once the
struct omp_dlms_sec.

Output: plain whitespace-separated numbers, one row per item:
    text rodata data flash name
"""
import os
import re
import subprocess
import sys

IMAGES = (("wrapper+hdlc", "omnipower-stm32-dlms-server"),
          ("wrapper", "omnipower-stm32-dlms-server-wrapper"))
TARGET = 28 * 1024
KINDS = ("text", "rodata", "data")
MEMBER = re.compile(r"libomnipower\.a\((?P<obj>[^)]+)\.c\.obj\)$")
SECTION = re.compile(r"^ (?P<name>\.\S+|COMMON)(?:\s+0x(?P<addr>[0-9a-f]+)\s+0x(?P<size>[0-9a-f]+)"
                     r"\s+(?P<file>\S.*))?$")
CONT = re.compile(r"^\s+0x(?P<addr>[0-9a-f]+)\s+0x(?P<size>[0-9a-f]+)\s+(?P<file>\S.*)$")


def kind_of(section):
    for k in ("text", "rodata", "data", "bss"):
        if section == "." + k or section.startswith("." + k + "."):
            return k
    return "bss" if section == "COMMON" else None


def parse_map(path):
    """{object file name (lib member "module/file" or other path): {kind: bytes}} of kept input
    sections."""
    sizes = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        sys.exit(f"server_size: {path}: not a GNU ld map")
    pending = None
    for line in lines[start:]:
        if pending is not None:
            m = CONT.match(line)
            if m:
                add(sizes, pending, m.group("size"), m.group("file"))
            pending = None
            continue
        m = SECTION.match(line)
        if not m:
            continue
        if m.group("size") is None:
            pending = m.group("name")
        else:
            add(sizes, m.group("name"), m.group("size"), m.group("file"))
    return sizes


def add(sizes, section, size_hex, file):
    kind = kind_of(section)
    size = int(size_hex, 16)
    if kind is None or size == 0:
        return
    entry = sizes.setdefault(file.strip(), {k: 0 for k in KINDS + ("bss",)})
    entry[kind] += size


def lib_modules(src):
    """{"file": "module"} for lib/<module>/<file>.c."""
    mods = {}
    lib = os.path.join(src, "lib")
    for mod in sorted(os.listdir(lib)):
        d = os.path.join(lib, mod)
        if os.path.isdir(d):
            for name in os.listdir(d):
                if name.endswith(".c"):
                    mods[name[:-2]] = mod
    return mods


def in_stack(mod, obj):
    if mod == "cosem":
        return obj.startswith("dlms_")
    return mod in ("apdu", "axdr", "hdlc", "wrapper")


def flash(e):
    return e["text"] + e["rodata"] + e["data"]


def row(e, name):
    return "%8d %8d %8d %8d  %s" % (e["text"], e["rodata"], e["data"], flash(e), name)


def lib_rows(sizes, mods):
    """[(module/object, sizes)] of the library's objects in the map."""
    out = []
    for file, e in sizes.items():
        m = MEMBER.search(file)
        if m:
            obj = m.group("obj")
            out.append((mods.get(obj, "unknown"), obj, e))
    return out


def ram_symbols(elf):
    nm = os.environ.get("NM", "arm-none-eabi-nm")
    try:
        out = subprocess.run([nm, "-S", elf], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"# RAM: {nm} -S {elf} failed: {e}")
        return {}
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[3].startswith("ram_"):
            syms[f[3]] = int(f[1], 16)
    return syms


RAM_ROWS = (
    ("ram_dlms_hdlc", "per association: struct omp_dlms_server (one per port)"),
    ("ram_env", "per call (stack): struct omp_dlms_server_env"),
    ("ram_sec", "once: struct omp_dlms_sec (the management association, all ports)"),
    ("ram_hdlc", "per HDLC port: struct omp_hdlc_server"),
    ("ram_hdlc_rx", "per HDLC port: rx buffer (LLC + APDU 1010, segmented requests)"),
    ("ram_hdlc_tx", "per HDLC port: tx buffer (LLC + response APDU 1010)"),
    ("ram_hdlc_out", "per HDLC port: one reply frame (OMP_HDLC_SERVER_TX_ROOM(1010))"),
    ("ram_wrap_rx", "per wrapper port: struct omp_wrapper_rx (header + OMP_CONFIG_WRAPPER_MAX)"),
    ("ram_wrap_apdu", "per wrapper port: response APDU (1010)"),
    ("ram_wrap_out", "per wrapper port: the framed response (8 + 1010)"),
)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    build = sys.argv[1]
    src = sys.argv[2] if len(sys.argv) == 3 else os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))
    mods = lib_modules(src)
    stm32 = os.path.join(build, "ports", "stm32")
    totals = {}
    for variant, image in IMAGES:
        path = os.path.join(stm32, image + ".map")
        if not os.path.isfile(path):
            sys.exit(f"server_size: {path} not found (cmake --build --preset arm)")
        rows = lib_rows(parse_map(path), mods)
        stack = sorted((r for r in rows if in_stack(r[0], r[1])), key=lambda r: -flash(r[2]))
        other = sorted((r for r in rows if not in_stack(r[0], r[1])), key=lambda r: -flash(r[2]))
        total = {k: sum(r[2][k] for r in stack) for k in KINDS}
        totals[variant] = flash(total)
        print(f"# DLMS server stack linked in {image}.elf ({variant}): kept input sections of "
              "libomnipower.a, largest first")
        print("#   text   rodata     data    flash  module/object")
        for mod, obj, e in stack:
            print(row(e, f"{mod}/{obj}.c"))
        met = "met" if flash(total) <= TARGET else "NOT met"
        print(row(total, f"TOTAL server stack ({variant}): {flash(total) / 1024:.1f} KiB linked "
                         f"flash (target <= 28 KiB: {met})"))
        env = sum(flash(e) for m, o, e in stack if o == "apdu_cipher")
        print("%8d  of which the suite-0 envelope (apdu/apdu_cipher.c: glo-ciphering, HLS-GMAC; "
              "AES is the HAL's); without it %.1f KiB" % (env, (flash(total) - env) / 1024))
        clients = [f"{m}/{o}.c" for m, o, _ in stack if o == "apdu_client"]
        if clients:
            print(f"# WARNING: client helpers linked: {' '.join(clients)}")
        print("# not counted: the dictionary, the logs the profiles read, lib/core "
              f"({sum(flash(r[2]) for r in other)} bytes)")
        for mod, obj, e in other:
            print(row(e, f"{mod}/{obj}.c"))
    if len(totals) == 2:
        print("%8d  HDLC port's share (wrapper+hdlc minus wrapper)"
              % (totals["wrapper+hdlc"] - totals["wrapper"]))
    syms = ram_symbols(os.path.join(stm32, IMAGES[0][1] + ".elf"))
    if syms:
        print("# RAM (bytes, Cortex-M4, from the symbols of omnipower-stm32-dlms-server.elf)")
        for sym, what in RAM_ROWS:
            if sym in syms:
                print("%8d  %s: %s" % (syms[sym], sym, what))
        hdlc = sum(syms.get(s, 0) for s in ("ram_dlms_hdlc", "ram_hdlc", "ram_hdlc_rx",
                                             "ram_hdlc_tx", "ram_hdlc_out"))
        wrap = sum(syms.get(s, 0) for s in ("ram_dlms_wrap", "ram_wrap_rx", "ram_wrap_apdu",
                                             "ram_wrap_out"))
        print("%8d  per HDLC port with its association" % hdlc)
        print("%8d  per wrapper port with its association" % wrap)


if __name__ == "__main__":
    main()
