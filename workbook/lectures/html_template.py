"""HTML for lecture widgets from autoescaped Jinja2 templates (never from f-strings)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=None)
def _template(source: str) -> Any:
    from jinja2 import Environment, StrictUndefined

    return Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True).from_string(source)


def render_html(source: str, **context: Any) -> Any:
    """``IPython.display.HTML`` of the template ``source`` filled with ``context`` (every value escaped,
    a missing one an error)."""
    from IPython.display import HTML

    return HTML(_template(source).render(**context))
