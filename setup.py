"""Package list and catalog compilation for setuptools (everything else is in pyproject.toml).

The message catalogs are kept in git as ``.po`` only; Flask-Babel reads ``.mo``. The build compiles
them into the wheel, so a wheel built from a fresh clone is translated too.
"""

from pathlib import Path

from setuptools import find_namespace_packages
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithCatalogs(build_py):
    """``build_py`` plus ``shopmail/translations/<lang>/LC_MESSAGES/*.po`` compiled to ``.mo``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree, where `make` compiles the catalogs
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((HERE / "src" / "shopmail" / "translations").glob("*/LC_MESSAGES/*.po")):
            target = Path(self.build_lib) / po.relative_to(HERE / "src").with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with target.open("wb") as out:
                write_mo(out, catalog)


setup(
    # Namespace discovery also lists the data-only folders (templates, static, translations) as packages,
    # so their package-data is configured rather than guessed (setuptools warned once per folder).
    packages=find_namespace_packages(where="src", include=["shopmail", "shopmail.*"]),
    cmdclass={"build_py": BuildWithCatalogs},
)
