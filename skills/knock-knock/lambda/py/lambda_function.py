"""Wise Guy: knock knock jokes, told one turn at a time (ask-sdk-core, decorator style).

The joke is a little state machine kept in the session attributes:

    Alexa: Knock knock.          state WAITING_WHO
    User:  Who's there?
    Alexa: Pasta.                state WAITING_SETUP_WHO
    User:  Pasta who?
    Alexa: <punchline> Another?  state WAITING_ANOTHER

Jokes are told in order, starting with the first one in each session, so a conversation is repeatable.
"""

import logging

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import get_slot, is_intent_name, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

SKILL_NAME = "Wise Guy"

WAITING_WHO = "WAITING_WHO"
WAITING_SETUP_WHO = "WAITING_SETUP_WHO"
WAITING_ANOTHER = "WAITING_ANOTHER"

# (slot value id, what I say after "who's there", the punchline as SSML)
JOKES = [
    (
        "PASTA",
        "Pasta",
        'Pasta salt, please. <break time="300ms"/> This soup <emphasis level="strong">really</emphasis> needs it.',
    ),
    (
        "WINDOW",
        "Window",
        'Window we eat? <break time="300ms"/> I have been standing out here <emphasis level="moderate">all afternoon</emphasis>.',
    ),
    (
        "KETCHUP",
        "Ketchup",
        'Ketchup with me! <break time="300ms"/> I have been chasing you <emphasis level="strong">all day</emphasis>.',
    ),
    (
        "THERMOS",
        "Thermos",
        'Thermos be a faster way in <break time="200ms"/> than knocking on this door <emphasis level="strong">all night</emphasis>.',
    ),
    (
        "TUNA",
        "Tuna",
        'Tuna guitar before you play it. <break time="300ms"/> <emphasis level="reduced">Please.</emphasis>',
    ),
    (
        "ALPACA",
        "Alpaca",
        'Alpaca the snacks, <break time="200ms"/> you bring the blankets, <break time="200ms"/> and we will have a picnic.',
    ),
    (
        "FIGS",
        "Figs",
        'Figs your doorbell <break time="300ms"/> and I will <emphasis level="strong">stop</emphasis> knocking!',
    ),
    ("BUTTER", "Butter", 'Butter let me in <break time="200ms"/> before the rain starts.'),
]

HELP = (
    "I tell knock knock jokes, and you play along. When I say knock knock, you say who's there. "
    "Then say the name I tell you, followed by who. Want a joke? Say, tell me a joke."
)


def _session(handler_input: HandlerInput) -> dict:
    return handler_input.attributes_manager.session_attributes


def _knock(handler_input: HandlerInput, preface: str = "") -> Response:
    """Start the next joke in the deck."""
    attributes = _session(handler_input)
    attributes["joke"] = attributes.get("next_joke", 0) % len(JOKES)
    attributes["next_joke"] = attributes["joke"] + 1
    attributes["state"] = WAITING_WHO
    return (
        handler_input.response_builder.speak(f"{preface}Knock knock.").ask("You say, who's there?").response
    )


sb = SkillBuilder()


@sb.request_handler(can_handle_func=is_request_type("LaunchRequest"))
def launch_request_handler(handler_input: HandlerInput) -> Response:
    return _knock(handler_input, preface='Welcome to wise guy. <break time="500ms"/> ')


@sb.request_handler(can_handle_func=is_intent_name("TellJokeIntent"))
def tell_joke_handler(handler_input: HandlerInput) -> Response:
    return _knock(handler_input)


@sb.request_handler(can_handle_func=is_intent_name("WhosThereIntent"))
def whos_there_handler(handler_input: HandlerInput) -> Response:
    attributes = _session(handler_input)
    builder = handler_input.response_builder
    if attributes.get("state") != WAITING_WHO:
        speech = "You have to let me say knock knock first. Say, tell me a joke."
        return builder.speak(speech).ask("Say, tell me a joke.").response
    _, setup, _ = JOKES[attributes["joke"]]
    attributes["state"] = WAITING_SETUP_WHO
    return builder.speak(f"{setup}.").ask(f"You say, {setup} who?").response


@sb.request_handler(can_handle_func=is_intent_name("SetupWhoIntent"))
def setup_who_handler(handler_input: HandlerInput) -> Response:
    attributes = _session(handler_input)
    builder = handler_input.response_builder
    if attributes.get("state") != WAITING_SETUP_WHO:
        speech = "Hold on, I have not told you who is at the door yet. Say, tell me a joke."
        return builder.speak(speech).ask("Say, tell me a joke.").response
    joke_id, setup, punchline = JOKES[attributes["joke"]]
    if _resolved_id(handler_input) != joke_id:
        speech = f"That is not who is at the door. It is {setup}. You say, {setup} who?"
        return builder.speak(speech).ask(f"You say, {setup} who?").response
    attributes["state"] = WAITING_ANOTHER
    speech = f'{punchline} <break time="1s"/> Do you want to hear another one?'
    card_text = f"Knock knock. Who's there? {setup}. {setup} who?"
    return (
        builder.speak(speech)
        .ask("Would you like another joke?")
        .set_card(SimpleCard(SKILL_NAME, card_text))
        .response
    )


@sb.request_handler(can_handle_func=is_intent_name("AMAZON.YesIntent"))
def yes_handler(handler_input: HandlerInput) -> Response:
    if _session(handler_input).get("state") == WAITING_ANOTHER:
        return _knock(handler_input, preface="Here goes. ")
    return _lost(handler_input)


@sb.request_handler(can_handle_func=is_intent_name("AMAZON.NoIntent"))
def no_handler(handler_input: HandlerInput) -> Response:
    if _session(handler_input).get("state") == WAITING_ANOTHER:
        speech = "Okay. Come back when you need a laugh."
        return handler_input.response_builder.speak(speech).set_should_end_session(True).response
    return _lost(handler_input)


@sb.request_handler(can_handle_func=is_intent_name("AMAZON.HelpIntent"))
def help_handler(handler_input: HandlerInput) -> Response:
    _session(handler_input)["state"] = None
    return handler_input.response_builder.speak(HELP).ask("Say, tell me a joke.").response


@sb.request_handler(
    can_handle_func=lambda hi: (
        is_intent_name("AMAZON.CancelIntent")(hi) or is_intent_name("AMAZON.StopIntent")(hi)
    )
)
def stop_handler(handler_input: HandlerInput) -> Response:
    return handler_input.response_builder.speak("Goodbye, wise guy.").set_should_end_session(True).response


@sb.request_handler(can_handle_func=is_intent_name("AMAZON.FallbackIntent"))
def fallback_handler(handler_input: HandlerInput) -> Response:
    return _lost(handler_input)


@sb.request_handler(can_handle_func=is_request_type("SessionEndedRequest"))
def session_ended_handler(handler_input: HandlerInput) -> Response:
    logger.info("Session ended: %s", getattr(handler_input.request_envelope.request, "reason", None))
    return handler_input.response_builder.response


@sb.exception_handler(can_handle_func=lambda hi, exception: True)
def all_exception_handler(handler_input: HandlerInput, exception: Exception) -> Response:
    logger.error("Request failed: %s", exception, exc_info=True)
    speech = "Sorry, I forgot the joke. Say, tell me a joke, to try again."
    return handler_input.response_builder.speak(speech).ask(speech).response


def _resolved_id(handler_input: HandlerInput) -> str | None:
    """The id the setup slot resolved to, or None when it did not match a setup word."""
    slot = get_slot(handler_input, "setup")
    if slot is None or slot.resolutions is None:
        return None
    for authority in slot.resolutions.resolutions_per_authority or []:
        if authority.status.code.value == "ER_SUCCESS_MATCH" and authority.values:
            return authority.values[0].value.id
    return None


def _lost(handler_input: HandlerInput) -> Response:
    """The user said something that does not fit where we are in the joke: say what fits."""
    attributes = _session(handler_input)
    state = attributes.get("state")
    if state == WAITING_WHO:
        speech = "Knock knock. You say, who's there?"
    elif state == WAITING_SETUP_WHO:
        _, setup, _ = JOKES[attributes["joke"]]
        speech = f"{setup}. You say, {setup} who?"
    elif state == WAITING_ANOTHER:
        speech = "Do you want to hear another joke? Say yes or no."
    else:
        speech = "Say, tell me a joke, and I will tell you one."
    return handler_input.response_builder.speak(speech).ask(speech).response


lambda_handler = sb.lambda_handler()
