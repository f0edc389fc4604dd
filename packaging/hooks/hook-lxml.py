"""lxml with only what python-docx imports: lxml.etree (whose own hook adds lxml._elementpath).

Replaces pyinstaller-hooks-contrib's hook-lxml, which collects every lxml submodule (objectify's 2.8 MB
extension, lxml.html and its diff extensions, isoschematron's XSLT files) and, with those excluded in
sqzdesk.spec, warns about each one it then cannot find.
"""

hiddenimports: list[str] = []
