"""The trajectory synthesizer (issue 14): one model call per document, every call executed and verified.

- `format`: the reply a synthesizer model writes (and the export's SFT targets);
- `prompt`: the messages it is asked with (the export's SFT inputs);
- `repair`: what real tool replies change in the imagined rest of a conversation;
- `replay`: task, replay and verification of a parsed, compiled reply;
- `stage`: the pipeline stage behind ``gem synthesize --backend synthesizer``.
"""
from .format import FORMAT, SynthReply, parse_synth_reply, target_from_messages
from .replay import Stopped, ground_reply
from .stage import SynthesizerStage, Unfiltered

__all__ = ["FORMAT", "Stopped", "SynthReply", "SynthesizerStage", "ground_reply", "parse_synth_reply",
           "target_from_messages", "Unfiltered"]
