"""Console HTML from `string.Template` files under templates/: every value is escaped unless it is `SafeHtml`."""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Union

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


class SafeHtml(str):
    """HTML that was built by `render` (its values escaped already); inserted as is."""


def escape(value: Union[str, int, SafeHtml]) -> str:
    if isinstance(value, SafeHtml):
        return str(value)
    return html.escape(str(value), quote=True)


@lru_cache(maxsize=None)
def _template(name: str) -> Template:
    return Template((TEMPLATE_DIR / name).read_text(encoding="utf-8"))


def render(name: str, **values: Union[str, int, SafeHtml]) -> SafeHtml:
    """Fills templates/`name`; a missing value is an error, never an empty hole."""
    return SafeHtml(_template(name).substitute({key: escape(value) for key, value in values.items()}))
