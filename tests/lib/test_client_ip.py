from django.test import RequestFactory

from maestro.lib.client_ip import client_ip
from maestro.lib.throttling import AnonThrottle, UserThrottle


def request(**meta):
    return RequestFactory().get("/", **meta)


def test_without_a_proxy_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "10.0.0.2"


def test_behind_a_proxy_the_entry_it_appended_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.7"}
    assert client_ip(request(**meta)) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(**meta)) == "1.2.3.4"


def test_garbage_in_the_header_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, not-an-ip"}
    assert client_ip(request(**meta)) == "10.0.0.2"
    assert client_ip(request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=" , ")) == "10.0.0.2"


def test_the_api_throttles_name_the_client_by_the_same_rule(settings):
    # DRF's get_ident would read X-Forwarded-For through its own NUM_PROXIES setting; every
    # throttle of ours answers with client_ip instead, so the two can never disagree.
    settings.TRUSTED_PROXY_COUNT = 0
    meta = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    assert AnonThrottle().get_ident(request(**meta)) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert UserThrottle().get_ident(request(**meta)) == "1.2.3.4"
