"""Light pages on a weak phone connection, measured in the browser (bytes on the wire: compressed bodies
and headers, from Chromium's own network events): the first visit, cache empty, of the home page and of
each registration and application step costs at most 60 KB, everything included; any later page, cache
warm, at most 15 KB; nothing is fetched from any other host than the app's."""

import re

import pytest

from .pages import LANGUAGES, STEP_NAMES

FIRST_VISIT_BUDGET = 60 * 1024
LATER_VISIT_BUDGET = 15 * 1024


def transferred(page, path: str) -> list[tuple[str, int, int]]:
    """Open `path` and return (url, status, bytes on the wire) for every request the page made. The
    HTML must have come compressed."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen, done, encodings = {}, {}, {}

    def received(event):
        if event["requestId"] in seen:
            seen[event["requestId"]][1] = event["response"]["status"]
            if event["type"] == "Document":
                headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
                encodings[event["response"]["url"]] = headers.get("content-encoding")

    cdp.on("Network.requestWillBeSent", lambda e: seen.setdefault(e["requestId"], [e["request"]["url"], 0]))
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", lambda e: done.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.loadingFailed", lambda e: done.__setitem__(e["requestId"], 0))
    page.goto(path)
    page.wait_for_load_state("load")
    for _ in range(100):  # the last events can arrive just after "load"
        if set(seen) <= set(done):
            break
        page.wait_for_timeout(20)
    cdp.detach()
    assert encodings and set(encodings.values()) == {"gzip"}, f"HTML not compressed: {encodings}"
    return [(url, status, int(done.get(rid, 0))) for rid, (url, status) in seen.items()]


def _pages(world, context, lang):
    """The pages measured, as (name, path), for an applicant with every step filled."""
    application = world.draft("documents")
    base = f"/applications/{application.id}"
    return [("home", f"/?lang={lang}"), ("my files", "/applications/")] + [
        (step, f"{base}/{step}") for step in STEP_NAMES] + [("review", f"{base}/review")]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_are_light_on_first_and_later_visits(new_context, world, lang):
    world.open_call()
    figures, over, requests = [], [], []

    # Signed out: the home page, then the registration form, each with an empty cache.
    for name, path in [("home (signed out)", f"/?lang={lang}"), ("register", f"/account/register?lang={lang}")]:
        page = new_context().new_page()
        cold = transferred(page, path)
        warm = transferred(page, "/account/login")  # a later page of the same visit
        figures.append((name, cold, warm))
        page.context.close()

    # Signed in: each step of the application, first with an empty cache, then as a later page.
    signed_in = new_context()
    world.become("applicant", signed_in, lang)
    pages = _pages(world, signed_in, lang)
    warm_page = signed_in.new_page()
    transferred(warm_page, f"/?lang={lang}")  # the visit starts somewhere: the cache is warm from then on
    for name, path in pages:
        cold_context = new_context()
        world.sign_in(cold_context, world.user, lang)
        cold = transferred(cold_context.new_page(), path)
        cold_context.close()
        figures.append((name, cold, transferred(warm_page, path)))

    lines = [f"{'page (' + lang + ')':<24}{'first visit':>14}{'later visit':>14}   requests (first visit)"]
    for name, cold, warm in figures:
        cold_total, warm_total = sum(n for *_, n in cold), sum(n for *_, n in warm)
        lines.append(f"{name:<24}{cold_total:>12} B{warm_total:>12} B   "
                     + ", ".join(f"{re.sub(r'^https?://[^/]+', '', u)[:40]} {n}" for u, _, n in cold))
        if cold_total > FIRST_VISIT_BUDGET:
            over.append(f"{name}: first visit {cold_total} B > {FIRST_VISIT_BUDGET} B")
        if warm_total > LATER_VISIT_BUDGET:
            over.append(f"{name}: later visit {warm_total} B > {LATER_VISIT_BUDGET} B")
        requests += [u for u, *_ in cold + warm]
    report = "\n".join(lines)
    print("\n" + report)

    app_host = world.base_url.split("//")[1]
    foreign = sorted({u for u in requests if not u.startswith(("data:", f"http://{app_host}/"))})
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not over, "over budget:\n" + "\n".join(over) + "\n" + report
