/**
 * Space Facts: a fact about the solar system, or about one planet you name.
 *
 * Say "open space facts", "ask space facts for a fact", or "ask space facts about mars".
 */
'use strict';

var AlexaSkill = require('./AlexaSkill');

/** Pin your skill's application id here to refuse requests meant for other skills. */
var APP_ID = undefined;

var PLANET_FACTS = {
    mercury: 'A year on Mercury lasts just eighty eight Earth days, but a single sunrise to sunrise takes about one hundred and seventy six.',
    venus: 'Venus turns the other way round from most planets, so on Venus the sun rises in the west.',
    earth: 'Earth is the densest planet in the solar system, and the only one not named after a god.',
    mars: 'Mars is home to Olympus Mons, a volcano more than twice as tall as Mount Everest.',
    jupiter: 'Jupiter is so large that all the other planets together would fit inside it.',
    saturn: 'Saturn is mostly hydrogen and helium, and on average it is less dense than water.',
    uranus: 'Uranus is tipped right over on its side, so each of its poles gets about forty years of daylight in a row.',
    neptune: 'Neptune has the fastest winds measured on any planet, at more than two thousand kilometres an hour.'
};

var GENERAL_FACTS = [
    'Light from the sun takes about eight minutes to reach the Earth.',
    'The sun holds more than ninety nine percent of all the mass in the solar system.',
    'A day on Venus is longer than a year on Venus.',
    'There are more trees on Earth than there are stars in the Milky Way, by most estimates.',
    'The footprints left on the Moon will last for millions of years, because there is no wind to blow them away.'
];

var SpaceFacts = function () {
    AlexaSkill.call(this, APP_ID);
};

SpaceFacts.prototype = Object.create(AlexaSkill.prototype);
SpaceFacts.prototype.constructor = SpaceFacts;

SpaceFacts.prototype.eventHandlers.onSessionStarted = function (sessionStartedRequest, session) {
    console.log('SpaceFacts onSessionStarted requestId: ' + sessionStartedRequest.requestId);
    session.attributes.factsHeard = 0;
};

SpaceFacts.prototype.eventHandlers.onLaunch = function (launchRequest, session, response) {
    response.ask('Welcome to space facts. Ask me for a fact, or name a planet.',
        'You can say, tell me a fact, or, tell me about Mars.');
};

SpaceFacts.prototype.intentHandlers = {
    GetFactIntent: function (intent, session, response) {
        var heard = session.attributes.factsHeard || 0;
        var fact = GENERAL_FACTS[heard % GENERAL_FACTS.length];
        session.attributes.factsHeard = heard + 1;
        response.tellWithCard('Here is your fact: ' + fact, 'Space Facts', fact);
    },

    GetPlanetFactIntent: function (intent, session, response) {
        var slot = intent.slots && intent.slots.Planet;
        var planet = slot && slot.value ? slot.value.toLowerCase() : '';
        var fact = PLANET_FACTS[planet];
        if (!fact) {
            var speech = {
                type: AlexaSkill.speechOutputType.SSML,
                speech: '<speak>I do not know that planet. <break time="300ms"/> Try one of the eight, ' +
                    'like <emphasis level="moderate">Mars</emphasis> or Jupiter.</speak>'
            };
            response.ask(speech, 'Which planet would you like to hear about?');
            return;
        }
        var name = planet.charAt(0).toUpperCase() + planet.slice(1);
        response.tellWithCard(fact, 'Space Facts: ' + name, fact);
    },

    'AMAZON.HelpIntent': function (intent, session, response) {
        response.ask('You can say, tell me a fact, or ask about a planet, like, tell me about Saturn. ' +
            'What would you like?', 'What would you like?');
    },

    'AMAZON.StopIntent': function (intent, session, response) {
        response.tell('Goodbye');
    },

    'AMAZON.CancelIntent': function (intent, session, response) {
        response.tell('Goodbye');
    }
};

exports.handler = function (event, context) {
    var skill = new SpaceFacts();
    skill.execute(event, context);
};
