"""Sphinx configuration: numpydoc API reference plus the Markdown guides."""

import skkernel

project = "skkernel"
author = "The skkernel developers"
release = skkernel.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
