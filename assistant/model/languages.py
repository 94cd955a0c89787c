"""What a user says to an Echo in each language, apart from a skill's own samples: the built-in intents' common
utterances, the words that open a skill or ask it something, and the assistant's own requests.

Every locale of the public samples is covered (en-*, de-DE, es-*, fr-*, it-IT, pt-BR, ja-JP, hi-IN, ar-SA).
English is ``assistant.model.builtins.BUILTIN_INTENTS``. German starts from the utterances Amazon's "Standard
Built-in Intents" page listed beside the English ones (developer.amazon.com/public/solutions/alexa/
alexa-skills-kit/docs/built-in-intent-ref/standard-intents: "abbrechen", "vergiss es", "Hilfe (bitte)",
"Kannst du mir helfen", "stoppe loop" …); the other languages, and the rest of German, are the plain phrases
users of those languages say, not Amazon's lists (its current page shows one language at a time). A language with no phrase for an intent leaves it to the skill's
own samples (never English words in a German session). Within a language no phrase belongs to two intents (a
test checks this). Phrases are lower case, written as users type them; text normalisation (``grammar.text``)
folds accents on both sides, so "öffne" and "offne" meet.

Japanese phrases are written with spaces between the parts a user would type apart ("{name} を 開いて"): typed
text is split at spaces only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .builtins import BUILTIN_INTENTS

NAME = "{name}"
"""Where the invocation name goes in a launch or one-shot pattern."""


@dataclass(frozen=True, slots=True)
class Language:
    """The phrases of one language."""

    code: str
    """ISO 639-1 code: ``en``, ``de``."""
    intents: dict[str, tuple[str, ...]]
    """Built-in intent name → its common utterances."""
    launch: tuple[str, ...]
    """Patterns that open a skill, with ``{name}`` for its invocation name: "open {name}"."""
    ask: tuple[str, ...]
    """Patterns that pass a request to a skill, followed by one of its samples: "ask {name}"."""
    joiners: tuple[str, ...] = ()
    """Words that may come between an ask pattern and the request: "ask {name} *to* …"."""
    system: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The assistant's own intents at the top level (System.ListSkills, System.Stop, System.Help)."""
    exit: tuple[str, ...] = ()
    """What ends any session (SessionEndedRequest USER_INITIATED), whatever the skill declares."""


ENGLISH = Language(
    "en",
    BUILTIN_INTENTS,
    launch=tuple(f"{verb} {NAME}" for verb in ("open", "launch", "start", "talk to", "begin", "load", "run",
                                                  "play", "use")),
    ask=(f"ask {NAME}", f"tell {NAME}"),
    joiners=("to", "for", "about", "if", "whether", "that", "and", "what", "how"),
    system={
        "System.ListSkills": (
            "what skills do i have", "what skills are installed", "list my skills", "list skills",
            "which skills do i have", "what can you do", "what skills do you have",
        ),
        "System.Stop": ("stop", "cancel", "never mind", "be quiet", "shut up", "exit", "goodbye"),
        "System.Help": ("help", "help me", "what can i say"),
    },
    exit=("exit", "quit", "exit skill", "quit skill"),
)

GERMAN = Language(
    "de",
    {
        "AMAZON.CancelIntent": ("abbrechen", "abbreche", "vergiss es", "egal", "abbruch", "brich ab"),
        "AMAZON.HelpIntent": ("hilfe", "hilfe bitte", "hilf mir", "hilf mir bitte", "kannst du mir helfen",
                              "kannst du mir bitte helfen", "was kann ich sagen", "ich brauche hilfe"),
        "AMAZON.StopIntent": ("stopp", "stop", "halt", "aus", "sei still", "ruhe", "hör auf"),
        "AMAZON.YesIntent": ("ja", "ja bitte", "klar", "genau", "okay", "ok", "richtig", "sicher", "gerne"),
        "AMAZON.NoIntent": ("nein", "nein danke", "nö", "auf keinen fall", "eher nicht", "nee"),
        "AMAZON.RepeatIntent": ("wiederholen", "wiederhole das", "sag das nochmal", "noch einmal",
                                "was hast du gesagt", "bitte wiederholen"),
        "AMAZON.StartOverIntent": ("von vorne", "neu starten", "von vorne anfangen", "fang von vorne an",
                                   "nochmal von vorne"),
        "AMAZON.NextIntent": ("weiter", "nächster", "nächste", "überspringen", "der nächste"),
        "AMAZON.PreviousIntent": ("zurück", "vorheriger", "vorherige", "geh zurück", "der vorherige"),
        "AMAZON.PauseIntent": ("pause", "pausieren", "anhalten", "pausiere"),
        "AMAZON.ResumeIntent": ("fortsetzen", "weiter abspielen", "mach weiter", "setze fort"),
        "AMAZON.NavigateHomeIntent": ("startseite", "geh zur startseite", "zur startseite", "nach hause"),
        "AMAZON.NavigateSettingsIntent": ("einstellungen", "öffne die einstellungen", "zu den einstellungen"),
        "AMAZON.MoreIntent": ("mehr", "zeig mehr", "erzähl mir mehr", "mehr bitte"),
        "AMAZON.LoopOnIntent": ("aktiviere loop", "starte loop", "schleife an", "wiederholung an"),
        "AMAZON.LoopOffIntent": ("deaktiviere loop", "stoppe loop", "stopp jetzt loop", "schleife aus",
                                 "wiederholung aus"),
        "AMAZON.ShuffleOnIntent": ("zufallswiedergabe", "zufallswiedergabe an", "mischen"),
        "AMAZON.ShuffleOffIntent": ("zufallswiedergabe aus", "nicht mehr mischen"),
        "AMAZON.PageUpIntent": ("seite hoch", "vorherige seite"),
        "AMAZON.PageDownIntent": ("seite runter", "nächste seite"),
        "AMAZON.ScrollUpIntent": ("nach oben scrollen", "scroll nach oben"),
        "AMAZON.ScrollDownIntent": ("nach unten scrollen", "scroll nach unten"),
        "AMAZON.ScrollLeftIntent": ("nach links scrollen", "scroll nach links"),
        "AMAZON.ScrollRightIntent": ("nach rechts scrollen", "scroll nach rechts"),
        "AMAZON.SelectIntent": ("auswählen", "wähle das", "nimm das", "das hier"),
        "AMAZON.FallbackIntent": (),
    },
    launch=(f"öffne {NAME}", f"starte {NAME}", f"spiele {NAME}", f"spiel {NAME}", f"öffne bitte {NAME}"),
    ask=(f"frag {NAME}", f"frage {NAME}", f"sag {NAME}", f"sage {NAME}", f"bitte {NAME}"),
    joiners=("nach", "ob", "dass", "um", "zu"),
    system={
        "System.ListSkills": ("welche skills habe ich", "meine skills", "welche skills gibt es",
                              "was kannst du"),
        "System.Stop": ("stopp", "stop", "abbrechen", "ruhe", "sei still", "beenden", "tschüss"),
        "System.Help": ("hilfe", "hilf mir", "was kann ich sagen"),
    },
    exit=("beenden", "verlassen", "skill beenden", "skill verlassen"),
)

SPANISH = Language(
    "es",
    {
        "AMAZON.CancelIntent": ("cancela", "cancelar", "olvídalo", "déjalo"),
        "AMAZON.HelpIntent": ("ayuda", "ayúdame", "qué puedo decir", "necesito ayuda"),
        "AMAZON.StopIntent": ("para", "detente", "basta", "cállate", "silencio", "alto"),
        "AMAZON.YesIntent": ("sí", "si", "claro", "vale", "de acuerdo", "sí por favor", "correcto"),
        "AMAZON.NoIntent": ("no", "no gracias", "para nada", "de ninguna manera"),
        "AMAZON.RepeatIntent": ("repite", "repítelo", "otra vez", "qué has dicho"),
        "AMAZON.StartOverIntent": ("empieza de nuevo", "vuelve a empezar", "desde el principio", "reinicia"),
        "AMAZON.NextIntent": ("siguiente", "salta", "el siguiente"),
        "AMAZON.PreviousIntent": ("anterior", "atrás", "el anterior", "vuelve atrás"),
        "AMAZON.PauseIntent": ("pausa", "pon pausa", "pausar"),
        "AMAZON.ResumeIntent": ("continúa", "reanuda", "sigue"),
        "AMAZON.NavigateHomeIntent": ("inicio", "ve al inicio", "pantalla de inicio"),
        "AMAZON.MoreIntent": ("más", "dime más", "muéstrame más"),
        "AMAZON.FallbackIntent": (),
    },
    launch=(f"abre {NAME}", f"inicia {NAME}", f"empieza {NAME}", f"lanza {NAME}", f"juega {NAME}"),
    ask=(f"pregunta a {NAME}", f"pregúntale a {NAME}", f"pide a {NAME}", f"pídele a {NAME}", f"dile a {NAME}"),
    joiners=("que", "si", "por", "sobre"),
    system={
        "System.ListSkills": ("qué skills tengo", "mis skills", "qué puedes hacer"),
        "System.Stop": ("para", "detente", "cancela", "silencio", "adiós"),
        "System.Help": ("ayuda", "ayúdame", "qué puedo decir"),
    },
    exit=("salir", "sal", "salir de la skill"),
)

FRENCH = Language(
    "fr",
    {
        "AMAZON.CancelIntent": ("annule", "annuler", "laisse tomber", "oublie"),
        "AMAZON.HelpIntent": ("aide", "aide moi", "qu'est ce que je peux dire", "j'ai besoin d'aide"),
        "AMAZON.StopIntent": ("stop", "arrête", "tais toi", "silence", "ça suffit"),
        "AMAZON.YesIntent": ("oui", "ouais", "d'accord", "bien sûr", "oui s'il te plaît", "exact"),
        "AMAZON.NoIntent": ("non", "non merci", "pas du tout", "surtout pas"),
        "AMAZON.RepeatIntent": ("répète", "répète ça", "encore une fois", "qu'est ce que tu as dit"),
        "AMAZON.StartOverIntent": ("recommence", "reprends depuis le début", "depuis le début"),
        "AMAZON.NextIntent": ("suivant", "passe", "le suivant"),
        "AMAZON.PreviousIntent": ("précédent", "retour", "le précédent", "reviens en arrière"),
        "AMAZON.PauseIntent": ("pause", "mets en pause"),
        "AMAZON.ResumeIntent": ("reprends", "continue", "reprendre"),
        "AMAZON.NavigateHomeIntent": ("accueil", "va à l'accueil", "écran d'accueil"),
        "AMAZON.MoreIntent": ("plus", "dis m'en plus", "montre plus"),
        "AMAZON.FallbackIntent": (),
    },
    launch=(f"ouvre {NAME}", f"lance {NAME}", f"démarre {NAME}", f"commence {NAME}", f"joue {NAME}"),
    ask=(f"demande à {NAME}", f"dis à {NAME}", f"demande {NAME}"),
    joiners=("de", "si", "que", "pour"),
    system={
        "System.ListSkills": ("quelles skills ai je", "mes skills", "qu'est ce que tu sais faire"),
        "System.Stop": ("stop", "arrête", "annule", "silence", "au revoir"),
        "System.Help": ("aide", "aide moi", "qu'est ce que je peux dire"),
    },
    exit=("quitter", "quitte", "quitter la skill"),
)

ITALIAN = Language(
    "it",
    {
        "AMAZON.CancelIntent": ("annulla", "lascia perdere", "lascia stare"),
        "AMAZON.HelpIntent": ("aiuto", "aiutami", "cosa posso dire", "ho bisogno di aiuto"),
        "AMAZON.StopIntent": ("stop", "fermati", "basta", "zitto", "silenzio"),
        "AMAZON.YesIntent": ("sì", "si", "certo", "va bene", "d'accordo", "sì grazie", "esatto"),
        "AMAZON.NoIntent": ("no", "no grazie", "per niente", "assolutamente no"),
        "AMAZON.RepeatIntent": ("ripeti", "ripetilo", "di nuovo", "cosa hai detto"),
        "AMAZON.StartOverIntent": ("ricomincia", "dall'inizio", "ricomincia da capo"),
        "AMAZON.NextIntent": ("prossimo", "successivo", "salta"),
        "AMAZON.PreviousIntent": ("precedente", "indietro", "torna indietro"),
        "AMAZON.PauseIntent": ("pausa", "metti in pausa"),
        "AMAZON.ResumeIntent": ("riprendi", "continua"),
        "AMAZON.NavigateHomeIntent": ("home", "vai alla home", "schermata iniziale"),
        "AMAZON.MoreIntent": ("di più", "dimmi di più", "mostrami di più"),
        "AMAZON.FallbackIntent": (),
    },
    launch=(f"apri {NAME}", f"avvia {NAME}", f"lancia {NAME}", f"inizia {NAME}", f"gioca a {NAME}"),
    ask=(f"chiedi a {NAME}", f"di a {NAME}", f"dì a {NAME}"),
    joiners=("di", "se", "che", "per"),
    system={
        "System.ListSkills": ("quali skill ho", "le mie skill", "cosa sai fare"),
        "System.Stop": ("stop", "fermati", "annulla", "silenzio", "arrivederci"),
        "System.Help": ("aiuto", "aiutami", "cosa posso dire"),
    },
    exit=("esci", "esci dalla skill", "chiudi"),
)

PORTUGUESE = Language(
    "pt",
    {
        "AMAZON.CancelIntent": ("cancela", "cancelar", "esquece", "deixa pra lá"),
        "AMAZON.HelpIntent": ("ajuda", "me ajuda", "o que posso dizer", "preciso de ajuda"),
        "AMAZON.StopIntent": ("pare", "para", "chega", "silêncio", "fica quieta"),
        "AMAZON.YesIntent": ("sim", "claro", "pode ser", "tá bom", "está bem", "sim por favor", "certo"),
        "AMAZON.NoIntent": ("não", "não obrigado", "de jeito nenhum", "nem pensar"),
        "AMAZON.RepeatIntent": ("repete", "repita", "de novo", "o que você disse"),
        "AMAZON.StartOverIntent": ("recomeça", "recomeçar", "do começo", "começa de novo"),
        "AMAZON.NextIntent": ("próximo", "próxima", "pula"),
        "AMAZON.PreviousIntent": ("anterior", "volta", "voltar"),
        "AMAZON.PauseIntent": ("pausa", "pausar"),
        "AMAZON.ResumeIntent": ("continua", "continuar", "retoma"),
        "AMAZON.NavigateHomeIntent": ("início", "vai para o início", "tela inicial"),
        "AMAZON.MoreIntent": ("mais", "me conta mais", "mostra mais"),
        "AMAZON.FallbackIntent": (),
    },
    launch=(f"abra {NAME}", f"abre {NAME}", f"inicie {NAME}", f"inicia {NAME}", f"comece {NAME}", f"jogue {NAME}"),
    ask=(f"pergunte ao {NAME}", f"pergunte a {NAME}", f"pergunta ao {NAME}", f"peça ao {NAME}", f"peça a {NAME}",
         f"diga ao {NAME}", f"diga a {NAME}"),
    joiners=("se", "que", "para", "sobre"),
    system={
        "System.ListSkills": ("quais skills eu tenho", "minhas skills", "o que você sabe fazer"),
        "System.Stop": ("pare", "para", "cancela", "silêncio", "tchau"),
        "System.Help": ("ajuda", "me ajuda", "o que posso dizer"),
    },
    exit=("sair", "sai", "sair da skill"),
)

JAPANESE = Language(
    "ja",
    {
        "AMAZON.CancelIntent": ("キャンセル", "取り消し", "やめて"),
        "AMAZON.HelpIntent": ("ヘルプ", "助けて", "使い方を教えて"),
        "AMAZON.StopIntent": ("ストップ", "止めて", "停止", "静かにして"),
        "AMAZON.YesIntent": ("はい", "うん", "そうです", "お願いします", "オッケー"),
        "AMAZON.NoIntent": ("いいえ", "いや", "違います", "結構です"),
        "AMAZON.RepeatIntent": ("もう一度", "繰り返して", "もう一回言って"),
        "AMAZON.StartOverIntent": ("最初から", "やり直し"),
        "AMAZON.NextIntent": ("次", "次へ", "スキップ"),
        "AMAZON.PreviousIntent": ("前", "前へ", "戻って"),
        "AMAZON.PauseIntent": ("一時停止", "ポーズ"),
        "AMAZON.ResumeIntent": ("再開", "続けて"),
        "AMAZON.FallbackIntent": (),
    },
    launch=(f"{NAME} を 開いて", f"{NAME} を 起動して", f"{NAME} を 開く", f"{NAME} を スタート"),
    ask=(f"{NAME} で", f"{NAME} に"),
    system={
        "System.ListSkills": ("スキル 一覧", "何が できる"),
        "System.Stop": ("ストップ", "止めて", "キャンセル"),
        "System.Help": ("ヘルプ", "助けて"),
    },
    exit=("終了", "スキル を 終了"),
)

HINDI = Language(
    "hi",
    {
        "AMAZON.CancelIntent": ("रद्द करो", "cancel", "रहने दो"),
        "AMAZON.HelpIntent": ("मदद", "मेरी मदद करो", "help"),
        "AMAZON.StopIntent": ("रोको", "रुको", "बंद करो", "stop"),
        "AMAZON.YesIntent": ("हाँ", "हां", "जी हाँ", "ठीक है", "yes"),
        "AMAZON.NoIntent": ("नहीं", "जी नहीं", "no"),
        "AMAZON.RepeatIntent": ("फिर से बोलो", "दोहराओ", "repeat"),
        "AMAZON.NextIntent": ("अगला", "next"),
        "AMAZON.PreviousIntent": ("पिछला", "पीछे जाओ"),
        "AMAZON.FallbackIntent": (),
    },
    launch=(f"{NAME} खोलो", f"{NAME} शुरू करो", f"open {NAME}", f"start {NAME}"),
    ask=(f"{NAME} से पूछो", f"ask {NAME}"),
    system={
        "System.ListSkills": ("मेरे skills", "what skills do i have"),
        "System.Stop": ("रोको", "बंद करो", "stop"),
        "System.Help": ("मदद", "help"),
    },
    exit=("बाहर निकलो", "exit"),
)

ARABIC = Language(
    "ar",
    {
        "AMAZON.CancelIntent": ("إلغاء", "ألغ", "انس الأمر"),
        "AMAZON.HelpIntent": ("مساعدة", "ساعدني", "ماذا يمكنني أن أقول"),
        "AMAZON.StopIntent": ("توقف", "قف", "اسكت", "كفى"),
        "AMAZON.YesIntent": ("نعم", "أجل", "بالتأكيد", "حسنا"),
        "AMAZON.NoIntent": ("لا", "لا شكرا", "كلا"),
        "AMAZON.RepeatIntent": ("كرر", "أعد", "مرة أخرى"),
        "AMAZON.NextIntent": ("التالي",),
        "AMAZON.PreviousIntent": ("السابق",),
        "AMAZON.FallbackIntent": (),
    },
    launch=(f"افتح {NAME}", f"شغل {NAME}", f"ابدأ {NAME}"),
    ask=(f"اسأل {NAME}",),
    system={
        "System.ListSkills": ("ما هي مهاراتي",),
        "System.Stop": ("توقف", "إلغاء"),
        "System.Help": ("مساعدة", "ساعدني"),
    },
    exit=("خروج", "اخرج"),
)

LANGUAGES: dict[str, Language] = {
    lang.code: lang for lang in (ENGLISH, GERMAN, SPANISH, FRENCH, ITALIAN, PORTUGUESE, JAPANESE, HINDI, ARABIC)
}
"""Every language with phrases here, by ISO 639-1 code."""


def language(locale: str) -> Language:
    """The phrases for ``locale`` (``de-DE`` → German); English for a language with none here (its built-ins are
    what Alexa's build would reject anyway, so they are the least wrong)."""
    return LANGUAGES.get(locale.replace("_", "-").split("-")[0].lower(), ENGLISH)


def builtin_utterances(intent: str, locale: str = "en-US") -> tuple[str, ...]:
    """The common utterances of the built-in ``intent`` in the locale's language (none for a custom intent)."""
    return language(locale).intents.get(intent, ())
