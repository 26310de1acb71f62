"""A player never sees a traceback: failures become a notification or the error screen."""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from textual.app import App

F = TypeVar("F", bound=Callable[..., Any])


def guarded(method: F) -> F:
    """Run a handler; if it fails, report the failure to the player instead of crashing."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the guard itself: everything is reported, nothing escapes
            if os.environ.get("CALLINICUM_DEBUG"):
                traceback.print_exc()
            app: App = self if hasattr(self, "report_error") else self.app
            app.report_error(exc)  # type: ignore[attr-defined]
            return None

    return wrapper  # type: ignore[return-value]


def one_line(exc: BaseException) -> str:
    """A failure in one line, any control character in it escaped (it may quote a file's name)."""
    from game.scenario.errors import escape_controls

    text = escape_controls(" ".join(str(exc).split())) or type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"
