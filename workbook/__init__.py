"""ML course workbook: self-checking exercises, widgets and tools for four boostcamp AI Tech lectures.

Learners use ``check`` and ``set_lang``; instructors use the ``workbook`` command (assign, grade,
handouts). Importing this package stays light: no notebook or plotting library is loaded here.
"""

from .check import CheckResult, check
from .i18n import get_lang, set_lang, t

__all__ = ["CheckResult", "check", "get_lang", "set_lang", "t"]
__version__ = "0.1.0"
