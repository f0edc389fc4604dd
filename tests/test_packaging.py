"""Cheap checks on the PyInstaller packaging (packaging/sqzdesk.spec); no binary is built here.

The spec's configuration part (everything above ``# ---- build``) is plain Python and runs without
PyInstaller, so these tests use the very lists and functions the build uses.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "packaging" / "sqzdesk.spec"
SHIPPED = REPO / "assets" / "models"


@pytest.fixture()
def spec(monkeypatch) -> dict:
    monkeypatch.delenv("SQZDESK_BUNDLES", raising=False)
    head = SPEC.read_text(encoding="utf-8").split("\n# ---- build", 1)[0]
    namespace: dict = {"SPECPATH": str(SPEC.parent), "__name__": "sqzdesk_spec"}
    exec(compile(head, str(SPEC), "exec"), namespace)
    return namespace


def _collected(spec: dict, root: Path) -> set[tuple[str, str]]:
    return {(Path(src).name, dest) for src, dest in spec["bundle_datas"](root)}


def _expect_bundle(spec: dict, collected: set[tuple[str, str]], bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    dest = f"{spec['FROZEN_BUNDLES']}/{bundle.name}"
    wanted = {"manifest.json"} | {entry["name"] for entry in manifest["files"].values()}
    missing = {name for name in wanted if (name, dest) not in collected}
    assert not missing, f"{bundle.name}: the spec would not ship {sorted(missing)}"


def test_spec_ships_every_shipped_bundle(spec):
    """Every folder in assets/models is a bundle, and the spec collects all of its files."""
    folders = sorted(p for p in SHIPPED.iterdir() if p.is_dir()) if SHIPPED.is_dir() else []
    not_bundles = [p.name for p in folders if not (p / "manifest.json").is_file()]
    assert not not_bundles, f"folders in assets/models without manifest.json (the binary would skip them): {not_bundles}"
    assert [p.name for p in spec["shipped_bundles"](SHIPPED)] == [p.name for p in folders]
    collected = _collected(spec, SHIPPED)
    for bundle in folders:
        _expect_bundle(spec, collected, bundle)


def test_spec_collects_a_whole_bundle(spec, tiny_root):
    """The same on the tiny test bundles, so the collection is exercised before real bundles are shipped."""
    collected = _collected(spec, tiny_root)
    bundles = spec["shipped_bundles"](tiny_root)
    assert {b.name for b in bundles} == {"tiny-sentiment", "tiny-entities", "tiny-qa", "tiny-embed"}
    for bundle in bundles:
        _expect_bundle(spec, collected, bundle)


def test_frozen_binary_looks_where_the_spec_puts_bundles(spec, monkeypatch, tmp_path):
    from sqzdesk.engine.bundle import shipped_dir

    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert shipped_dir() == tmp_path / spec["FROZEN_BUNDLES"]


def _runtime_sources(spec: dict) -> dict[str, ast.Module]:
    trees = {}
    for name in spec["app_modules"]():
        rel = Path(*name.split("."))
        path = REPO / (f"{rel}.py" if (REPO / f"{rel}.py").is_file() else rel / "__init__.py")
        trees[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return trees


def _imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_spec_bundles_the_whole_app_but_not_modelbuild(spec):
    modules = spec["app_modules"]()
    assert {"sqzdesk", "sqzdesk.cli", "sqzdesk.engine.session", "sqzdesk.gui.app"} <= set(modules)
    assert not [m for m in modules if m.startswith("sqzdesk.modelbuild")]


def test_runtime_code_imports_nothing_the_binary_excludes(spec):
    """The binary leaves these out; a runtime import of one would only fail in the frozen app."""
    excluded = spec["DEV_ONLY"] + spec["QT_EXCLUDES"]
    offenders = sorted(
        f"{module}: {name}"
        for module, tree in _runtime_sources(spec).items()
        for name in _imports(tree)
        if any(name == e or name.startswith(e + ".") for e in excluded)
    )
    assert not offenders, offenders


def test_runtime_code_uses_only_the_kept_qt_modules(spec):
    used = {name.split(".")[1] for tree in _runtime_sources(spec).values() for name in _imports(tree)
            if name.startswith("PySide6.") and name.split(".")[1].startswith("Qt")}
    assert used <= spec["QT_KEEP"], f"add to QT_KEEP in packaging/sqzdesk.spec: {sorted(used - spec['QT_KEEP'])}"


def test_qt_plugin_filter(spec):
    keep = spec["keep_entry"]
    assert keep("PySide6/Qt/plugins/platforms/libqxcb.so")
    assert keep("PySide6/Qt/plugins/platforms/libqoffscreen.so")
    assert not keep("PySide6/Qt/plugins/platforms/libqeglfs.so")
    assert not keep("PySide6/Qt/plugins/platformthemes/libqgtk3.so")
    assert not keep("PySide6/Qt/plugins/imageformats/libqsvg.so")
    assert not keep("PySide6/Qt/translations/qtbase_de.qm")
    assert not keep("PySide6/Qt/plugins/platforms/libqwayland.so")  # Qt falls back to xcb (XWayland)
    assert not keep("PySide6/Qt/lib/libQt6WaylandClient.so.6")
    assert keep("onnxruntime/capi/onnxruntime_pybind11_state.cpython-311-x86_64-linux-gnu.so")
    assert keep("assets/models/tiny-qa/model.onnx")


def test_docx_and_tokenizers_reach_the_binary_trimmed(spec, tmp_path):
    """tokenizers, python-docx and lxml are runtime dependencies: not excluded whole. Of lxml only what
    python-docx uses goes in; reading a DOCX and tokenizing (in a fresh interpreter) import nothing the
    spec leaves out of either package."""
    excluded = spec["DEV_ONLY"]
    assert not {"tokenizers", "docx", "lxml", "typing_extensions"} & set(excluded)
    assert {"lxml.objectify", "lxml.html", "lxml.isoschematron"} <= set(excluded)
    import docx

    word = docx.Document()
    word.add_paragraph("A DOCX, read and tokenized.")
    word.save(tmp_path / "probe.docx")
    code = (
        "import sys\n"
        "from sqzdesk.documents import read_document\n"
        "from sqzdesk.engine.tokens import TextTokenizer\n"
        "text = read_document(sys.argv[1]).text\n"
        "assert len(TextTokenizer(sys.argv[2]).encode(text)) > 5\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    tokenizer = next(SHIPPED.glob("*/tokenizer.json"), None) or REPO / "missing"
    if not tokenizer.is_file():
        pytest.skip("no shipped bundle with a tokenizer.json")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "probe.docx"), str(tokenizer)],
                            capture_output=True, text=True, cwd=REPO, check=True)
    loaded = result.stdout.split()
    assert "lxml.etree" in loaded and "tokenizers" in loaded
    trimmed = [e for e in excluded if e.split(".")[0] in ("lxml", "tokenizers")]
    assert not [m for m in loaded if any(m == e or m.startswith(e + ".") for e in trimmed)]


def test_docx_template_folder_is_dropped(spec):
    keep = spec["keep_entry"]
    assert not keep("docx/templates/default-docx-template/word/styles.xml")
    assert keep("docx/templates/default.docx") and keep("docx/templates/default-styles.xml")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the host-library list is for Linux")
def test_host_libraries_left_to_the_desktop(spec):
    """Libraries every X11 desktop has are not shipped; what minimal installs lack (the xcb-util family Qt's
    xcb plugin needs) and anything inside a package folder are."""
    host = spec["host_library"]
    for name in ("libstdc++.so.6", "libgcc_s.so.1", "libX11.so.6", "libfontconfig.so.1", "libfreetype.so.6", "libglib-2.0.so.0", "libz.so.1",
                 "libdbus-1.so.3", "libxkbcommon.so.0", "libxcb-render.so.0", "libsqlite3.so.0"):
        assert host(name), name
    for name in ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-shape.so.0",
                 "libxkbcommon-x11.so.0", "libffi.so.8",
                 "libpython3.11.so.1.0", "PySide6/Qt/lib/libQt6Core.so.6", "pypdfium2_raw/libpdfium.so",
                 "libzz.so.1"):
        assert not host(name), name


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_binary_pins_satisfy_the_app_requirements():
    """packaging/constraints.txt pins what the binary is built with; each pin must be one the app accepts."""
    import tomllib

    from packaging.requirements import Requirement

    pins = _pins(REPO / "packaging" / "constraints.txt")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for text in project["dependencies"]:
        requirement = Requirement(text)
        if requirement.name.lower() in pins:
            assert requirement.specifier.contains(pins[requirement.name.lower()]), (text, pins)
    assert {"onnxruntime", "numpy", "pyside6-essentials", "pyinstaller", "tokenizers", "python-docx", "lxml"} <= set(pins)


def _qtcore_only(folder: str, names: list[str]) -> set[str]:
    """What `from PySide6.QtCore import ...` needs of a PySide6 install: its Python files, the QtCore
    binding, libpyside6, and libQt6Core with its ICU libraries (a few MB instead of the whole 250)."""
    where = Path(folder)
    if where.name == "Qt":
        return {n for n in names if n != "lib"}
    if where.name == "lib" and where.parent.name == "Qt":
        return {n for n in names if not n.startswith(("libQt6Core.", "libicu"))}
    return {n for n in names if (n.startswith("Qt") and n.endswith(".so") and not n.startswith("QtCore."))
            or n.endswith(".pyi") or n in ("scripts", "include", "typesystems", "glue", "doc", "examples")}


@pytest.mark.skipif(not sys.platform.startswith("linux") or not (shutil.which("cc") and shutil.which("nm")),
                    reason="the ICU stub is built on Linux with cc and nm")
def test_icu_stub_replaces_the_libraries_qtcore_needs(tmp_path):
    """icu_stub.py on a copy of the installed PySide6's Qt libraries: the stub must define every ICU
    function libQt6Core imports, and QtCore must still load against it (a child process imports it)."""
    import PySide6

    qt_lib = Path(PySide6.__file__).parent / "Qt" / "lib"
    icu = sorted(qt_lib.glob("libicu*.so.*"))
    if not icu:
        pytest.skip("this PySide6 does not bundle ICU")
    internal = tmp_path / "_internal"
    shutil.copytree(Path(PySide6.__file__).parent, internal / "PySide6", symlinks=True, ignore=_qtcore_only)
    shutil.copytree(Path(PySide6.__file__).parent.parent / "shiboken6", internal / "shiboken6", symlinks=True)
    result = subprocess.run([sys.executable, str(REPO / "packaging" / "icu_stub.py"), str(internal)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ICU functions now answer 'unsupported'" in result.stdout
    stubbed = internal / "PySide6" / "Qt" / "lib"
    assert sum(p.stat().st_size for p in stubbed.glob("libicu*.so.*")) < 100_000
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); from PySide6.QtCore import QCollator, QLocale;"
             "c = QCollator(QLocale('de_DE')); print(sorted(['b', 'a', 'C'], key=__import__('functools')"
             ".cmp_to_key(c.compare)), QLocale('tr_TR').toUpper('i'))")
    loaded = subprocess.run([sys.executable, "-c", probe, str(internal)], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"})
    assert loaded.returncode == 0, loaded.stderr
    # Qt's own fallbacks, where real ICU would give ['a', 'b', 'C'] and the Turkish dotted 'İ'
    assert loaded.stdout.split() == ["['C',", "'a',", "'b']", "I"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("script", ["build.sh", "selftest_offline.sh"])
def test_scripts_parse(script):
    result = subprocess.run(["bash", "-n", str(REPO / "packaging" / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
