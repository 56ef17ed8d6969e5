"""Byte-level BPE in the scheme of CLIP's simple_tokenizer: learning merges
from a corpus, writing vocab.json / merges.txt, and encoding text to ids.

The vocabulary is laid out like CLIP's: the 256 byte symbols, the same 256
with '</w>', one entry per merge, then <|startoftext|> and <|endoftext|> as
the two highest ids (the text tower pools at the highest id).
"""

import collections
import html
import json
import re
import unicodedata

SOT = "<|startoftext|>"
EOT = "<|endoftext|>"

# Python's re has no \p{L} / \p{N}: [^\W\d_] is "letter", \d is "digit",
# and (?:[^\s\w]|_) is "neither space, letter nor digit".  Identical to
# CLIP's pattern on ASCII text, which is all the captions hold.
WORD_PATTERN = re.compile(
    r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d"
    r"|[^\W\d_]+|\d|(?:[^\s\w]|_)+",
    re.IGNORECASE)


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable unicode characters."""
    bs = (list(range(ord("!"), ord("~") + 1))
          + list(range(ord("\u00a1"), ord("\u00ac") + 1))
          + list(range(ord("\u00ae"), ord("\u00ff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()


def clean_text(text):
    """NFC, HTML unescape, collapsed whitespace, lower case: the engine's
    normalisation before the word pattern is applied."""
    text = unicodedata.normalize("NFC", text)
    text = html.unescape(html.unescape(text)).strip()
    text = re.sub(r"\s+", " ", text).strip()
    return text.lower()


def split_words(text):
    """Pre-tokenised words of @text, each as a tuple of byte symbols with
    '</w>' on the last one."""
    words = []
    for word in WORD_PATTERN.findall(clean_text(text)):
        symbols = [BYTE_ENCODER[b] for b in word.encode("utf-8")]
        symbols[-1] += "</w>"
        words.append(tuple(symbols))
    return words


def learn_merges(word_counts, max_merges, min_count=2):
    """Greedy BPE on a {word string: count} dict; ties broken by the pair's
    text so that the result does not depend on dict order."""
    vocab = collections.Counter()
    for text, count in word_counts.items():
        for symbols in split_words(text):
            vocab[symbols] += count
    merges = []
    while len(merges) < max_merges:
        pairs = collections.Counter()
        for symbols, count in vocab.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        if best[1] < min_count:
            break
        pair = best[0]
        merges.append(pair)
        merged = collections.Counter()
        for symbols, count in vocab.items():
            merged[_merge_pair(symbols, pair)] += count
        vocab = merged
    return merges


def _merge_pair(symbols, pair):
    out = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)


def build_vocab(merges):
    """Token string -> id, in CLIP's order."""
    tokens = list(BYTE_ENCODER.values())
    tokens += [t + "</w>" for t in tokens]
    tokens += ["".join(pair) for pair in merges]
    tokens += [SOT, EOT]
    return {t: i for i, t in enumerate(tokens)}


def write_files(merges, vocab_path, merges_path):
    """Writes vocab.json and merges.txt (with the '#version' first line)."""
    vocab = build_vocab(merges)
    with open(vocab_path, "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(merges_path, "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(a + " " + b + "\n")
    return vocab


class Tokenizer:
    """Encodes text exactly as CLIP's simple_tokenizer does, with our files."""

    def __init__(self, vocab_path, merges_path):
        with open(vocab_path, encoding="utf-8") as f:
            self.encoder = json.load(f)
        with open(merges_path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[0].startswith("#version"):
            lines = lines[1:]
        pairs = [tuple(line.split()) for line in lines if line.strip()]
        self.ranks = {pair: i for i, pair in enumerate(pairs)}
        self.sot = self.encoder[SOT]
        self.eot = self.encoder[EOT]
        self.cache = {}

    def bpe(self, symbols):
        """Merges the lowest-ranked adjacent pair until none is left."""
        word = tuple(symbols)
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            pairs = set(zip(parts, parts[1:]))
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            parts = list(_merge_pair(tuple(parts), best))
        self.cache[word] = parts
        return parts

    def encode(self, text):
        """BPE ids of @text without SOT/EOT."""
        ids = []
        for symbols in split_words(text):
            ids += [self.encoder[s] for s in self.bpe(symbols)]
        return ids

    def encode_padded(self, text, context_length=77):
        """SOT, ids, EOT, zero padding; truncated with EOT kept last."""
        ids = [self.sot] + self.encode(text) + [self.eot]
        if len(ids) > context_length:
            ids = ids[:context_length]
            ids[-1] = self.eot
        return ids + [0] * (context_length - len(ids))
