"""A read shared by a page's parts is made once per safe request, and only there."""

from django.http import HttpResponse
from django.test import RequestFactory

from maestro.lib.memo import RequestMemoMiddleware, request_memo


def _counting_view(calls: list[str]):
    def view(request):
        for _ in range(3):
            request_memo(("processes", 1), lambda: calls.append("read") or len(calls))
        request_memo(("processes", 2), lambda: calls.append("read") or len(calls))
        return HttpResponse()

    return view


def test_a_get_reads_once_per_key():
    calls: list[str] = []
    RequestMemoMiddleware(_counting_view(calls))(RequestFactory().get("/"))
    assert calls == ["read", "read"]


def test_a_post_and_code_outside_a_request_read_every_time():
    calls: list[str] = []
    RequestMemoMiddleware(_counting_view(calls))(RequestFactory().post("/"))
    assert len(calls) == 4
    request_memo("outside", lambda: calls.append("read"))
    request_memo("outside", lambda: calls.append("read"))
    assert len(calls) == 6


def test_the_memo_ends_with_its_request():
    calls: list[str] = []
    middleware = RequestMemoMiddleware(_counting_view(calls))
    middleware(RequestFactory().get("/"))
    middleware(RequestFactory().get("/"))
    assert len(calls) == 4
