"""An OpenAPI-driven fuzz run: every operation /openapi.json describes is called with inputs schemathesis
generates from that description (inputs the schema accepts, inputs it refuses, and its documented examples),
against the app in process, signed in as an admin and not signed in at all. No answer may be a 5xx: bad
input is the client's problem (4xx), never a traceback.

The run is bounded and reproducible: a fixed number of examples per operation, inputs derived from the test's
own code rather than from a random seed (``derandomize``), and a fresh data directory for each operation.
"""
from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from advocacy.alerts import add_alert
from advocacy.nlp import load_taxonomy
from tests.web.conftest import CORPUS, PASSWORD, build, fill_index, make_app, make_settings

# Every operation of /openapi.json. Written out so that each one is a test of its own (and can carry its own
# mark); test_every_operation_is_fuzzed fails when a route is added without being listed here.
OPERATIONS = [
    ("GET", "/healthz"),
    ("GET", "/api/search"),
    ("GET", "/api/articles/{article_id}"),
    ("GET", "/api/articles/{article_id}/similar"),
    ("POST", "/api/articles/{article_id}/themes/{theme}"),
    ("GET", "/api/saved-searches"),
    ("POST", "/api/saved-searches"),
    ("DELETE", "/api/saved-searches/{name}"),
    ("GET", "/api/sources"),
    ("GET", "/api/stats/{report}"),
    ("POST", "/api/briefs"),
    ("GET", "/api/tokens"),
    ("POST", "/api/tokens"),
    ("DELETE", "/api/tokens/{token_id}"),
    ("GET", "/api/users"),
    ("POST", "/api/users"),
    ("PATCH", "/api/users/{username}"),
    ("DELETE", "/api/users/{username}"),
]
# Examples per operation and kind of input, signed in as an admin; without signing in every /api route stops
# at the credentials, so fewer say as much.
ADMIN_EXAMPLES = 25
ANONYMOUS_EXAMPLES = 10
# (method, path, who): why it answers 5xx. Each entry is a known bug, marked xfail(strict=True) so that the
# suite stays green until it is fixed, and fails as soon as it is.
KNOWN_SERVER_ERRORS: dict[tuple[str, str, str], str] = {}

ADMIN = "fuzz-admin"
VIEWER = "fuzz-viewer"
SAVED_SEARCH = "health-oujda"


def cases_of(method: str, path: str):
    params = []
    for who in ("admin", "anonymous"):
        reason = KNOWN_SERVER_ERRORS.get((method, path, who))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(method, path, who, marks=marks, id=f"{method} {path} {who}"))
    return params


class Fuzzed:
    """A fresh data directory with the web tests' small index, its app, and an admin's API token."""

    def __init__(self, data_dir):
        fill_index(data_dir)
        self.app = make_app(make_settings(data_dir))
        self.accounts = self.app.state.accounts
        self.accounts.add_user(ADMIN, PASSWORD, role="admin")
        self.accounts.add_user(VIEWER, PASSWORD, role="viewer")
        self.secret, admin_token = self.accounts.add_token(ADMIN, "fuzz")
        _, viewer_token = self.accounts.add_token(VIEWER, "spreadsheet")
        settings = self.app.state.settings
        add_alert(settings, SAVED_SEARCH, "theme:health AND (Oujda OR Wajda)")
        # Values that exist, for the path parameters: random text never names an article, a user or a token,
        # so without them the routes would only ever be fuzzed as far as their 404. The admin is among the
        # users: while it is the only one it must not be demoted, disabled or removed, which is worth fuzzing.
        self.known = {
            "article_id": [build(slug).id for slug in CORPUS],
            "theme": [theme.key for theme in load_taxonomy(settings.path_or_none("nlp", "themes_file"))],
            "username": [ADMIN, VIEWER],
            "name": [SAVED_SEARCH],
            "token_id": [admin_token.id, viewer_token.id],
        }
        self.schema = schemathesis.openapi.from_asgi("/openapi.json", self.app)

    def admin_headers(self) -> dict[str, str]:
        """The admin's bearer token, so that every example reaches past the credentials and the role check.
        Fuzzed calls may take either away, as they are allowed to: revoke the token (DELETE /api/tokens/{id}
        with a small id), or make the viewer an admin and then demote, disable or remove this one. Both are
        put back here."""
        user = self.accounts.get_user(ADMIN)
        if user is None:
            self.accounts.add_user(ADMIN, PASSWORD, role="admin")
            self.secret = ""
        elif user.role != "admin" or user.disabled:
            self.accounts.update_user(ADMIN, role="admin", disabled=False)
        if not self.secret or self.accounts.user_for_token(self.secret) is None:
            self.secret, _ = self.accounts.add_token(ADMIN, f"fuzz {len(self.accounts.tokens(ADMIN))}")
        return {"Authorization": f"Bearer {self.secret}"}


def brief_without_pdf(case):
    """A PDF is the Word brief converted by LibreOffice, seconds per call; the Word brief it starts from is
    fuzzed all the same, so generated PDF requests are asked as Word instead."""
    if isinstance(case.body, dict) and case.body.get("format") == "pdf":
        case.body = {**case.body, "format": "docx"}
    return case


def strategy(fuzzed: Fuzzed, method: str, path: str, mode: GenerationMode):
    operation = fuzzed.schema[path][method]
    found = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        # The documented examples (template "policy-paper", query "theme:health AND (Oujda OR Wajda)") and
        # existing articles, users and tokens reach deeper than random text, which most routes refuse at
        # their first check.
        known = {parameter.name: st.sampled_from(fuzzed.known[parameter.name])
                 for parameter in operation.path_parameters if parameter.name in fuzzed.known}
        extra = list(fuzzed.schema.get_strategies_from_examples(operation))
        if known:
            extra.append(st.fixed_dictionaries(known).flatmap(
                lambda fixed: operation.as_strategy(generation_mode=mode, path_parameters=fixed)))
        found = st.one_of(found, *extra)
    return found.map(brief_without_pdf) if path == "/api/briefs" else found


def test_every_operation_is_fuzzed(tmp_path):
    schema = Fuzzed(tmp_path).schema.raw_schema
    described = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert described == set(OPERATIONS)


@pytest.mark.parametrize("method, path, who", [param for operation in OPERATIONS for param in cases_of(*operation)])
def test_no_server_error(tmp_path, method, path, who):
    fuzzed = Fuzzed(tmp_path)
    statuses: Counter = Counter()
    examples = ADMIN_EXAMPLES if who == "admin" else ANONYMOUS_EXAMPLES

    operation = fuzzed.schema[path][method]
    # An operation that takes nothing (/healthz) has no input to get wrong.
    takes_input = any(True for _ in operation.iter_parameters()) or bool(operation.body)
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if takes_input else (GenerationMode.POSITIVE,)
    for mode in modes:
        # Health checks judge how fast and how big the generated inputs are, not the app; shrinking stays on,
        # so that a failure is reported with the smallest input that causes it.
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
        @given(case=strategy(fuzzed, method, path, mode))
        def call(case):
            # Without signing in, the generated Authorization header and session cookie (random text, since
            # the schema declares both) are sent as they are.
            headers = fuzzed.admin_headers() if who == "admin" else None
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            statuses[response.status_code] += 1

        call()

    # Shown with -rP: how far the generated inputs got (a 2xx means past every check of the route).
    print(f"{method} {path} as {who}: " + ", ".join(f"{n}× {status}" for status, n in sorted(statuses.items())))
    assert sum(statuses.values()) > 0
    if who == "anonymous" and path != "/healthz":
        # Refused for want of credentials, or before that for a request that cannot be read or routed.
        assert set(statuses) <= {400, 401, 404, 405}, statuses
