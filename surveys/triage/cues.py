"""Ways of complaining that carry no angry word, read by the rules because they are rare in any
labelled data we could learn from (see benchmarks/README.md): chasing something still
outstanding ("any update on my refund?"), praise wrapped around a failure (sarcasm: "great,
another 3 hours on the tarmac") and the polite complaint ("unfortunately the lid was
cracked"). Each returns the words that showed it, for the reasons. Texts are lowercase, with
straight apostrophes."""

from __future__ import annotations

import re

# What a customer waits for from us.
_OUTSTANDING = (
    r"(?:refund|money|order|parcel|package|delivery|replacement|repair|claim|complaint|case|"
    r"ticket|booking|reservation|invoice|credit|voucher|compensation|reply|answer|response|"
    r"call ?back|callback|engineer|technician|account|application|request|query|email|letter|"
    r"item|items|bag|luggage|suitcase|flight|tracking)"
)

_CHASING = re.compile(
    r"\b(?:"
    r"any (?:news|update|updates|word|progress)\b[^.!?\n]{0,60}\?"
    r"|(?:is there )?(?:an|any) update\b"
    r"|where(?: is|'s| are) (?:my|our|the)\s+(?:\w+\s+){0,2}?" + _OUTSTANDING + r"\b"
    r"|when (?:will|can|do|does|should) (?:i|we|my|our|you|someone)\b[^.!?\n]{0,60}\?"
    r"|what(?: is|'s) happening with (?:my|our)\b"
    r"|how (?:much )?longer\b"
    r"|still (?:no|not|nothing|haven't|hasn't|have not|has not|waiting|no sign|no word)\b"
    r"|(?:yet|still) to (?:receive|hear|get)\b"
    r"|(?:haven't|have not|hasn't|has not|never) (?:heard|had) (?:back|anything|a reply|an answer)"
    r"|(?:no one|nobody|no-one) (?:has|have|had|ever)? ?(?:called|replied|answered|responded|"
    r"got back|come back|been in touch|contacted)"
    r"|(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time "
    r"(?:i(?:'ve| have)? |we(?:'ve| have)? )?"
    r"(?:asked|written|called|rung|emailed|chased|contacted|complained|tried)"
    r"|(?:chasing|following up on|follow up on) (?:my|our|this|the)\b"
    r"|it(?:'s| has| is) been (?:\d+|two|three|four|five|six|several|many|a few) "
    r"(?:days|weeks|months)\b"
    r"|(?:is|does) (?:anyone|anybody|someone) (?:actually |even |ever )?(?:read|reading|listen|"
    r"listening|there|answer|answering|care)\b"
    r")"
)

_PRAISE = r"(?:great|perfect|wonderful|fantastic|brilliant|lovely|awesome|excellent|nice|superb|"
_PRAISE += r"amazing|thanks|thank you|cheers|love it|just what i needed|well done|good job|"
_PRAISE += r"great job|bravo|genius|fabulous|marvellous|marvelous)"
# Praise opening a clause that goes on to "another" or "again": sarcasm only when the text also
# states a failure or a wait ("great, will buy again" is praise).
_SARCASM_OPENING = re.compile(
    r"(?:^|[.!?]\s*|\boh\s+|\byeah\s+|\bjust\s+|\bso\s+)" + _PRAISE + r"\b[,!.\s]+"
    r"(?:\w+\s+){0,3}?(?:another|again|yet another)\b"
)
# Sarcasm whatever else the text says.
_SARCASM = re.compile(
    r"\bthanks? (?:you )?for nothing\b|\byeah,? right\b|\bso much for\b"
    r"|\b(?:love|loving|enjoy|enjoying) (?:being|waiting|sitting|spending|paying|getting)\b"
    r"[^.!?\n]{0,40}\b(?:hold|queue|hours?|minutes|days|weeks|again|twice|charged|cancelled)\b"
    r"|\bthanks? (?:a lot|so much|again)?,? (?:\w+ ){0,2}(?:for|to) (?:ruining|losing|cancelling|"
    r"wasting|breaking|ignoring|overcharging|charging)\b"
)

_POLITE = re.compile(
    r"\b(?:unfortunately|sadly|regrettably|i'm afraid|i am afraid|i was hoping|i had hoped|"
    r"we had hoped|i expected|we expected|i'm disappointed|i am disappointed|a bit disappointed|"
    r"rather disappointed|quite disappointed|a little disappointed|not as described|"
    r"not what i (?:ordered|expected|paid for)|not quite (?:right|what)|was supposed to|"
    r"were supposed to|should have (?:been|arrived|come|had)|would appreciate|i'd appreciate|"
    r"could you (?:please )?look into|please look into|please could (?:you|someone)|"
    r"i'd be grateful|i would be grateful|not happy|less than ideal|not ideal|fell short|"
    r"below (?:par|expectations|standard)|i've been charged twice|charged twice|double charged)\b"
)


# A question asking why something went wrong, or why we have not done something, is a complaint
# put as a question ("why was my booking cancelled?"); "why" asked of a product is not.
_WHY = re.compile(
    r"\b(?:why|how come)\b(?:(?! (?:is it|are they|do you recommend)\b)[^.!?\n]){3,80}"
    r"\b(?:not|no|never|n't|still|again|so long|take|taking|took|cancel\w*|charg\w*|chang\w*|"
    r"went up|go up|increase\w*|refus\w*|return\w*|lost|late|wrong|missing|closed|moved|"
    r"removed|ignor\w*|wait\w*)\b[^.!?\n]{0,60}\?"
    r"|\b(?:kindly |please )?(?:advise|explain|tell me) why\b"
)


_ALL = re.compile(
    "|".join(
        f"(?P<{name}>{pattern.pattern})"
        for name, pattern in (
            ("chasing", _CHASING),
            ("why", _WHY),
            ("polite", _POLITE),
            ("sarcasm", _SARCASM),
        )
    )
)


def read(text: str, trouble: bool) -> dict[str, list[str]]:
    """The cues in one pass: "chasing" (chasing what is outstanding, or asking why it went
    wrong), "sarcasm" and "polite". `trouble` says whether the text states a failure or a
    wait, which turns praise before "another" or "again" into sarcasm."""
    found: dict[str, list[str]] = {"chasing": [], "sarcasm": [], "polite": []}
    for match in _ALL.finditer(text):
        name = match.lastgroup
        _add(found["chasing" if name == "why" else name], match)
    if trouble or found["chasing"]:
        for match in _SARCASM_OPENING.finditer(text):
            _add(found["sarcasm"], match)
    return found


def _add(bucket: list[str], match: re.Match) -> None:
    phrase = " ".join(match.group(0).strip(" ,.!?").split())
    if phrase and phrase not in bucket:
        bucket.append(phrase)
