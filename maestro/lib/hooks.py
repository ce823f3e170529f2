"""Page context that apps higher in the layering add to a lower app's page, without the lower
app importing them: the composition layer registers providers at startup, the page's view
asks for their context."""

from collections.abc import Callable
from typing import Any


class ContextProviders[T]:
    """Functions of one object (an engagement, a process) that each give a dict of template
    context; registering the same one twice is harmless."""

    def __init__(self) -> None:
        self._providers: list[Callable[[T], dict[str, Any]]] = []

    def register(self, provider: Callable[[T], dict[str, Any]]) -> None:
        if provider not in self._providers:
            self._providers.append(provider)

    def context(self, obj: T) -> dict[str, Any]:
        context: dict[str, Any] = {}
        for provider in self._providers:
            context.update(provider(obj))
        return context
