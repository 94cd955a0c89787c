"""The AudioPlayer beside the conversation: what it makes the engine send, and its sound, ducked.

A recording's output gets the stream's samples placed on the recording's clock (a live stream paces the replay, as
it cannot be read faster than real time); a live speaker mixes them in itself (``SpeakerSink.bed``). What the
player makes the engine send (PlaybackStarted of the next stream, PlaybackFinished, a failure and what the user
hears then) and a press of the player's buttons (``PlaybackController.*`` to the skill that owns it) are turns of
kind ``player``, which the loop says or records.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from assistant.audio.chunk import AudioChunk
from assistant.audio.stream import RATE as STREAM_RATE
from assistant.audio.stream import MixOutput
from assistant.runtime.engine import Turn
from assistant.voice.reply import Reply


class PlayAlong:
    """The engine's player and the device volume, one chunk of the timeline at a time."""

    def __init__(
        self, engine: Any, reply: Reply, music: MixOutput | None, duck: float,
        controls: Callable[[], str | None] | None = None,
    ) -> None:
        self.engine = engine
        """The runtime engine: ``volume``, and ``poll_player`` and ``playback_control`` when it has a player."""
        self.reply = reply
        """The assistant's speech, whose sinks the music goes to, at the same volume."""
        self.music = music
        """The AudioPlayer's output (``audio.stream.MixOutput``) whose samples go out beside speech, or None."""
        self.duck = duck
        """The music's gain while ducked (``LoopOptions.duck``)."""
        self.controls = controls
        """The player's buttons (``LoopOptions.controls``)."""
        self.volume = 1.0
        """The device volume, 0..1, of speech and playback alike (the engine's ``volume``, 0 to 10)."""
        self.realtime = False
        """A live source: the speaker takes the music's samples itself, as it plays them."""

    def turn(self, chunk: AudioChunk) -> Turn | None:
        """What the player made the engine send by ``chunk``'s end, or what a pressed button did; and the
        device volume ("alexa, volume five" sets the engine's) applied to speech."""
        self.volume = getattr(self.engine, "volume", 10) / 10
        self.reply.gain = self.volume
        poll = getattr(self.engine, "poll_player", None)
        if poll is not None:
            self.reply.expect(chunk.start, time.perf_counter())
        turn: Turn | None = poll() if poll is not None else None
        control = getattr(self.engine, "playback_control", None)
        if turn is None and self.controls is not None and control is not None:
            pressed = self.controls()
            if pressed is not None:  # a button: PlaybackController.* to the skill that owns the player
                turn = control(pressed)
        return turn

    def play(self, chunk: AudioChunk, ducked: bool) -> None:
        """The music for ``chunk``'s stretch of the timeline, at the volume, ducked (``duck``) if asked."""
        music = self.music
        if music is None:
            return
        music.gain = self.volume * (self.duck if ducked else 1.0)
        if self.realtime:  # a live speaker takes the samples itself, as it plays them (SpeakerSink.bed)
            if music.reader is not None:
                for sink in self.reply.sinks:
                    play_bed = getattr(sink, "play_bed", None)
                    if play_bed is not None:
                        play_bed()
            return
        block = music.mixed(round(chunk.duration * STREAM_RATE))
        if block is not None:
            for sink in self.reply.sinks:
                sink.play(block, STREAM_RATE, at=chunk.start)
