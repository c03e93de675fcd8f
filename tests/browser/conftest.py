"""Real Chromium (Debian's) driven by Playwright against the app served on 127.0.0.1."""

from __future__ import annotations

import os

import pytest

from tests.browser.helpers import ONE_ADDRESS_FOR_EVERY_BROWSER, serving
from tests.support import close_connections, make_app

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, _migrated_schema):
    app = make_app(tmp_path_factory.mktemp("live"), **ONE_ADDRESS_FOR_EVERY_BROWSER)
    yield app
    close_connections(app)


@pytest.fixture(scope="session")
def live_server(live_app):
    with serving(live_app) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server
