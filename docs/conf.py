"""Sphinx configuration: numpydoc API reference, the Markdown guides and the gallery.

The build must be free of warnings (``.ci/run`` builds with ``-W``), runs every example
and keeps the figures it draws.
"""

import os
import re

import skkernel

# The examples draw with matplotlib; the build has no display.
os.environ.setdefault("MPLBACKEND", "Agg")

project = "skkernel"
author = "The skkernel developers"
release = skkernel.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
# "performance.md#kernel-thinning": anchors for the guides' section headings.
myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # run every example
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
}

# Methods inherited from scikit-learn's mixins (score, ...) link to labels of
# scikit-learn's own user guide, which this build does not have (and cannot fetch: the
# build runs without internet). Their text is kept, the link dropped.
_SKLEARN_REFERENCE = re.compile(r":ref:`([^`<]+?)\s*<[^`>]+>`")


def _unlink_sklearn_references(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", "") or ""
    if module.startswith("sklearn"):
        lines[:] = [_SKLEARN_REFERENCE.sub(r"\1", line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_references)
