#!/usr/bin/env bash
# Build the standalone one-folder binary: dist/sqzdesk/sqzdesk (+ dist/sqzdesk/_internal/).
#
#   bash packaging/build.sh            from the repository root, in an environment where the project's
#                                      runtime dependencies are installed (pip install . or -e .)
#
# Installs the `package` extra (PyInstaller) itself when PyInstaller is missing. Fails when the result is
# bigger than SQZDESK_MAX_MB (default 150) unpacked, when a dev-only package (torch, transformers, onnx, ...)
# got into it, or when the binary cannot start. SQZDESK_BUNDLES=DIR ships the bundles from DIR instead of
# assets/models (for trying the packaging with test bundles).
set -euo pipefail
cd "$(dirname "$0")/.."

max_mb=${SQZDESK_MAX_MB:-150}
dist=dist/sqzdesk
work=build/pyinstaller
start=$(date +%s)

if ! python -c "import PyInstaller" 2>/dev/null; then
    if python -c "import importlib.metadata as m; m.distribution('sqzdesk')" 2>/dev/null; then
        # the project is installed already (maybe editable): add only the extra's requirements
        mapfile -t reqs < <(python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["package"], sep="\n")')
        echo "== PyInstaller missing: pip install ${reqs[*]}"
        python -m pip install -q "${reqs[@]}"
    else
        echo "== PyInstaller missing: pip install .[package]"
        python -m pip install -q ".[package]"
    fi
fi
if ! python -c "import PySide6.QtWidgets, onnxruntime, tokenizers, numpy, platformdirs, pypdfium2, docx, charset_normalizer, pysbd" 2>/dev/null; then
    echo "build.sh: the runtime dependencies are not installed in this Python ($(command -v python));" \
         "run: python -m pip install '.[package]'" >&2
    exit 1
fi

echo "== pyinstaller $(python -m PyInstaller --version) on $(python -V 2>&1)"
rm -rf "$dist" "$work"
python -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath "$work" packaging/sqzdesk.spec

exe=$dist/sqzdesk
[ -x "$exe" ] || { echo "build.sh: $exe was not produced" >&2; exit 1; }

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

echo "== checks"
leaked=$(find "$dist" \( -iname 'libtorch*' -o -iname 'torch' -o -iname 'transformers' -o -iname 'onnx' \
                        -o -iname 'libQt6Qml*' -o -iname 'libQt6Quick*' -o -iname 'libQt6WebEngine*' \) -print)
if [ -n "$leaked" ]; then
    echo "build.sh: dev-only or unwanted files in the binary:" >&2
    echo "$leaked" >&2
    exit 1
fi
"$exe" --version
shipped=$( (find assets/models -mindepth 2 -maxdepth 2 -name manifest.json 2>/dev/null || true) | wc -l)
packed=$( (find "$dist/_internal/assets/models" -mindepth 2 -maxdepth 2 -name manifest.json 2>/dev/null || true) | wc -l)
echo "model bundles: $packed in the binary ($shipped in assets/models)"
if [ -z "${SQZDESK_BUNDLES:-}" ] && [ "$packed" -ne "$shipped" ]; then
    echo "build.sh: expected $shipped bundle(s) in $dist/_internal/assets/models, found $packed" >&2
    exit 1
fi

echo "== size"
du -sh "$dist"/_internal/* | sort -h | tail -8
models_mb=$( (du -sm "$dist/_internal/assets/models" 2>/dev/null || echo 0) | cut -f1)
size_mb=$(du -sm "$dist" | cut -f1)
echo "model bundles: ${models_mb} MB; everything else: $((size_mb - models_mb)) MB"
du -sh "$dist"
echo "build took $(( $(date +%s) - start )) s"
if [ "$size_mb" -gt "$max_mb" ]; then
    echo "build.sh: $dist is ${size_mb} MB unpacked, over the ${max_mb} MB budget (SQZDESK_MAX_MB)" >&2
    exit 1
fi
echo "== ok: $exe (${size_mb} MB, budget ${max_mb} MB)"
