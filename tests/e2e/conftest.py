"""Browser tests: Playwright for Python driving Debian's chromium, headless, against live_server.

Playwright's sync API runs an event loop in the test thread, and Django refuses database access
from a thread with a running loop unless told it is safe; here it is, since the loop only drives
the browser.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without these, chromium keeps calling home on a closed network and stalls its start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the test command installs Debian's chromium package.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    blocked = _watch_policy(page)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


@pytest.fixture
def phone_page(browser, live_server, request):
    """A phone-sized, touch-enabled page, for customer journeys."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    blocked = _watch_policy(page)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-phone.png"), full_page=True)
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


def _watch_policy(page) -> list[str]:
    """Every page must work under the Content-Security-Policy: whatever chromium reports it
    blocked is collected here, and the test fails on any."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return blocked


@pytest.fixture(autouse=True)
def seeded_settings(transactional_db):
    """Browser tests run in transactions that are flushed afterwards, which also removes what the
    data migrations seeded; seed it again with the migrations' own functions."""
    import importlib

    from django.apps import apps

    for module in (
        "surveys.migrations.0005_seed_topics",
        "recovery.migrations.0003_seed_workflow_settings",
        "recovery.migrations.0012_canned_messages_in_their_words",
        "surveys.migrations.0013_recovery_follow_up_survey",
        "recovery.migrations.0018_standards_and_alerts",
    ):
        importlib.import_module(module).seed(apps, None)


AXE = Path(__file__).resolve().parents[2] / "var" / "node" / "node_modules" / "axe-core"
# WCAG 2.1 A and AA: what customer pages must meet in full.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page, *, impacts=("minor", "moderate", "serious", "critical")) -> list[str]:
    """Run axe-core (installed from the npm registry by the test command) on the page as it is
    now, checking WCAG 2.1 A and AA, and list each violation of the given impacts with where."""
    source = AXE / "axe.min.js"
    if not source.exists():
        pytest.fail(f"{source} is missing: the test command installs axe-core from npm.")
    # Evaluated through the DevTools protocol, so the page's Content-Security-Policy (which
    # allows no inline script) does not stop it.
    page.evaluate(source.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ['"
        " + ((n.any[0] || n.all[0] || n.none[0] || {}).message || '') + ']')}))",
        WCAG_AA,
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])} on {page.url}"
        for v in violations
        if v["impact"] in impacts
    ]
