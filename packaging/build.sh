#!/usr/bin/env bash
# Build the standalone one-folder binary: dist/sqzdesk/sqzdesk (+ dist/sqzdesk/_internal/).
#
#   bash packaging/build.sh            from the repository root, with Python 3.11+ and a C compiler (cc)
#
# Builds in its own virtual environment (build/package-venv) holding only the app's runtime dependencies
# and PyInstaller, at the versions in packaging/constraints.txt, so nothing from a development or training
# environment (torch, transformers, onnx, ...) can reach the binary. numpy is compiled from source there
# without BLAS (once; the wheel is kept in build/wheels). After PyInstaller, packaging/icu_stub.py replaces
# QtCore's ICU libraries and shared libraries are stripped. Fails when the runtime (everything but the model
# bundles in _internal/assets/models, which count on their own budgets) is bigger than SQZDESK_MAX_RUNTIME_MB
# (default 120, counted in 10^6 bytes of disk usage), when a dev-only package got into it, or when the binary
# cannot start, load its bundles or read a DOCX. SQZDESK_BUNDLES=DIR ships the bundles from DIR instead of
# assets/models (for trying the packaging with test bundles). PYTHON picks the interpreter (default: python3).
set -euo pipefail
cd "$(dirname "$0")/.."

max_runtime_mb=${SQZDESK_MAX_RUNTIME_MB:-120}
dist=dist/sqzdesk
work=build/pyinstaller
venv=build/package-venv
wheels=build/wheels
constraints=packaging/constraints.txt
start=$(date +%s)
base_python=${PYTHON:-python3}
command -v cc >/dev/null || { echo "build.sh: a C compiler (cc) is needed (numpy without BLAS, the ICU stub)" >&2; exit 1; }

pin() { sed -n "s/^$1==\([^ #]*\).*/\1/p" "$constraints"; }

echo "== build environment: $venv ($($base_python -V 2>&1))"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.constraints" 2>/dev/null)" != "$(cat "$constraints")" ]; then
    rm -rf "$venv"
    "$base_python" -m venv "$venv"
fi
py=$venv/bin/python
numpy_version=$(pin numpy)
# no BLAS/LAPACK (numpy's own loops and lapack_lite), no SIMD kernels (baseline or dispatched), SVML, Intel
# sort or Highway, optimised for size: the app's numpy work is bookkeeping on small arrays (ONNX Runtime
# does the maths). numpy's extensions 10.6 MB -> 4.4 MB, and no 28 MB OpenBLAS and gfortran.
numpy_flags=(-Dblas=none -Dlapack=none -Ddisable-optimization=true -Dcpu-dispatch=none -Ddisable-svml=true
             -Ddisable-intel-sort=true -Ddisable-highway=true -Dbuildtype=minsize)
numpy_wheels=$wheels/numpy-$(printf '%s ' "$numpy_version" "${numpy_flags[@]}" | cksum | cut -d' ' -f1)
if ! ls "$numpy_wheels"/numpy-"$numpy_version"-*.whl >/dev/null 2>&1; then
    echo "== numpy $numpy_version from source: ${numpy_flags[*]} (a few minutes, once)"
    mkdir -p "$numpy_wheels"
    "$py" -m pip wheel -q --no-cache-dir --no-deps --no-binary numpy -w "$numpy_wheels" "numpy==$numpy_version" \
        "${numpy_flags[@]/#/-Csetup-args=}"
fi
"$py" -m pip install -q --force-reinstall --no-deps "$numpy_wheels"/numpy-"$numpy_version"-*.whl
# charset-normalizer from its source: the pure-Python build (its wheels carry 0.5 MB of mypyc modules
# that only speed up guessing the encoding of non-UTF-8 files)
"$py" -m pip install -q -c "$constraints" --no-binary charset-normalizer ".[package]"
cp "$constraints" "$venv/.constraints"
"$py" - <<'PY'
import sys, numpy
blas = numpy.__config__.CONFIG["Build Dependencies"]["blas"]
if blas.get("found"):
    sys.exit(f"build.sh: this numpy links {blas.get('name')}; expected the BLAS-free build from build/wheels")
PY

# The binary ships the xcb-util libraries Qt's xcb plugin needs (minimal desktops lack them), so they must
# be on the build machine: without them PyInstaller would quietly build a binary whose window cannot open.
# As root on Debian/Ubuntu they are installed here; elsewhere the build stops and says what to install.
xcb_debs=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
          libxkbcommon-x11-0)
xcb_missing() {
    local qxcb
    qxcb=$("$py" -c 'import PySide6, pathlib; print(pathlib.Path(PySide6.__file__).parent / "Qt/plugins/platforms/libqxcb.so")')
    ldd "$qxcb" 2>/dev/null | awk '/not found/ {print $1}' | sort -u | tr '\n' ' '
}
if [ "$(uname -s)" = Linux ] && [ -n "$(xcb_missing)" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== apt-get install ${xcb_debs[*]} (Qt's xcb plugin needs: $(xcb_missing))"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${xcb_debs[@]}" >/dev/null
    fi
    if [ -n "$(xcb_missing)" ]; then
        echo "build.sh: Qt's xcb plugin needs libraries this machine lacks: $(xcb_missing)" >&2
        echo "  Debian/Ubuntu: apt-get install ${xcb_debs[*]}" >&2
        exit 1
    fi
fi

echo "== pyinstaller $("$py" -m PyInstaller --version) on $("$py" -V 2>&1)"
rm -rf "$dist" "$work"
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath "$work" packaging/sqzdesk.spec

exe=$dist/sqzdesk
[ -x "$exe" ] || { echo "build.sh: $exe was not produced" >&2; exit 1; }

if [ "$(uname -s)" = Linux ]; then
    echo "== ICU stub"
    "$py" packaging/icu_stub.py "$dist/_internal"
fi

# Strip symbol tables from the shared libraries that still carry them (libpython alone: 22 -> 5.5 MB).
# Not PyInstaller's strip=True: GNU strip breaks libraries that auditwheel rewrote with patchelf (numpy's
# bundled OpenBLAS then fails with "ELF load command address/offset not page-aligned"), so those -- anything
# in a *.libs/ folder or with an RPATH into one -- are left alone.
if [ "$(uname -s)" = Linux ] && command -v strip >/dev/null && command -v readelf >/dev/null; then
    echo "== strip"
    stripped=0
    while IFS= read -r -d '' f; do
        [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
        case "$f" in *.libs/*) continue ;; esac
        readelf -d "$f" 2>/dev/null | grep -E '\((RPATH|RUNPATH)\)' | grep -q '\.libs' && continue
        readelf -S "$f" 2>/dev/null | grep -q '\.symtab' || continue
        strip --strip-unneeded "$f" && stripped=$((stripped + 1))
    done < <(find "$dist" -type f \( -name '*.so' -o -name '*.so.*' \) -print0)
    echo "stripped $stripped libraries"
fi

# The bundles share their tokenizer.json: identical files in the bundles become hard links of one file.
"$py" - "$dist/_internal/assets/models" <<'PY'
import hashlib, os, sys
from pathlib import Path
first: dict[str, Path] = {}
for path in sorted(p for p in Path(sys.argv[1]).rglob("*") if p.is_file()):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest in first:
        path.unlink()
        os.link(first[digest], path)
        print(f"{path.relative_to(sys.argv[1])}: hard link to {first[digest].relative_to(sys.argv[1])}")
    else:
        first[digest] = path
PY

echo "== checks"
leaked=$(find "$dist" \( -iname 'libtorch*' -o -iname 'torch' -o -iname 'transformers' -o -iname 'onnx' \
                        -o -iname 'libQt6Qml*' -o -iname 'libQt6Quick*' -o -iname 'libQt6WebEngine*' \) -print)
if [ -n "$leaked" ]; then
    echo "build.sh: dev-only or unwanted files in the binary:" >&2
    echo "$leaked" >&2
    exit 1
fi
"$exe" --version
"$exe" models  # imports the engine (numpy, onnxruntime) and finds the bundles inside
shipped=$( (find assets/models -mindepth 2 -maxdepth 2 -name manifest.json 2>/dev/null || true) | wc -l)
packed=$( (find "$dist/_internal/assets/models" -mindepth 2 -maxdepth 2 -name manifest.json 2>/dev/null || true) | wc -l)
echo "model bundles: $packed in the binary ($shipped in assets/models)"
if [ -z "${SQZDESK_BUNDLES:-}" ] && [ "$packed" -ne "$shipped" ]; then
    echo "build.sh: expected $shipped bundle(s) in $dist/_internal/assets/models, found $packed" >&2
    exit 1
fi
# DOCX through python-docx and lxml inside the binary (selftest has no DOCX), tokenized by tokenizers for the
# entity model: a document with an e-mail address reads, one declaring a DOCTYPE is refused.
probe=$(mktemp -d)
"$py" - "$probe" <<'PY'
import sys, zipfile, docx
word = docx.Document()
word.add_paragraph("Write to ana.lopez@example.org about the binary.")
word.save(f"{sys.argv[1]}/good.docx")
with zipfile.ZipFile(f"{sys.argv[1]}/good.docx") as src, zipfile.ZipFile(f"{sys.argv[1]}/doctype.docx", "w") as dst:
    for info in src.infolist():
        data = src.read(info)
        if info.filename == "word/document.xml":
            data = data.replace(b"?>", b'?><!DOCTYPE w:document [<!ENTITY e "x">]>', 1)
        dst.writestr(info, data)
PY
docx_out=$("$exe" analyze --tasks entities --patterns EMAIL "$probe/good.docx" "$probe/doctype.docx" 2>"$probe/err" || true)
if ! grep -q 'ana.lopez@example.org' <<<"$docx_out" || ! grep -q 'DOCTYPE' "$probe/err"; then
    echo "build.sh: the binary did not read the probe DOCX files as expected:" >&2
    echo "$docx_out" >&2
    cat "$probe/err" >&2
    exit 1
fi
echo "DOCX: read, and a DOCTYPE refused ($(grep -o 'DOCTYPE[^)]*' "$probe/err" | head -1))"
rm -rf "$probe"

echo "== size"
du -sh "$dist"/_internal/* | sort -h | tail -8
# disk usage in bytes (blocks included, so never less than what a user's file manager shows), in 10^6 bytes
usage() { if [ -e "$1" ]; then du -s -B1 "$1" | cut -f1; else echo 0; fi; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
total=$(usage "$dist")
models=$(usage "$dist/_internal/assets/models")
runtime=$((total - models))
echo "runtime (everything but the bundles): $(mb "$runtime") MB (budget ${max_runtime_mb} MB)"
echo "model bundles: $(mb "$models") MB (each counts on its own budget)"
echo "total: $(mb "$total") MB unpacked ($((total / 1048576)) MiB)"
echo "build took $(( $(date +%s) - start )) s"
if [ "$runtime" -gt $((max_runtime_mb * 1000000)) ]; then
    echo "build.sh: the runtime in $dist is $(mb "$runtime") MB unpacked, over its ${max_runtime_mb} MB budget" \
         "(SQZDESK_MAX_RUNTIME_MB)" >&2
    exit 1
fi
echo "== ok: $exe (runtime $(mb "$runtime") MB of ${max_runtime_mb}, bundles $(mb "$models") MB, total $(mb "$total") MB)"
