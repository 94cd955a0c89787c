"""High Low Game: guess a number between 1 and 100 (ask-sdk-core, class-based handlers).

Session attributes hold the game in play (``state``, ``number``, ``guesses``); persistent attributes, kept in
DynamoDB, hold ``games_played`` and ``best_score`` (the fewest guesses it took to win).
"""

import logging
import random

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
    AbstractResponseInterceptor,
)
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import get_slot_value, is_intent_name, is_request_type
from ask_sdk_dynamodb.adapter import DynamoDbAdapter
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

SKILL_NAME = "High Low Game"
LOWEST, HIGHEST = 1, 100
PLAYING = "PLAYING"
ASKED_TO_PLAY = "ASKED_TO_PLAY"


def _session(handler_input: HandlerInput) -> dict:
    return handler_input.attributes_manager.session_attributes


def _stats(handler_input: HandlerInput) -> dict:
    stats = handler_input.attributes_manager.persistent_attributes
    stats.setdefault("games_played", 0)
    stats.setdefault("best_score", None)
    return stats


def _playing(handler_input: HandlerInput) -> bool:
    return _session(handler_input).get("state") == PLAYING


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        stats = _stats(handler_input)
        _session(handler_input)["state"] = ASKED_TO_PLAY
        played = stats["games_played"]
        if played == 0:
            history = "Welcome to the high low game."
        elif played == 1:
            history = "Welcome back. You have played once."
        else:
            history = f"Welcome back. You have played {played} times."
        speech = f"{history} Would you like to play?"
        return (
            handler_input.response_builder.speak(speech)
            .ask("Say yes to start the game, or no to quit.")
            .response
        )


class YesIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return not _playing(handler_input) and is_intent_name("AMAZON.YesIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = _session(handler_input)
        attributes["state"] = PLAYING
        attributes["number"] = random.randint(LOWEST, HIGHEST)
        attributes["guesses"] = 0
        speech = f"Great! I am thinking of a number between {LOWEST} and {HIGHEST}. Try saying a number."
        return handler_input.response_builder.speak(speech).ask("Try saying a number.").response


class NoIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return not _playing(handler_input) and is_intent_name("AMAZON.NoIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Okay, see you next time!"
        return handler_input.response_builder.speak(speech).set_should_end_session(True).response


class NumberGuessIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return _playing(handler_input) and is_intent_name("NumberGuessIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        attributes = _session(handler_input)
        builder = handler_input.response_builder
        spoken = get_slot_value(handler_input, "number")
        try:
            guess = int(spoken)
        except (TypeError, ValueError):
            speech = "Sorry, I did not catch a number. Try saying a number."
            return builder.speak(speech).ask("Try saying a number.").response

        attributes["guesses"] += 1
        target = attributes["number"]
        if guess < target:
            return builder.speak(f"{guess} is too low. Go higher.").ask("Try a higher number.").response
        if guess > target:
            return builder.speak(f"{guess} is too high. Go lower.").ask("Try a lower number.").response

        guesses = attributes["guesses"]
        stats = _stats(handler_input)
        stats["games_played"] += 1
        record = stats["best_score"] is None or guesses < stats["best_score"]
        if record:
            stats["best_score"] = guesses
        handler_input.attributes_manager.save_persistent_attributes()

        attributes["state"] = ASKED_TO_PLAY
        attributes.pop("number")
        tries = "guess" if guesses == 1 else "guesses"
        speech = f"{guess} is correct! You got it in {guesses} {tries}."
        if record:
            speech += " That is your best score yet."
        speech += " Would you like to play again?"
        card = f"You found {guess} in {guesses} {tries}. Games played: {stats['games_played']}."
        return (
            builder.speak(speech)
            .ask("Say yes to play again, or no to quit.")
            .set_card(SimpleCard(SKILL_NAME, card))
            .response
        )


class StatsIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("StatsIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        stats = _stats(handler_input)
        if stats["best_score"] is None:
            speech = "You have not won a game yet."
        else:
            played = stats["games_played"]
            games = "game" if played == 1 else "games"
            speech = f"You have played {played} {games}. Your best score is {stats['best_score']} guesses."
        follow = "Try saying a number." if _playing(handler_input) else "Would you like to play?"
        return handler_input.response_builder.speak(f"{speech} {follow}").ask(follow).response


class HelpIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = (
            f"I am thinking of a number between {LOWEST} and {HIGHEST}, and you try to guess it. "
            "I will tell you if it is higher or lower."
        )
        follow = "Try saying a number." if _playing(handler_input) else "Would you like to play?"
        return handler_input.response_builder.speak(f"{speech} {follow}").ask(follow).response


class CancelOrStopIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.CancelIntent")(handler_input) or is_intent_name("AMAZON.StopIntent")(
            handler_input
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return (
            handler_input.response_builder.speak("Thanks for playing!").set_should_end_session(True).response
        )


class UnexpectedInputHandler(AbstractRequestHandler):
    """Fallback, a guess outside a game, or yes/no during one."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        if _playing(handler_input):
            speech = "Sorry, I did not get that. Try saying a number."
            reprompt = "Try saying a number."
        else:
            speech = "Sorry, I did not get that. Say yes to start a new game, or no to quit."
            reprompt = "Say yes to start a new game, or no to quit."
        return handler_input.response_builder.speak(speech).ask(reprompt).response


class SessionEndedRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        logger.info("Session ended: %s", getattr(handler_input.request_envelope.request, "reason", None))
        return handler_input.response_builder.response


class LogResponseInterceptor(AbstractResponseInterceptor):
    def process(self, handler_input: HandlerInput, response: Response) -> None:
        logger.info("Response: %s", response)


class CatchAllExceptionHandler(AbstractExceptionHandler):
    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        logger.error("Request failed: %s", exception, exc_info=True)
        speech = "Sorry, I can't understand that. Please say it again."
        return handler_input.response_builder.speak(speech).ask(speech).response


sb = CustomSkillBuilder(persistence_adapter=DynamoDbAdapter(table_name="high-low", create_table=True))
sb.add_request_handler(LaunchRequestHandler())
sb.add_request_handler(YesIntentHandler())
sb.add_request_handler(NoIntentHandler())
sb.add_request_handler(NumberGuessIntentHandler())
sb.add_request_handler(StatsIntentHandler())
sb.add_request_handler(HelpIntentHandler())
sb.add_request_handler(CancelOrStopIntentHandler())
sb.add_request_handler(SessionEndedRequestHandler())
sb.add_request_handler(UnexpectedInputHandler())
sb.add_global_response_interceptor(LogResponseInterceptor())
sb.add_exception_handler(CatchAllExceptionHandler())

lambda_handler = sb.lambda_handler()
