"""Sphinx configuration for the staffing documentation."""

from __future__ import annotations

import shutil
from pathlib import Path

import staffing

project = "staffing"
author = "The staffing developers"
copyright = "2026, The staffing developers"
version = release = staffing.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_click",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]


# Notebooks are executed by the test suite (nbmake); the docs render them by running them once.
nb_execution_mode = "auto"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True

autosummary_generate = False
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = f"staffing {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}

# Build offline: no intersphinx fetches.
intersphinx_mapping: dict[str, tuple[str, None]] = {}


def _copy_notebooks() -> None:
    """Render the repository's notebooks/ inside the docs tree."""
    here = Path(__file__).parent
    source = here.parent / "notebooks"
    target = here / "notebooks"
    target.mkdir(exist_ok=True)
    for notebook in sorted(source.glob("*.ipynb")):
        shutil.copy2(notebook, target / notebook.name)


_copy_notebooks()


def _plain_module_sections(app, what, name, obj, options, lines) -> None:
    """Render section titles of *module* docstrings as bold text.

    numpydoc turns them into labelled rubrics, and two modules with an "Examples" section then
    collide as duplicate labels.
    """
    if what != "module":
        return
    for i in range(len(lines) - 1):
        title, rule = lines[i], lines[i + 1]
        if title.strip() and rule.strip() and set(rule.strip()) == {"-"}:
            lines[i], lines[i + 1] = f"**{title.strip()}**", ""


def setup(app) -> None:
    """Register the docstring hook ahead of numpydoc."""
    app.connect("autodoc-process-docstring", _plain_module_sections, priority=100)
