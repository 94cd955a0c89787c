"""Hello World: the smallest useful Alexa skill, written with ask-sdk-core's class-based handlers.

The Lambda entry point is ``hello_world.handler`` (see ask-resources.json).
"""

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

SKILL_TITLE = "Hello World"
WELCOME = "Welcome to hello world. You can say hello to me. What would you like to do?"
HELP = "You can say hello to me, and I will say hello back. What would you like to do?"
REPROMPT = "Try saying hello."


class LaunchRequestHandler(AbstractRequestHandler):
    """Opening the skill without a request."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return (
            handler_input.response_builder.speak(WELCOME)
            .ask(REPROMPT)
            .set_card(SimpleCard(SKILL_TITLE, WELCOME))
            .response
        )


class HelloWorldIntentHandler(AbstractRequestHandler):
    """The one thing this skill does."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("HelloWorldIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Hello world! It is nice to meet you."
        return (
            handler_input.response_builder.speak(speech)
            .set_card(SimpleCard(SKILL_TITLE, speech))
            .set_should_end_session(True)
            .response
        )


class HelpIntentHandler(AbstractRequestHandler):
    """What can I say?"""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return (
            handler_input.response_builder.speak(HELP)
            .ask(REPROMPT)
            .set_card(SimpleCard(SKILL_TITLE, HELP))
            .response
        )


class CancelOrStopIntentHandler(AbstractRequestHandler):
    """Cancel, stop and go home all end the skill."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return (
            is_intent_name("AMAZON.CancelIntent")(handler_input)
            or is_intent_name("AMAZON.StopIntent")(handler_input)
            or is_intent_name("AMAZON.NavigateHomeIntent")(handler_input)
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.speak("Goodbye!").set_should_end_session(True).response


class FallbackIntentHandler(AbstractRequestHandler):
    """Anything the model does not cover."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.FallbackIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Sorry, I only know how to say hello. Try saying hello."
        return handler_input.response_builder.speak(speech).ask(REPROMPT).response


class SessionEndedRequestHandler(AbstractRequestHandler):
    """The session closed: nothing may be said, so just log why."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        logger.info("Session ended: %s", getattr(request, "reason", None))
        return handler_input.response_builder.response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """Anything that went wrong: apologise rather than fail the request."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        logger.error("Request failed: %s", exception, exc_info=True)
        speech = "Sorry, something went wrong. Please try again."
        return handler_input.response_builder.speak(speech).ask(speech).response


sb = SkillBuilder()
sb.add_request_handler(LaunchRequestHandler())
sb.add_request_handler(HelloWorldIntentHandler())
sb.add_request_handler(HelpIntentHandler())
sb.add_request_handler(CancelOrStopIntentHandler())
sb.add_request_handler(FallbackIntentHandler())
sb.add_request_handler(SessionEndedRequestHandler())
sb.add_exception_handler(CatchAllExceptionHandler())

handler = sb.lambda_handler()
