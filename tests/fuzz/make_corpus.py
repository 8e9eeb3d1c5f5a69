#!/usr/bin/env python3
"""Build the seed corpora in tests/fuzz/corpus/<target>/ from the fixtures.

Only small files: big fixtures are cut down to small valid ones (a GPT-2
vocabulary of the 256 byte tokens plus the first merges, a few lines of text).
Run from anywhere; it rewrites the seed files it makes (files found by the
fuzzer and added by hand, e.g. crash-*, are left alone)."""
import json, os, struct, glob

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIX = os.path.join(ROOT, "tests", "fixtures")
CORPUS = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(rel):
    with open(os.path.join(FIX, rel), "rb") as f:
        return f.read()


def st_header(blob):
    n = struct.unpack("<Q", blob[:8])[0]
    return json.loads(blob[8:8 + n])


# safetensors-shaped inputs: every malformed model file and a few tiny ones
for p in sorted(glob.glob(os.path.join(FIX, "malformed", "*.safetensors"))):
    b = open(p, "rb").read()
    for t in ("safetensors", "st_contents", "model_native"):
        put(t, os.path.basename(p), b)


def st(tensors, meta=None):
    hdr, data = {}, b""
    if meta:
        hdr["__metadata__"] = meta
    for name, dtype, shape, raw in tensors:
        hdr[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(hdr, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


f32 = lambda xs: struct.pack("<%df" % len(xs), *xs)
small = st([("a", "F32", [2, 3], f32([1, 2, 3, 4, 5, 6])), ("b", "F16", [2], b"\x00\x3c\x00\xc0"),
            ("c", "BF16", [], b"\x80\x3f")], {"k": "v"})
for t in ("safetensors", "st_contents"):
    put(t, "small_mixed.safetensors", small)
    put(t, "empty_header.safetensors", st([]))

# the native config JSON, from the valid tiny model's metadata
valid = read("malformed/valid_tiny.safetensors")
cfg = st_header(valid)["__metadata__"]["glassbox.config"]
put("config_json", "valid_tiny.json", cfg)
c = json.loads(cfg)
for k, v in list(c.items())[:6]:
    d = dict(c)
    d.pop(k)
    put("config_json", "without_%s.json" % k, json.dumps(d))

# llama2.c checkpoints
for p in sorted(glob.glob(os.path.join(FIX, "malformed", "*.bin"))):
    put("model_llama2c", os.path.basename(p), open(p, "rb").read())

# Hugging Face config.json
hf = read("gpt2_tiny_random/config.json")
put("hf_folder", "config.json", hf)
put("hf_folder", "config_min.json", json.dumps({k: v for k, v in json.loads(hf).items()
                                                if k.startswith("n_") or k in ("vocab_size", "model_type")}))

# llama2.c tokenizer
tok512 = read("llama2c_stories260K/tok512.bin")
put("tok_llama2c", "tok512.bin", tok512)
put("tok_llama2c", "tok512_cut.bin", tok512[:300])

# GPT-2 vocabulary + merges, cut down: the 256 byte tokens and the first merges
enc = json.loads(read("gpt2_bpe/encoder.json"))
byid = sorted(enc.items(), key=lambda kv: kv[1])
merges = read("gpt2_bpe/vocab.bpe").decode("utf-8").split("\n")[1:]
vocab = {k: i for i, (k, _) in enumerate(byid[:256])}
kept = []
for m in merges:
    if len(kept) == 60:
        break
    parts = m.split(" ")
    if len(parts) == 2 and parts[0] in vocab and parts[1] in vocab and parts[0] + parts[1] not in vocab:
        vocab[parts[0] + parts[1]] = len(vocab)
        kept.append(m)
body = json.dumps(vocab, ensure_ascii=False).encode() + b"\0" + ("#version: 0.2\n" + "\n".join(kept) + "\n").encode()
put("tok_gpt2", "small_bpe", body)
put("tok_gpt2", "bytes_only", json.dumps({k: i for i, (k, _) in enumerate(byid[:256])}, ensure_ascii=False).encode() + b"\0")

# our char/word tokenizer JSON
put("tok_json", "word.json", json.dumps({
    "glassbox_tokenizer": 1, "kind": "word", "lowercase": True,
    "specials": {"bos": "<bos>", "eos": "<eos>", "unk": "<unk>"},
    "add_at_start": "bos", "add_at_end": "eos",
    "vocab": ["<bos>", "<eos>", "<unk>", ".", "a", "cat", "the", "caf\u00e9"]}))
put("tok_json", "char.json", json.dumps({
    "glassbox_tokenizer": 1, "kind": "char", "specials": {"unk": "?"}, "add_at_start": None,
    "vocab": ["?", " ", "a", "b", "c", "\u00e9", "\u4e2d", "\n"]}, ensure_ascii=False))

# text to encode: tokenizer test cases and a little Shakespeare
cases = json.loads(read("gpt2_bpe/tokenizer_cases.json"))
texts = []
def collect(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k in ("text", "input") and isinstance(v, str):
                texts.append(v)
            else:
                collect(v)
    elif isinstance(x, list):
        for v in x:
            collect(v)
collect(cases)
shakes = read("tinyshakespeare/input.txt")[:600].decode()
texts += [shakes, "caf\u00e9 \u4e2d\u6587 \U0001F600", "   leading spaces\n\n\ttabs"]
for i, t in enumerate(texts[:40]):
    for sel in (0, 3):
        put("bpe_encode", "text%02d_%d" % (i, sel), bytes([sel]) + t.encode())
put("bpe_encode", "invalid_utf8", b"\x01\xff\xfe\xc3(\xe2\x82 \xf0\x9f\x98")

# grammars: the bundled grammar and a tiny one
put("grammar", "classroom.grammar", open(os.path.join(ROOT, "data", "grammars", "classroom.grammar"), "rb").read())

# NPY files written the way numpy writes them
def npy(shape, vals, descr="<f4", order="False", version=1):
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, order, "".join("%d," % s for s in shape) if len(shape) != 1 else "%d," % shape[0])
    pre = 10 if version == 1 else 12
    h += " " * (-(pre + len(h) + 1) % 64) + "\n"
    lenf = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + lenf + h.encode() + struct.pack("<%df" % len(vals), *vals)
put("npy", "2x3.npy", npy([2, 3], [1, 2, 3, 4, 5, 6]))
put("npy", "scalar.npy", npy([], [7]))
put("npy", "vec_v2.npy", npy([4], [1, 2, 3, 4], version=2))
put("npy", "f8.npy", npy([1], [0, 0], descr="<f8"))

# command lines: arguments separated by NUL bytes
for i, a in enumerate([["--model", "x", "-n", "5", "pos"], ["--steps=12", "--temperature", "0.7", "--", "-x"],
                       ["-t", "1e400", "--seed", "18446744073709551615"], ["--flag", "1,2,3", "-", "--ids"],
                       ["--scale", "nan", "--model"], ["12,", ",3", "99999999999"]]):
    put("args", "argv%d" % i, "\0".join(a))
print("corpus written to", CORPUS)

# small grammars: the declarations plus one rule group at a time
g = open(os.path.join(ROOT, "data", "grammars", "classroom.grammar"), encoding="utf-8").read()
decl = "\n".join(l for l in g.split("\n") if l.startswith("%"))
put("grammar", "tiny.grammar", "%outputs en fr label\n%start lm s\ns:\n  the {n} sleeps . = le {n} dort .\nn:\n  cat = chat\n  dog = chien *2\n")
put("grammar", "features.grammar", "%outputs en fr\n%feature g m f\n%slash m.sg f.sg m.pl f.pl\n%start translate s\n"
    "s:\n  {a} = [m.sg le | f.sg la] {a}\na:\n  cat = chat @m\n  table = table @f\n")
blocks = g.split("\n\n")
for i in range(0, min(len(blocks), 60), 6):
    put("grammar", "part%02d.grammar" % i, decl + "\n\n" + "\n\n".join(blocks[i:i + 6]) + "\n")

# sampler specs and render sizes (fuzz_args parses each argument as both)
put("args", "argv6", "\0".join(["t=0.8:top-k=40:top-p=0.95", "greedy", "random", "1280x800", "0x5", "top-p=0"]))

# lessons: the bundled ones, the hostile ones of the malformed corpus, and a
# few that reach the files fuzz_lesson puts in its lessons folder
for p in sorted(glob.glob(os.path.join(ROOT, "lessons", "[0-9]*.md"))):
    put("lesson", os.path.basename(p), open(p, "rb").read())
for p in sorted(glob.glob(os.path.join(FIX, "malformed", "lesson_*.md"))):
    if os.path.getsize(p) < 8192:
        put("lesson", "bad_" + os.path.basename(p)[7:], open(p, "rb").read())
H = "# T\n\nIntro *a* **b** `c`.\n\n## S\n@model classroom\n@prompt the teacher taught the\nText.\n"
put("lesson", "inc_part.md", H + "@include part.md\n")
put("lesson", "inc_deep.md", H + "@include parts/deep.md\n")
put("lesson", "inc_escape.md", H + "@include escape.md\n")
put("lesson", "inc_up.md", H + "@include up/secret.md\n@image up/x.png\n")
put("lesson", "claims.md", H + "@claim next \"the teacher\" top1 \"taught\"\n"
    "@claim attention layer=1 head=0 from=\"taught\" to=\"teacher\" >= 0.1\n"
    "@claim tokens \"the teacher\" == \"the teacher\"\n@claim bigram \"the\" in-top 5 \"teacher\"\n")

# training corpus files: first byte = task (0 LM, 1 translate, 2 classify; bit 2: char
# tokenizer, bit 3: BPE training)
def head(rel, n):
    with open(os.path.join(ROOT, "data", "models", rel), "rb") as f:
        return b"".join(f.readlines()[:n])
put("task_text", "lm", b"\x00" + head("classroom.valid.txt", 12))
put("task_text", "lm_char_bpe", b"\x0c" + head("classroom.valid.txt", 6))
put("task_text", "translate", b"\x01" + head("classroom-translate.valid.tsv", 10))
put("task_text", "classify", b"\x02" + head("classroom-sentiment.valid.tsv", 10))
put("task_text", "classify_bpe", b"\x0a" + head("classroom-sentiment.valid.tsv", 4))
put("task_text", "crlf", b"\x01a b\tc d\r\n\r\ne f\tg h\r\n")
# fuzz_session and fuzz_checkpoint make their seeds with the library itself:
#   GB_FUZZ_SESSION_SEEDS=tests/fuzz/corpus/session build-fuzz/tests/fuzz/fuzz_session -runs=0
#   GB_FUZZ_CHECKPOINT_SEEDS=tests/fuzz/corpus/checkpoint build-fuzz/tests/fuzz/fuzz_checkpoint -runs=0
