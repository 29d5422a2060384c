"""Everything the guided escalation says, in one table (to be translated; Korean is next).

Placeholders are str.format fields. Cards' own labels (buttons, fact titles) are in cards/escalation.py.
"""

from __future__ import annotations

WORDING: dict[str, str] = {
    "heading": "File a service request",
    "heading_for": "File a service request · {customer}",
    "progress": "Question {number} · type 'back', 'cancel' or 'help' at any time",
    "hint_choice": "Press a button, or type its name, the start of it, or its number.",
    "hint_text": "Type your answer.",
    # questions
    "ask_customer": "Which customer is this for? Type their name, domain or tenant id.",
    "ask_product": "Which product is affected?",
    "ask_product_suggested": "Which product is affected? {product} is suggested by the incident's service.",
    "ask_topic": "Which {product} topic fits best?",
    "ask_severity": "How severe is it?",
    "severity_line": "{label}: {meaning} Microsoft's first response: within {first_response}.",
    "ask_title": "A short title for the request (at most {limit} characters).",
    "ask_description": "Describe the problem: what happens, since when, who is affected "
    "(at most {limit} characters).",
    "suggested": "Suggested: {value}",
    "use_suggestion": "Use the suggestion",
    "ask_contact": "Who should Microsoft contact? Type a name and an email address, like "
    "'Ana Bowman ana@contoso.com', or just the email address.",
    "contact_default": "Keep {name} ({email})",
    "ask_phone": "A phone number for Microsoft to call (optional).",
    "skip": "Skip",
    "guard_question": "Microsoft is already working on an incident on this service for {customer}. "
    "File a request anyway, or follow the incident?",
    "resume_offer": "You were filing a service request for {customer}. Pick up where you left off?",
    "resume": "Resume",
    # help, per step
    "help_customer": "I need the customer the request is for. A name, part of it, a domain or a "
    "tenant id works.",
    "help_product": "Pick the Microsoft product the problem is in; the topics come next.",
    "help_topic": "Pick the topic closest to the problem; Microsoft routes the request by it.",
    "help_guard": "An active incident may already explain the problem. Filing anyway is fine if it doesn't.",
    "help_severity": "Critical means the business can't run; pick it only when that's true, Microsoft "
    "will expect someone to be reachable around the clock.",
    "help_title": "One line that says what is broken, like 'Users can't open mailboxes in "
    "Outlook on the web'.",
    "help_description": "Everything Microsoft needs to start: the symptoms, error messages, when it "
    "began, how many users, what you tried.",
    "help_contact": "The person Microsoft contacts about this request. It defaults to you.",
    "help_phone": "Optional. Digits, spaces, + ( ) - . / are fine. Press Skip to leave it out.",
    "help_summary": "Press Submit to file the request, or Edit next to a field to change it.",
    "help_footer": "'back' goes one question back, 'cancel' stops without filing. Your answers "
    "so far are kept.",
    # problems
    "empty": "That answer was empty.",
    "too_long": "That's {length} characters; the limit is {limit}.",
    "bad_email": "'{value}' isn't an email address I can use.",
    "bad_phone": "'{value}' isn't a phone number (digits, spaces and + ( ) - . / only, 6 to 20 of them).",
    "unknown_choice": "'{value}' isn't one of the choices.",
    "ambiguous_choice": "'{value}' fits more than one choice: {matches}.",
    "unknown_topic": "That topic isn't in the support catalogue.",
    "unknown_customer": "That customer isn't in your customer list.",
    "three_misses": "That's three tries. Type 'cancel' to stop without filing, or 'help' for this question.",
    "first_question": "This is the first question; there is nothing to go back to.",
    # outcomes
    "cancelled": "Cancelled. Nothing was filed.",
    "followed": "Nothing was filed. Here is the incident to follow:",
    "already_filed": "Already filed as {number}.",
    "stale_card": "That card belongs to a service request that has ended or was started by someone else. "
    "Type 'escalate' to start your own.",
    "already_running": "You're already filing a service request. Finish it or type 'cancel' first.",
    "filing_failed_title": "The request wasn't filed",
    "filing_failed": "Microsoft's service didn't accept it in time. Nothing was filed twice; press Try "
    "again to retry the same request.",
    # summary field labels
    "field_customer": "Customer",
    "field_product": "Product",
    "field_topic": "Topic",
    "field_severity": "Severity",
    "field_title": "Title",
    "field_description": "Description",
    "field_contact": "Primary contact",
    "field_phone": "Phone",
    # description pre-filled from an incident
    "incident_description": "Related Microsoft incident {id}: {title}\nImpact: {impact}\nStarted: {start}\n"
    "Latest update: {post}",
    "incident_title": "{id}: {title}",
    # service request commands
    "link_usage": "Link a handed-off request like this: link <reference> <SR number>, for example "
    "'link E2611240010000001 2611240010000007'.",
    "note_usage": "Add a note like this: note <SR number> <text>.",
    "note_added": "Note added to {number}.",
    "which_request": "Which request? Give its number, for example 'request 2611240010000001'. "
    "'requests' lists recent ones.",
}


def say(key: str, **values: object) -> str:
    return WORDING[key].format(**values)
