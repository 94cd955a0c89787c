"""Barista: order a coffee (ask-sdk-core, class-based handlers).

OrderDrinkIntent uses auto delegation (``delegationStrategy: ALWAYS`` in the dialog model): Alexa asks for the drink
and the size, checks the size against the size list, and reads the order back for confirmation, all before the
skill is called with ``dialogState: COMPLETED``. The last confirmed order is kept as the user's "usual" in DynamoDB.
"""

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import get_dialog_state, is_intent_name, is_request_type
from ask_sdk_dynamodb.adapter import DynamoDbAdapter
from ask_sdk_model import DialogState, IntentConfirmationStatus, Response, Slot
from ask_sdk_model.dialog import DelegateDirective
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import SimpleCard

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

SKILL_NAME = "Barista"
SLOTS = ("size", "roast", "shots", "drink", "milk", "sugar")
"""The order slots, in the order they are read back."""
MENU = "americano, cappuccino, espresso, latte, mocha, iced mocha, drip coffee, house coffee or iced coffee"


def _slot_text(slot: Slot | None) -> str | None:
    """The canonical value of a filled slot, or what was said when it did not resolve."""
    if slot is None or not slot.value:
        return None
    if slot.resolutions and slot.resolutions.resolutions_per_authority:
        for authority in slot.resolutions.resolutions_per_authority:
            if authority.status.code == StatusCode.ER_SUCCESS_MATCH and authority.values:
                return authority.values[0].value.name
    return slot.value


def _describe(order: dict) -> str:
    """'a large dark roast latte with some milk and sugar'."""
    words = [order[name] for name in ("size", "roast", "shots", "drink") if order.get(name)]
    description = " ".join(words)
    extras = [order[name] for name in ("milk", "sugar") if order.get(name)]
    if extras:
        description += " with " + " and ".join(extras)
    article = "an" if description[:1] in "aeiou" else "a"
    return f"{article} {description}"


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        usual = handler_input.attributes_manager.persistent_attributes.get("usual")
        speech = "Welcome to the coffee bar. What can I get you?"
        if usual:
            speech = f"Welcome back. Would you like your usual, {_describe(usual)}, or something else?"
        return handler_input.response_builder.speak(speech).ask("What would you like to drink?").response


class InProgressOrderHandler(AbstractRequestHandler):
    """Only reached if the dialog is not auto-delegated (for example in a simulator): hand it back to Alexa."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("OrderDrinkIntent")(handler_input) and get_dialog_state(handler_input) in (
            DialogState.STARTED,
            DialogState.IN_PROGRESS,
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.add_directive(DelegateDirective()).response


class CompletedOrderHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("OrderDrinkIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        intent = handler_input.request_envelope.request.intent
        builder = handler_input.response_builder
        if intent.confirmation_status == IntentConfirmationStatus.DENIED:
            speech = "Okay, let's start over. What would you like to drink?"
            return builder.speak(speech).ask("What would you like to drink?").response
        slots = intent.slots or {}
        order = {name: text for name in SLOTS if (text := _slot_text(slots.get(name)))}
        if "drink" not in order:
            speech = f"Sorry, I did not catch the drink. We have {MENU}. What would you like?"
            return builder.speak(speech).ask("What would you like to drink?").response
        handler_input.attributes_manager.persistent_attributes["usual"] = order
        handler_input.attributes_manager.save_persistent_attributes()
        return _serve(handler_input, order)


class UsualOrderHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("UsualOrderIntent")(handler_input) or (
            is_intent_name("AMAZON.YesIntent")(handler_input)
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        usual = handler_input.attributes_manager.persistent_attributes.get("usual")
        if not usual:
            speech = "I don't know your usual yet. What would you like to drink?"
            return handler_input.response_builder.speak(speech).ask("What would you like to drink?").response
        return _serve(handler_input, usual)


def _serve(handler_input: HandlerInput, order: dict) -> Response:
    description = _describe(order)
    speech = f'One moment. <break time="500ms"/> Here is {description}. Enjoy!'
    return (
        handler_input.response_builder.speak(speech)
        .set_card(SimpleCard(SKILL_NAME, f"Your order: {description}"))
        .set_should_end_session(True)
        .response
    )


class MenuIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("MenuIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = (
            f"We have {MENU}. Sizes are small, medium and large. "
            "You can add a shot, choose a roast, and have it with milk or sugar. What would you like?"
        )
        return (
            handler_input.response_builder.speak(speech)
            .ask("What would you like to drink?")
            .set_card(SimpleCard("Menu", MENU))
            .response
        )


class HelpIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Tell me what you would like, for example, a large latte with some milk. Or ask, what do you have?"
        return handler_input.response_builder.speak(speech).ask("What would you like to drink?").response


class CancelOrStopIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return (
            is_intent_name("AMAZON.CancelIntent")(handler_input)
            or is_intent_name("AMAZON.StopIntent")(handler_input)
            or is_intent_name("AMAZON.NoIntent")(handler_input)
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return (
            handler_input.response_builder.speak("Okay. Come back soon!")
            .set_should_end_session(True)
            .response
        )


class FallbackIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_intent_name("AMAZON.FallbackIntent")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Sorry, I only make coffee. Try asking for a latte, or say, what do you have?"
        return handler_input.response_builder.speak(speech).ask("What would you like to drink?").response


class SessionEndedRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        logger.info("Session ended: %s", getattr(handler_input.request_envelope.request, "reason", None))
        return handler_input.response_builder.response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        logger.error("Request failed: %s", exception, exc_info=True)
        speech = "Sorry, I spilled something. Could you say that again?"
        return handler_input.response_builder.speak(speech).ask(speech).response


sb = CustomSkillBuilder(persistence_adapter=DynamoDbAdapter(table_name="barista", create_table=True))
sb.add_request_handler(LaunchRequestHandler())
sb.add_request_handler(InProgressOrderHandler())
sb.add_request_handler(CompletedOrderHandler())
sb.add_request_handler(UsualOrderHandler())
sb.add_request_handler(MenuIntentHandler())
sb.add_request_handler(HelpIntentHandler())
sb.add_request_handler(CancelOrStopIntentHandler())
sb.add_request_handler(FallbackIntentHandler())
sb.add_request_handler(SessionEndedRequestHandler())
sb.add_exception_handler(CatchAllExceptionHandler())

lambda_handler = sb.lambda_handler()
