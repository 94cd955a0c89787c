"""Amazon's built-in intents and slot types, as far as an offline runtime needs to know them.

The intent utterances follow the "common utterances" Amazon documents for its standard built-in intents, widened
with the plain variants users say; every word is in pocketsphinx's en-US dictionary (a test checks this). No phrase
belongs to two intents. ``AMAZON.FallbackIntent`` has none: it is what out-of-domain speech resolves to.
"""

from __future__ import annotations

BUILTIN_INTENTS: dict[str, tuple[str, ...]] = {
    "AMAZON.CancelIntent": ("cancel", "never mind", "forget it", "cancel that", "cancel it"),
    "AMAZON.HelpIntent": (
        "help",
        "help me",
        "what can i say",
        "can you help me",
        "i need help",
        "what can i do",
    ),
    "AMAZON.StopIntent": ("stop", "off", "shut up", "be quiet", "stop it", "stop that"),
    "AMAZON.YesIntent": ("yes", "yeah", "yes please", "sure", "yep", "ok", "okay", "correct", "that's right"),
    "AMAZON.NoIntent": ("no", "nope", "no thanks", "no thank you", "no way", "not really"),
    "AMAZON.RepeatIntent": ("repeat", "say that again", "repeat that", "say it again", "what did you say"),
    "AMAZON.StartOverIntent": (
        "start over",
        "restart",
        "start again",
        "begin again",
        "start from the beginning",
    ),
    "AMAZON.NextIntent": ("next", "skip", "skip forward", "next one", "go to the next one"),
    "AMAZON.PreviousIntent": ("go back", "previous", "skip back", "back up", "previous one", "last one"),
    "AMAZON.PauseIntent": ("pause", "pause that", "pause it", "hold on"),
    "AMAZON.ResumeIntent": ("resume", "continue", "keep going", "resume playing", "carry on"),
    "AMAZON.NavigateHomeIntent": ("go home", "go to home", "home", "take me home"),
    "AMAZON.NavigateSettingsIntent": ("settings", "go to settings", "open settings", "show settings"),
    "AMAZON.MoreIntent": ("more", "show more", "tell me more", "more please"),
    "AMAZON.LoopOnIntent": ("loop", "loop on", "keep playing this", "turn on loop", "repeat this song"),
    "AMAZON.LoopOffIntent": ("loop off", "turn off loop", "stop looping", "stop repeating"),
    "AMAZON.ShuffleOnIntent": (
        "shuffle",
        "shuffle on",
        "shuffle the music",
        "turn on shuffle",
        "shuffle mode",
    ),
    "AMAZON.ShuffleOffIntent": ("shuffle off", "stop shuffling", "turn off shuffle", "shuffle mode off"),
    "AMAZON.PageUpIntent": ("page up", "previous page", "go up a page"),
    "AMAZON.PageDownIntent": ("page down", "next page", "go down a page"),
    "AMAZON.ScrollUpIntent": ("scroll up", "scroll up please", "move up"),
    "AMAZON.ScrollDownIntent": ("scroll down", "scroll down please", "move down"),
    "AMAZON.ScrollLeftIntent": ("scroll left", "scroll left please", "move left"),
    "AMAZON.ScrollRightIntent": ("scroll right", "scroll right please", "move right"),
    "AMAZON.SelectIntent": ("select", "select this", "select this one", "choose this one", "pick this one"),
    "AMAZON.FallbackIntent": (),
}
"""Every standard built-in intent, mapped to the lower-case utterances it answers without any model samples."""

GRAMMAR_SLOT_TYPES: frozenset[str] = frozenset(
    {
        "AMAZON.NUMBER",
        "AMAZON.FOUR_DIGIT_NUMBER",
        "AMAZON.Ordinal",
        "AMAZON.DATE",
        "AMAZON.TIME",
        "AMAZON.DURATION",
        "AMAZON.PhoneNumber",
        "AMAZON.AlphaNumeric",
    }
)
"""Built-in types whose value is a formatted conversion of the words (numbers, dates, times, durations)."""

PHRASE_SLOT_TYPES: frozenset[str] = frozenset({"AMAZON.SearchQuery", "AMAZON.LITERAL"})
"""Built-in types that capture a free phrase (``AMAZON.LITERAL`` is the deprecated 2015 form)."""

LIST_SLOT_TYPES: frozenset[str] = frozenset(
    {
        "AMAZON.Actor",
        "AMAZON.AdministrativeArea",
        "AMAZON.AggregateRating",
        "AMAZON.Airline",
        "AMAZON.Airport",
        "AMAZON.Anaphor",
        "AMAZON.Animal",
        "AMAZON.Artist",
        "AMAZON.AT_CITY",
        "AMAZON.AT_REGION",
        "AMAZON.Athlete",
        "AMAZON.Author",
        "AMAZON.Book",
        "AMAZON.BookSeries",
        "AMAZON.BroadcastChannel",
        "AMAZON.City",
        "AMAZON.CivicStructure",
        "AMAZON.Color",
        "AMAZON.Comic",
        "AMAZON.Corporation",
        "AMAZON.Country",
        "AMAZON.CreativeWorkType",
        "AMAZON.DayOfWeek",
        "AMAZON.DE_CITY",
        "AMAZON.DE_FIRST_NAME",
        "AMAZON.DE_REGION",
        "AMAZON.Dessert",
        "AMAZON.DeviceType",
        "AMAZON.Director",
        "AMAZON.Drink",
        "AMAZON.EducationalOrganization",
        "AMAZON.EUROPE_CITY",
        "AMAZON.EventType",
        "AMAZON.Festival",
        "AMAZON.FictionalCharacter",
        "AMAZON.FinancialService",
        "AMAZON.FirstName",
        "AMAZON.Food",
        "AMAZON.FoodEstablishment",
        "AMAZON.Game",
        "AMAZON.GB_CITY",
        "AMAZON.GB_FIRST_NAME",
        "AMAZON.GB_REGION",
        "AMAZON.Genre",
        "AMAZON.Landform",
        "AMAZON.LandmarksOrHistoricalBuildings",
        "AMAZON.Language",
        "AMAZON.LocalBusiness",
        "AMAZON.LocalBusinessType",
        "AMAZON.MedicalOrganization",
        "AMAZON.Month",
        "AMAZON.Movie",
        "AMAZON.MovieSeries",
        "AMAZON.MovieTheater",
        "AMAZON.MusicAlbum",
        "AMAZON.MusicCreativeWorkType",
        "AMAZON.MusicEvent",
        "AMAZON.MusicGroup",
        "AMAZON.Musician",
        "AMAZON.MusicPlaylist",
        "AMAZON.MusicRecording",
        "AMAZON.MusicVenue",
        "AMAZON.MusicVideo",
        "AMAZON.Organization",
        "AMAZON.Person",
        "AMAZON.PostalAddress",
        "AMAZON.Professional",
        "AMAZON.ProfessionalType",
        "AMAZON.RadioChannel",
        "AMAZON.Region",
        "AMAZON.RelativePosition",
        "AMAZON.Residence",
        "AMAZON.Room",
        "AMAZON.ScreeningEvent",
        "AMAZON.Service",
        "AMAZON.SocialMediaPlatform",
        "AMAZON.SoftwareApplication",
        "AMAZON.SoftwareGame",
        "AMAZON.Sport",
        "AMAZON.SportsEvent",
        "AMAZON.SportsTeam",
        "AMAZON.StreetAddress",
        "AMAZON.StreetName",
        "AMAZON.TelevisionChannel",
        "AMAZON.TVEpisode",
        "AMAZON.TVSeason",
        "AMAZON.TVSeries",
        "AMAZON.US_CITY",
        "AMAZON.US_FIRST_NAME",
        "AMAZON.US_STATE",
        "AMAZON.VideoGame",
        "AMAZON.VisualModeTrigger",
        "AMAZON.WeatherCondition",
        "AMAZON.WrittenCreativeWorkType",
    }
)
"""Built-in list types: the slot's value is the spoken words, drawn from a catalogue Amazon maintains."""

BUILTIN_SLOT_TYPES: frozenset[str] = GRAMMAR_SLOT_TYPES | PHRASE_SLOT_TYPES | LIST_SLOT_TYPES
"""Every Amazon built-in slot type name known here; a model may use any of them without declaring it."""

VALIDATION_TYPES: frozenset[str] = frozenset(
    {
        "isInSet",
        "isNotInSet",
        "isGreaterThan",
        "isGreaterThanOrEqualTo",
        "isLessThan",
        "isLessThanOrEqualTo",
        "isInDuration",
        "isNotInDuration",
        "hasEntityResolutionMatch",
    }
)
"""Slot validation rules of the dialog model."""
