"""Reads shared by the parts of one page, made once per request.

A page assembled from several apps (the engagement page: maps, economics, trend, stance…) may
ask for the same rows more than once, each part through its own selector. A selector wraps
such a read in `request_memo(key, compute)`: while a safe request (GET, HEAD) is being
answered, the first call computes and the others reuse the answer; anywhere else (a POST, a
service, a task, a test calling the selector) every call computes, so nothing written can be
hidden by a stale answer.
"""

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("request_memo", default=None)

SAFE_METHODS = ("GET", "HEAD")


def request_memo[T](key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per safe request for `key` (which names everything the answer
    depends on: what is read, of which rows, as of which day)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


class RequestMemoMiddleware:
    """Opens a memo for each GET or HEAD request and drops it when the response is made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
