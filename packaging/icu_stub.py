"""Replace the ICU libraries in the built binary with packaging/icu_stub.c (see its header for why).

    python packaging/icu_stub.py dist/sqzdesk/_internal

Finds libQt6Core and its ICU libraries (libicuuc/libicui18n/libicudata.so.NN) in the folder, compiles
the stub with the matching symbol suffix, refuses to go on unless the stub defines every ICU symbol
QtCore imports, then writes the stub as libicuuc.so.NN and empty libraries as libicui18n.so.NN and
libicudata.so.NN (QtCore still names all three). Linux only; needs a C compiler (cc) and nm.
Prints the bytes saved; exits non-zero on any mismatch so a build never ships a half-working Qt.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

STUB = Path(__file__).with_name("icu_stub.c")
ICU_LIB = re.compile(r"^libicu(uc|i18n|data)\.so\.(\d+)$")


def symbols(lib: Path, undefined: bool) -> set[str]:
    flag = "--undefined-only" if undefined else "--defined-only"
    out = subprocess.run(["nm", "-D", flag, str(lib)], check=True, capture_output=True, text=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def compile_lib(source: Path, soname: str, out: Path, suffix: str) -> None:
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-s", f"-DICU_SUFFIX={suffix}",
                    f"-Wl,-soname,{soname}", "-o", str(out), str(source)], check=True)


def main(internal: Path) -> int:
    cores = [p for p in internal.rglob("libQt6Core.so.6") if not p.is_symlink()]
    if len(cores) != 1:
        print(f"icu_stub: expected one libQt6Core.so.6 under {internal}, found {len(cores)}", file=sys.stderr)
        return 1
    qt_lib = cores[0].parent
    libs = {m.group(1): (p, m.group(2)) for p in qt_lib.iterdir() if (m := ICU_LIB.match(p.name))}
    if not libs:
        print(f"icu_stub: no ICU libraries beside {cores[0]}; nothing to do")
        return 0
    versions = {v for _p, v in libs.values()}
    if set(libs) != {"uc", "i18n", "data"} or len(versions) != 1:
        print(f"icu_stub: unexpected ICU libraries in {qt_lib}: {sorted(p.name for p, _v in libs.values())}",
              file=sys.stderr)
        return 1
    suffix = f"_{versions.pop()}"
    needed = {s for s in symbols(cores[0], undefined=True) if s.endswith(suffix)}
    before = sum(p.stat().st_size for p, _v in libs.values())
    with tempfile.TemporaryDirectory() as tmp:
        built = {}
        empty = Path(tmp) / "empty.c"
        empty.write_text("/* no symbols: only satisfies libQt6Core's DT_NEEDED entry */\n")
        for kind, (path, _v) in libs.items():
            built[kind] = Path(tmp) / path.name
            compile_lib(STUB if kind == "uc" else empty, path.name, built[kind], suffix)
        missing = needed - symbols(built["uc"], undefined=False)
        if missing:
            print(f"icu_stub: libQt6Core needs ICU functions the stub lacks: {', '.join(sorted(missing))};"
                  " add them to packaging/icu_stub.c", file=sys.stderr)
            return 1
        for kind, (path, _v) in libs.items():
            path.write_bytes(built[kind].read_bytes())
    after = sum(p.stat().st_size for p, _v in libs.values())
    print(f"icu_stub: QtCore's {len(needed)} ICU functions now answer 'unsupported'; "
          f"ICU {before / 1e6:.1f} MB -> {after / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
