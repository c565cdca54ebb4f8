#!/usr/bin/env python
"""Review s56 item 6: outcome sentences said after a change, and "What will that do?" answers.

    .venv/bin/python bench/outcome_said.py RUN_DIR [RUN_DIR ...]   # a `dialogue_quality.py --keep` folder

(1) outcome: per session with a successful write, the applicable outcome sentences are the union over
    its writes of Guidance.about(workflow, write, noun, call args) computed with the AFTER code (the
    same set judges both runs; the new pairs it adds were read by hand). A sentence counts as said
    when an assistant turn holds its time frame ("within 10 business days"), or, with none, >= 70%
    of its content words.
(2) reviewer: policy in the system prompt holds timing text; a write was made; an assistant turn
    mentions timing text (the reviewer's 204/231 count, as the reviewer defined it).
(3) what-will-that-do: answers to ASKS_WHAT_CHANGES; those carrying a value ($, a date, a number)
    and those still starting "A new X will be created".
"""
import json, re, sys, collections
from gem_env.tools.loading import load_domain
from gem_env.tools import compile_domain
from gem_env.agents.guidance import Guidance
from gem_env.agents.explain import ASKS_WHAT_CHANGES

TIMING = re.compile(r'business days|within \d+|\b\d+\s*(?:-\d+\s*)?days?\b|will be credited', re.I)
FRAME = re.compile(r"\b(?:within|in|for|after) (?:\d+(?:\s*(?:-|to)\s*\d+)?|a few|several) (?:business |working |calendar )?"
                   r"(?:days?|hours?|weeks?|months?|seconds?|minutes?)\b|\bat once\b|\bimmediately\b", re.I)
WORD = re.compile(r"[a-z0-9$]+")
SMALL = set("a an the to of and or is are be can for in on with by at from as it its you your we our this that will i'll we'll".split())
def content(s): return {w for w in WORD.findall(s.lower()) if w not in SMALL}
def said_in(sentence, text):
    f = FRAME.search(sentence)
    if f:
        return f.group(0).lower() in text.lower() and len(content(sentence) & content(text)) >= 2
    c = content(sentence)
    return bool(c) and len(c & content(text)) / len(c) >= 0.7
VALUE = re.compile(r"\$\d|\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d|\b\d+(?:\.\d+)?%|\b\d+ (?:days?|nights?|bags?)\b")

_cache = {}
def gd(path):
    if path not in _cache:
        dom = load_domain(path); comp = compile_domain(dom); _cache[path] = (dom, comp, Guidance(comp))
    return _cache[path]

def run(base):
    c = collections.Counter(); ww = []
    for corpus in ('tau2_banking', 'support_policies', 'examples'):
        for line in open(f'{base}/{corpus}/trajectories.jsonl'):
            d = json.loads(line); msgs = d['messages']
            dom, comp, g = gd(f'{base}/{corpus}/domains/{d["domain"]}.json')
            writes = []; first = None
            for i, m in enumerate(msgs):
                for tc in m.get('tool_calls') or []:
                    n = tc['function']['name']
                    if n in comp.tools and comp.tools[n].writes:
                        res = next((x['content'] for x in msgs[i+1:] if x['role'] == 'tool' and x.get('tool_call_id') == tc['id']), '')
                        if not res.lstrip().startswith('{"error"'):
                            writes.append((n, json.loads(tc['function']['arguments'] or '{}')))
            text = [m['content'] or '' for m in msgs if m['role'] == 'assistant']
            # (2)
            sysm = msgs[0]['content']; pol = sysm.split('Policy:', 1)[1] if 'Policy:' in sysm else ''
            if TIMING.search(pol) and writes:
                c['rev_sessions'] += 1
                if not any(TIMING.search(t) for t in text): c['rev_never_said'] += 1
            # (1)
            app = []
            for n, args in writes:
                wf = next((w for w in dom.workflows if any(s.tool == n for s in w.steps)), None)
                if wf: app += g.about(wf, n, comp.noun(wf.anchor.table), args)
            app = list(dict.fromkeys(app))
            if app:
                c['sessions_applicable'] += 1; c['sentences_applicable'] += len(app)
                s = [a for a in app if any(said_in(a, t) for t in text)]
                c['sentences_said'] += len(s); c['sessions_saying_one'] += bool(s)
            # (3)
            for i, m in enumerate(msgs):
                if m['role'] == 'user' and ASKS_WHAT_CHANGES.search(m['content'] or ''):
                    a = next((y['content'] for y in msgs[i+1:] if y['role'] == 'assistant' and y['content']), '')
                    c['what_answers'] += 1; c['what_with_value'] += bool(VALUE.search(a))
                    c['what_db_restatement'] += bool(re.match(r'A new \w+ will be created', a))
                    ww.append(a)
            c['trajectories'] += 1
    return c, ww

if __name__ == '__main__':
    out = {}
    for base in sys.argv[1:]:
        c, ww = run(base); out[base] = dict(c)
        print(base, json.dumps(dict(c)))
