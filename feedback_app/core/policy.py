"""Who may do what, written down once: every page and every API operation, for every role.

The tables below are the access policy. `feedback_app.middleware.AccessPolicyMiddleware` applies
`PAGES` to every request for a page before its view runs, and
`feedback_app.core.api.permissions.PolicyPermission` applies `API` to every API call; a page or an
operation with no row is refused, and the tests in `tests/project/test_policy.py` enumerate the
URL conf and the OpenAPI schema so that a new one without a row fails CI. The README's role
table is printed from here (`manage.py access_policy`).

Roles are the staff roles of `feedback_app.core.roles` plus two that never log in: anyone
(`anonymous`) and a customer holding their own link (`customer`). A page that needs the
customer's link answers the link's own honest pages (not valid, expired) to everyone else.
"""

from dataclasses import dataclass, field

from feedback_app.core.roles import user_roles

ANONYMOUS = "anonymous"
CUSTOMER = "customer"
INTEGRATION = "integration"
AGENT = "agent"
MANAGER = "manager"
ADMIN = "admin"
ROLE_ORDER = (ANONYMOUS, CUSTOMER, INTEGRATION, AGENT, MANAGER, ADMIN)
ROLE_TITLES = {
    ANONYMOUS: "anonymous",
    CUSTOMER: "customer link",
    INTEGRATION: "integration",
    AGENT: "agent",
    MANAGER: "manager",
    ADMIN: "administrator",
}

NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(ROLE_ORDER)
LINK_HOLDER = frozenset({CUSTOMER})
STAFF = frozenset({AGENT, MANAGER, ADMIN})
MANAGERS = frozenset({MANAGER, ADMIN})
ADMINS = frozenset({ADMIN})
API_USERS = STAFF | {INTEGRATION}
# Machines send what happened and what customers said; managers may do the same by hand.
SENDERS = frozenset({INTEGRATION, MANAGER, ADMIN})


@dataclass(frozen=True)
class Page:
    """A web page: who may open it (GET, HEAD) and who may post to it.

    `actions` narrows posts by the `step` in the URL: approving restitution is a manager's, say.
    """

    read: frozenset[str]
    write: frozenset[str] = NOBODY
    actions: dict[str, frozenset[str]] = field(default_factory=dict)
    note: str = ""

    def allows(self, role_set: frozenset[str], method: str, action: str = "") -> bool:
        if method in ("GET", "HEAD", "OPTIONS"):
            return bool(role_set & self.read)
        allowed = self.actions.get(action, self.write)
        return bool(role_set & allowed)


PAGES: dict[str, Page] = {
    # Customers' pages
    "public-home": Page(EVERYONE),
    "complaint": Page(EVERYONE, EVERYONE, note="rate-limited per address"),
    "we-did": Page(EVERYONE),
    "set_language": Page(NOBODY, EVERYONE, note="the language switcher: a cookie, nothing stored"),
    "survey-public": Page(EVERYONE, EVERYONE, note="a survey's kiosk link; rate-limited"),
    "survey-answer": Page(LINK_HOLDER, LINK_HOLDER, note="the invitation's own link"),
    "survey-short": Page(
        LINK_HOLDER, LINK_HOLDER, note="a text's short link to its invitation; rate-limited"
    ),
    "preferences": Page(LINK_HOLDER, LINK_HOLDER, note="the customer's own link"),
    "unsubscribe": Page(LINK_HOLDER, LINK_HOLDER, note="the customer's own link"),
    "case": Page(LINK_HOLDER, LINK_HOLDER, note="the case's own link; replies rate-limited"),
    # Signing in (integration accounts are refused: they are for the API)
    "login": Page(EVERYONE, EVERYONE, note="integration accounts cannot sign in"),
    "logout": Page(EVERYONE, EVERYONE),
    "password_change": Page(STAFF, STAFF),
    "password_change_done": Page(STAFF),
    "password_reset": Page(EVERYONE, EVERYONE, note="rate-limited per address and per account"),
    "password_reset_done": Page(EVERYONE),
    "password_reset_confirm": Page(EVERYONE, EVERYONE),
    "password_reset_complete": Page(EVERYONE),
    # Staff pages
    "staff:home": Page(STAFF, STAFF, note="say whether you take new tickets"),
    "customers:list": Page(STAFF),
    "customers:detail": Page(STAFF, STAFF, note="edit profile, add identity, consent"),
    "customers:merge": Page(MANAGERS, MANAGERS),
    "customers:export": Page(MANAGERS),
    "customers:erase": Page(MANAGERS, MANAGERS),
    "customers:attachment": Page(STAFF, note="a customer's photo or file; never public"),
    "surveys:list": Page(STAFF),
    "surveys:create": Page(MANAGERS, MANAGERS),
    "surveys:detail": Page(STAFF, MANAGERS, note="adding a question: managers"),
    "surveys:edit": Page(MANAGERS, MANAGERS),
    "surveys:action": Page(NOBODY, MANAGERS, note="publish, close, copy"),
    "surveys:preview": Page(STAFF),
    "surveys:translations": Page(MANAGERS, MANAGERS, note="its texts in each language"),
    "surveys:question": Page(MANAGERS, MANAGERS),
    "surveys:response": Page(STAFF),
    "surveys:feedback": Page(STAFF),
    "surveys:complaint": Page(STAFF),
    "surveys:import-template": Page(MANAGERS),
    "surveys:imports": Page(MANAGERS, MANAGERS),
    "surveys:import": Page(MANAGERS, MANAGERS, note="resume a stopped import"),
    "surveys:rules": Page(STAFF),
    "surveys:rule-create": Page(MANAGERS, MANAGERS),
    "surveys:rule-edit": Page(MANAGERS, MANAGERS),
    "recovery:queue": Page(STAFF, STAFF, note="bulk assign and close"),
    "recovery:create": Page(STAFF, STAFF),
    "recovery:ticket": Page(STAFF),
    "recovery:ticket-step": Page(
        NOBODY,
        STAFF,
        actions={"approve-restitution": MANAGERS, "skip": MANAGERS},
        note="one URL per step, notes, assignment; approving and skipping: managers",
    ),
    "recovery:ticket-draft": Page(NOBODY, STAFF, note="live preview of a message; stores nothing"),
    "recovery:approvals": Page(MANAGERS),
    "recovery:notices": Page(STAFF, STAFF, note="each person's own; mark read, e-mail choice"),
    "recovery:settings": Page(MANAGERS, MANAGERS),
    "recovery:canned-edit": Page(MANAGERS, MANAGERS, note="its text in each language"),
    "recovery:improvements": Page(STAFF),
    "recovery:improvement-create": Page(MANAGERS, MANAGERS),
    "recovery:improvement": Page(STAFF, MANAGERS, note="link, ship, decline: managers"),
    "recovery:improvement-edit": Page(MANAGERS, MANAGERS),
    "recovery:loop-report": Page(MANAGERS),
    "recovery:dashboard": Page(MANAGERS),
    "recovery:standard-create": Page(MANAGERS, MANAGERS),
    "recovery:standard-edit": Page(MANAGERS, MANAGERS),
    "recovery:mystery-visit": Page(MANAGERS, MANAGERS),
    "sms-status": Page(NOBODY, EVERYONE, note="the text gateway's receipts; its signature decides"),
    "sms-incoming": Page(NOBODY, EVERYONE, note="texts customers send; the gateway's signature"),
    "webhooks:list": Page(MANAGERS),
    "webhooks:create": Page(MANAGERS, MANAGERS),
    "webhooks:edit": Page(MANAGERS, MANAGERS, note="save, test event, new secret, replay, delete"),
    # API documentation (the API itself is the table below)
    "api-schema": Page(EVERYONE),
    "api-docs": Page(EVERYONE),
    "api-redoc": Page(EVERYONE),
}

# The Django admin: one row for all of it. Inside, each model's add/change/delete permission
# (from the role table in roles.py) decides; its login page is open so it can say no.
ADMIN_SITE = Page(MANAGERS, MANAGERS, note="each model by the role's permissions")
ADMIN_OPEN = {"admin:login", "admin:logout", "admin:jsi18n"}


def page_rule(view_name: str | None) -> Page | None:
    """The row for a resolved view name; None when the page has none (it is then refused)."""
    if not view_name:
        return None
    if view_name in PAGES:
        return PAGES[view_name]
    if view_name.startswith("admin:"):
        return Page(EVERYONE, EVERYONE) if view_name in ADMIN_OPEN else ADMIN_SITE
    return None


# API operations, by `<basename>.<action>` of their viewset (or `<policy_name>.<method>` of a
# plain API view). Customers and anonymous callers reach none of them.
API: dict[str, frozenset[str]] = {
    "api-root.get": API_USERS,
    # Customers: an integration may resolve a profile (never attach to an existing one) but
    # reads nobody's profile.
    "customer.list": STAFF,
    "customer.retrieve": STAFF,
    "customer.timeline": STAFF,
    "customer.create": API_USERS,
    "customer.partial_update": STAFF,
    "customer.identities": STAFF,
    "customer.export": MANAGERS,
    "customer.merge": MANAGERS,
    # Intake: an integration reads back only what it sent itself.
    "event.list": API_USERS,
    "event.retrieve": API_USERS,
    "event.create": SENDERS,
    "response.list": API_USERS,
    "response.retrieve": API_USERS,
    "response.create": SENDERS,
    "complaint.list": API_USERS,
    "complaint.retrieve": API_USERS,
    "complaint.create": SENDERS,
    "complaint.receipt": SENDERS,  # its own receipts only (the key is scoped to the sender)
    # Surveys: read by all staff and integrations (to answer them), built by managers.
    "survey.list": API_USERS,
    "survey.retrieve": API_USERS,
    "survey.create": MANAGERS,
    "survey.partial_update": MANAGERS,
    "survey.publish": MANAGERS,
    "survey.close": MANAGERS,
    "survey.copy": MANAGERS,
    "question.list": API_USERS,
    "question.retrieve": API_USERS,
    "question.create": MANAGERS,
    "question.update": MANAGERS,
    "question.partial_update": MANAGERS,
    "question.destroy": MANAGERS,
    "triggerrule.list": STAFF,
    "triggerrule.retrieve": STAFF,
    "triggerrule.create": MANAGERS,
    "triggerrule.update": MANAGERS,
    "triggerrule.partial_update": MANAGERS,
    "triggerrule.destroy": MANAGERS,
    "invitation.list": STAFF,
    "invitation.retrieve": STAFF,
    # Recovery
    "ticket.list": STAFF,
    "ticket.retrieve": STAFF,
    "ticket.create": STAFF,
    "ticket.apologise": STAFF,
    "ticket.reassure": STAFF,
    "ticket.offer_restitution": STAFF,
    "ticket.approve_restitution": MANAGERS,
    "ticket.withdraw_restitution": STAFF,
    "ticket.resolve": STAFF,
    "ticket.send_follow_up": STAFF,
    "ticket.reopen": STAFF,
    "ticket.close": STAFF,
    "ticket.skip": MANAGERS,
    "ticket.assign": STAFF,
    "ticket.notes": STAFF,
    "ticket.reply": STAFF,
    "ticket.messages": STAFF,
    "ticketevent.list": STAFF,
    "ticketevent.retrieve": STAFF,
    "restitution.list": STAFF,
    "restitution.retrieve": STAFF,
    "improvement.list": STAFF,
    "improvement.retrieve": STAFF,
    "improvement.deliveries": STAFF,
    "improvement.create": MANAGERS,
    "improvement.partial_update": MANAGERS,
    "improvement.link": MANAGERS,
    "improvement.ship": MANAGERS,
    "improvement.decline": MANAGERS,
    # Webhook endpoints: managers, as on the staff pages (integrations do not register their own)
    "webhook.list": MANAGERS,
    "webhook.retrieve": MANAGERS,
    "webhook.create": MANAGERS,
    "webhook.partial_update": MANAGERS,
    "webhook.destroy": MANAGERS,
    "webhook.rotate_secret": MANAGERS,
    "webhook.send_test": MANAGERS,
    "webhook.deliveries": MANAGERS,
    "report.get": MANAGERS,
}


def api_key(view, method: str) -> str:
    """The API table's key for a view about to handle `method`."""
    basename = getattr(view, "basename", None)
    if basename is not None:
        # By the method, not view.action: DRF's OPTIONS metadata asks about each method in turn.
        action = getattr(view, "action_map", {}).get(method.lower()) or getattr(view, "action", "")
        return f"{basename}.{action or method.lower()}"
    return f"{getattr(view, 'policy_name', type(view).__name__)}.{method.lower()}"


def api_allows(role_set: frozenset[str], key: str) -> bool:
    return bool(role_set & API.get(key, NOBODY))


def roles_of(user) -> frozenset[str]:
    """The policy roles of a signed-in user (or `anonymous`); `customer` is never a login."""
    return user_roles(user) or frozenset({ANONYMOUS})
