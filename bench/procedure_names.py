"""What the procedure path (how-to text: wikiHow, Debian docs) makes, measured on a synthesize run.

Over the procedure-path domains of a run (a service domain's description ends "(<archetype> service)"):

- ``bad_names``: the share of step tools (every tool but ``get_<x>`` and ``find_<xs>_by_email`` / ``_by_name``)
  whose name holds a token that is neither the step's verb nor a noun of its object: an adverb
  ("easily", "just", "now", a word in -ly), a modal or auxiliary ("can", "should", "be"), the
  verb of a relative clause ("the computer you *want* to ..."), a pronoun ("something"), a single
  letter, or a numeric suffix the text does not write (``click_proceed_2``); per kind, and examples.
- ``bad_goals``: the share of workflow goals holding " - " (a title's subtitle) or a capitalised
  common word (a function word, or a word the document itself writes in lower case: "Block a
  Website" where the text says "website").
- ``bad_flags``: the share of boolean fields (the flags a condition sentence becomes) whose name
  is not ``<noun phrase>_<state>`` / ``has_<noun>`` / ``is_<word>`` from the sentence: the last
  token is no participle of a word of the sentence nor a word it says after "be" (``no_state``:
  ``expert_major_league``, ``survey``), a token is used as a verb in the sentence but not as its
  state (``verb_token``: ``use_mixe_source``, ``minute_win_play``), a token is no word of the
  sentence (``not_in_text``: ``mixe``), or a function word, pronoun, modal or adverb
  (``function_word``); per kind, and examples.
- ``fragment_fields``: fields of any type (but the id, owner, status and progress every record
  has) named from a fragment: the name opens with a gerund, a pronoun, a number word or a function
  word (``setting_command``, ``one_level``, ``from_type``); count and examples.
- ``params_per_tool``: mean parameters per step tool other than the record id; ``id_only_tools``: step
  tools taking nothing but the record id (a tool per sentence of the text, `click_menu_button`);
  ``tools_per_domain``: mean step tools per procedure domain (the acts an app has are few:
  `click`, `open_app`, `do_step`, ...).
- ``accepted``: accepted trajectories of the run (from its manifest).

Run: python bench/procedure_names.py RUN_DIR [CORPUS.jsonl]   (RUN_DIR from `gem_env synthesize`)
or, with no RUN_DIR, it synthesizes ../shared/corpora/wikihow_goal_steps_1000.jsonl into a
temporary directory first (15 s). Prints one JSON object.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gem_env.stages.extract.lexicon import _regular_participle  # noqa: E402
from gem_env.stages.extract.procedure_acts import ACTS as _ACTS  # noqa: E402
from gem_env.text import features as tf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ACTS = frozenset(a.name for a in _ACTS)
WIKIHOW = ROOT.parent / "shared" / "corpora" / "wikihow_goal_steps_1000.jsonl"

ADVERBS = frozenset("just now always never then again also still even already soon later here there very quite "
                    "ever often sometimes usually simply really maybe perhaps only first next finally once twice "
                    "instead too almost probably definitely".split())
#: words in -ly that are nouns or verbs, not adverbs
LY_WORDS = frozenset("family reply supply apply assembly butterfly jelly belly holly ally rally fly lily italy july "
                     "bully anomaly monopoly comply multiply imply rely ply poly bubbly".split())
MODALS = frozenset("can could should would will must may might shall be been being is are was were do does did "
                   "sure want wants wanted wish".split())
PRONOUNS = frozenset("you your yours it its something anything everything nothing someone anyone everyone they "
                     "them we us he she him her one ones".split())
FUNCTION = frozenset("a an the to of on in for with and or your my by from at as into onto using via about "
                     "over under up down out off is are be this that these those it its their our".split())
NUMBER_WORDS = frozenset("one two three four five six seven eight nine ten first second third".split())
_BE = frozenset("be is are was were been being".split())
_VERB_BEFORE = frozenset("to must should can could will would may might need needs you we i they don't do "
                         "not never".split())
_COMMON_FIELDS = frozenset({"owner_email", "status", "progress"})
#: prepositions that may join a state to its complement inside a flag's name
_COMPLEMENT = frozenset("in on at for with from by of to into".split())
_SUBJECT = r"\b(?:you|we|i|they|he|she|it)\s+(?:(?:can|will|would|should|may|might|must|do|did|have|had|are|were|'ve|'d|'ll)\s+)?"


def _procedure_domains(run: Path) -> list[dict[str, Any]]:
    out = []
    for f in sorted((run / "domains").glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        if re.search(r"\(\w+ service\)", d.get("description", "")):
            continue
        out.append(d)
    return out


def name_faults(name: str, span: str) -> list[str]:
    """The kinds of fault in one step tool's name, given the step's text."""
    tokens = name.split("_")
    low = span.lower()
    faults = []
    for k, tok in enumerate(tokens):
        if tok.isdigit():
            if k == len(tokens) - 1 and not re.search(rf"\b{tok}\b", low):
                faults.append("numeric_suffix")
            continue
        if len(tok) == 1:
            faults.append("single_letter")
        elif tok in ADVERBS or (tok.endswith("ly") and tok not in LY_WORDS and len(tok) > 3):
            faults.append("adverb")
        elif tok in MODALS:
            faults.append("modal_or_want")
        elif tok in PRONOUNS:
            faults.append("pronoun")
        elif k > 0 and re.search(_SUBJECT + re.escape(tok[:max(3, len(tok) - 1)]), low):
            faults.append("relative_clause_verb")  # "the computer you want", "until you hear"
    return faults


def flag_faults(name: str, sentence: str) -> list[str]:
    """The kinds of fault in one boolean field's name, given the sentence it was made from."""
    words = re.findall(r"[a-z][a-z0-9]*", sentence.lower().replace("'", ""))
    forms = set(words) | {tf.lemma(w) for w in words}
    states = {_regular_participle(tf.verb_lemma(w) or tf.lemma(w)) for w in words} | set(words)
    after_be = {words[k + 1] for k in range(len(words) - 1) if words[k] in _BE}
    after_be |= {words[k + 2] for k in range(len(words) - 2) if words[k] in _BE and words[k + 1] in ("not", "a", "an")}
    tokens = name.split("_")
    faults = []
    marked = tokens[0] in ("has", "is") and len(tokens) > 1
    state = tokens[-1]
    if not marked and not (len(tokens) > 1 and (state in after_be or state in states and state not in words[:1]
                                                and (state != tf.lemma(state) or _regular_participle(state) == state
                                                     and f"to {state}" not in " ".join(words)))):
        faults.append("no_state")  # "expert_major_league", "survey"
    body = tokens[1:] if marked else tokens[:-1] if "no_state" not in faults else tokens
    for k, tok in enumerate(body):
        if k and tok in _COMPLEMENT or marked and k == 0 and tok in states:
            continue  # "account_in_good_standing", "is_bought_on_sale", "is_changed"
        if tok in FUNCTION or tok in PRONOUNS or tok in MODALS or tok in ADVERBS or tok in NUMBER_WORDS:
            faults.append("function_word")
        elif tok not in forms:
            faults.append("not_in_text")  # "mixe" (of "mixed")
        elif words[:1] == [tok] and tf.verb_lemma(tok) or any(words[j] == tok and words[j - 1] in _VERB_BEFORE for j in range(1, len(words))) \
                or any(w in (tok + "ing", tok + "ed", tok + "d", tok[:-1] + "ing") for w in words):
            faults.append("verb_token")  # "use_mixe_source" <- "When using ...", "minute_win_play" <- "to play"
    return list(dict.fromkeys(faults))


def full_sentence(description: str, text: str) -> str:
    """A field's description, completed from the document where it was cut ("... the write permissi…")."""
    if not description.endswith("…") or not text:
        return description
    flat = " ".join(text.split())  # descriptions are written with their white space collapsed
    at = flat.find(description[:-1])
    if at < 0:
        return description
    end = re.compile(r"[.!?](?=\s|$)").search(flat, at + len(description) - 1)
    return flat[at:end.end() if end else len(flat)]


def fragment_fault(name: str) -> bool:
    """Whether a field's name opens with a fragment: a gerund, pronoun, number or function word."""
    first = name.split("_")[0]
    if first in ("has", "is") and "_" in name:
        return False  # the flag scheme's has_<noun> / is_<word>
    gerund = first.endswith("ing") and any(tf.verb_lemma(c) for c in (first[:-3], first[:-3] + "e", first[:-4]))
    return first in FUNCTION or first in PRONOUNS or first in NUMBER_WORDS or gerund


def goal_faults(goal: str, text: str) -> list[str]:
    """The kinds of fault in a workflow goal: a subtitle, capitalised common words."""
    goal = re.sub(r"\s*\([^()]*\{\w+\}\)\s*$", "", goal)  # "(card {card_id})"
    faults = []
    if " - " in goal:
        faults.append("subtitle")
    lower_words = set(re.findall(r"(?<![.!?]\s)\b([a-z][a-z'-]+)\b", text))
    for k, w in enumerate(re.findall(r"[A-Za-z][\w'-]*", goal)):
        if not w[:1].isupper() or not w[1:].islower():
            continue  # lower case, or "iTunes", "USB"
        if w.lower() in FUNCTION or w.lower() in lower_words:
            faults.append("capitalised_common")
            break
    return faults


def measure(run: Path, corpus: Path | None = None) -> dict[str, Any]:
    texts: dict[str, str] = {}
    if corpus is not None:
        for line in corpus.read_text(encoding="utf-8").splitlines():
            if line.strip():
                doc = json.loads(line)
                texts[doc["id"]] = doc.get("text") or ""
    domains = _procedure_domains(run)
    n_tools = bad = params = id_only = 0
    kinds: Counter[str] = Counter()
    examples: list[str] = []
    goals = bad_goals = 0
    goal_kinds: Counter[str] = Counter()
    goal_examples: list[str] = []
    flags = bad_flags = fields = fragments = 0
    flag_kinds: Counter[str] = Counter()
    flag_examples: list[str] = []
    fragment_examples: list[str] = []
    for d in domains:
        text = texts.get(d["provenance"]["doc_id"], "")
        entity = d["entities"][0]
        for f in entity["fields"]:
            if f["name"] == entity["primary_key"] or f["name"] in _COMMON_FIELDS:
                continue
            fields += 1
            if fragment_fault(f["name"]):
                fragments += 1
                if len(fragment_examples) < 20:
                    fragment_examples.append(f"{f['name']}  <-  {f.get('description', '')[:90]}")
            if f["type"] != "boolean":
                continue
            flags += 1
            kinds_of = flag_faults(f["name"], full_sentence(f.get("description", ""), text))
            if kinds_of:
                bad_flags += 1
                flag_kinds.update(kinds_of)
                if len(flag_examples) < 30:
                    flag_examples.append(f"{f['name']}  <-  {f.get('description', '')[:90]}")
        for t in d["tools"]:
            if t["name"].startswith("get_") and len(t["parameters"]) == 1 and t.get("kind") == "read" \
                    and t["description"].startswith("Look up"):
                continue
            if re.fullmatch(r"find_\w+_by_(?:email|name)", t["name"]):
                continue
            n_tools += 1
            pk = d["entities"][0]["primary_key"]
            params += sum(1 for p in t["parameters"] if p["name"] != pk)
            id_only += all(p["name"] == pk for p in t["parameters"])
            # (an act is named for what it does in any guide, not from one step's words: `do_step`)
            f = [] if t["name"] in ACTS else name_faults(t["name"], (t.get("span") or {}).get("text", ""))
            if f:
                bad += 1
                kinds.update(set(f))
                if len(examples) < 40:
                    examples.append(f"{t['name']}  <-  {(t.get('span') or {}).get('text', '')[:90]}")
        text = texts.get(d["provenance"]["doc_id"], "")
        for w in d["workflows"]:
            goals += 1
            f = goal_faults(w["goal"], text)
            if f:
                bad_goals += 1
                goal_kinds.update(set(f))
                if len(goal_examples) < 20:
                    goal_examples.append(w["goal"])
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest.get("counts", manifest)
    return {
        "procedure_domains": len(domains), "step_tools": n_tools,
        "bad_names": round(bad / max(1, n_tools), 3), "bad_name_kinds": dict(sorted(kinds.items())),
        "bad_goals": round(bad_goals / max(1, goals), 3), "bad_goal_kinds": dict(sorted(goal_kinds.items())),
        "goals": goals,
        "flags": flags, "bad_flags": round(bad_flags / max(1, flags), 3), "bad_flag_kinds": dict(sorted(flag_kinds.items())),
        "fields": fields, "fragment_fields": fragments,
        "params_per_tool": round(params / max(1, n_tools), 3), "id_only_tools": id_only,
        "tools_per_domain": round(n_tools / max(1, len(domains)), 2),
        "accepted": counts.get("trajectories_accepted"),
        "name_examples": examples, "goal_examples": goal_examples, "flag_examples": flag_examples,
        "fragment_examples": fragment_examples,
    }


def synthesize(corpus: Path, out: Path) -> None:
    subprocess.run([sys.executable, "-m", "gem_env", "synthesize", str(corpus), "--out", str(out), "--quiet"],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description="What the procedure path makes, measured on a synthesize run (JSON).")
    parser.add_argument("run", nargs="?", type=Path, help="a run directory (default: synthesize wikiHow goal-steps)")
    parser.add_argument("corpus", nargs="?", type=Path, help="the run's corpus file (for the step texts)")
    args = parser.parse_args()
    if args.run is not None:
        if not (args.run / "manifest.json").is_file():
            parser.error(f"{args.run} is no run directory (no manifest.json)")
        print(json.dumps(measure(args.run, args.corpus), indent=1))
        return
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        synthesize(WIKIHOW, run)
        print(json.dumps(measure(run, WIKIHOW), indent=1))


if __name__ == "__main__":
    main()
