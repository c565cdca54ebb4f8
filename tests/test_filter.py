"""Stage 1: the offline filter on the example corpus and on the labelled sample, and the text
analysis it shares with the extractor."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench_scripts import load_bench

from gem_env.io.corpus import iter_documents
from gem_env.documents import Document
from gem_env.text import features as tf
from gem_env.text.signals import instruction_words, is_question_title, is_task_title, machine_signals
from gem_env.stages.filter import (DEFAULT_THRESHOLD, EVIDENCE_AGAINST, FEATURES, WEIGHTS, WORDS, OfflineFilter,
                                   feature_values)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"
SHARED = ROOT.parent / "shared"


def example_docs() -> list[Document]:
    return list(iter_documents([str(CORPUS)]))


def is_procedure(doc: Document) -> bool:
    """Non-procedures live in examples/corpus/reference/ or say ``"kind": "reference"``."""
    return not doc.id.startswith("reference/") and doc.meta.get("kind") != "reference"


# ---------------------------------------------------------------- example corpus


def test_example_corpus_has_procedures_and_non_procedures():
    docs = example_docs()
    kinds = [is_procedure(d) for d in docs]
    assert kinds.count(True) >= 20 and 4 <= kinds.count(False) <= 6
    assert len({d.id.split("/")[0] for d in docs if "/" in d.id}) >= 8  # several businesses


@pytest.mark.parametrize("doc", example_docs(), ids=lambda d: d.id)
def test_filter_keeps_every_procedure_and_drops_the_rest(doc):
    verdict = OfflineFilter().judge(doc)
    assert verdict.relevant == is_procedure(doc), verdict.reason
    assert verdict.id == doc.id
    assert 0.0 <= verdict.score <= 1.0
    assert verdict.reason.startswith("procedure: " if verdict.relevant else "not a procedure: ")
    assert set(verdict.labels) == {"domain", "category"}


def test_labels_name_the_business_and_the_task():
    verdicts = {d.id: OfflineFilter().judge(d) for d in example_docs()}
    assert verdicts["shop/cancel-an-order.md"].labels == {"domain": "retail", "category": "order"}
    assert verdicts["clinic/book-an-appointment.md"].labels == {"domain": "health", "category": "booking"}
    assert verdicts["bank/dispute-a-charge.md"].labels == {"domain": "banking", "category": "payment"}
    assert verdicts["airline/add-checked-baggage.md"].labels["domain"] == "airline"
    assert verdicts["reference/larkspur-our-story.md"].labels["category"] == "reference"
    assert verdicts["telecom/add-a-line.md"].labels["domain"] == "telecom"


def test_a_banks_guide_that_syncs_data_is_not_a_phone_company():
    """tau2-banking's "Connecting Your ERP for Beige Account" was labelled telecom ("data", "call"),
    and its support prompt said "our telecom service"."""
    from gem_env.stages.filter import classify
    erp = Document(id="erp", title="Connecting Your ERP: API Integration Guide", text=(
        "## Connection steps\n- From your ERP, configure the banking connector.\n- Authorize data access and "
        "select the accounts that should sync.\n- Call the balance endpoint; data refreshes in real time.\n"
        "- Text fields map to bank account identifiers for reconciliation."))
    assert classify(erp, True)["domain"] == "banking"
    phone = Document(id="sim", title="Activate a new SIM", text="Insert the SIM, then check the signal strength "
                     "and mobile data. Roaming on your data plan costs extra.")
    assert classify(phone, True)["domain"] == "telecom"

    # a card replacement ships a card: its phrases ("debit card", "account tier") say banking more
    # surely than "shipping" and "delivery" say retail (tau2-banking was "our retail service")
    card = Document(id="card", title="Replacement options", text=(
        "Order a replacement debit card online. Standard shipping takes 5-7 days and expedited shipping "
        "costs $25; delivery goes to the address on file and each shipment has a tracking number. A debit "
        "card for a new address needs a check first, and a closed debit card is not replaced; the old "
        "debit card stops working at once."))
    assert classify(card, True)["domain"] == "banking"


def test_verdicts_are_deterministic():
    docs = example_docs()
    first = [OfflineFilter().judge(d).model_dump() for d in docs]
    second = [OfflineFilter().judge(d).model_dump() for d in reversed(docs)][::-1]
    assert first == second


def test_threshold_moves_the_decision():
    doc = next(d for d in example_docs() if d.id == "clinic/reschedule-an-appointment.md")
    score = OfflineFilter().score(doc)
    assert OfflineFilter(threshold=score).judge(doc).relevant
    assert not OfflineFilter(threshold=min(1.0, score + 0.01)).judge(doc).relevant


def test_llm_filter_imports_without_an_llm_layer():
    # LLMFilter is exercised against the test server elsewhere; here: it is importable offline.
    from gem_env.stages.filter import JudgeOutput, LLMFilter, judge_messages

    messages = judge_messages(Document(id="d", title="T", text="x" * 10_000))
    assert "MULTI-STEP PROCEDURE" in messages[0].content and "[... truncated]" in messages[1].content
    assert LLMFilter and JudgeOutput.model_json_schema()["required"]


# ---------------------------------------------------------------- the labelled sample


def test_the_model_has_a_weight_for_every_feature_on_its_designed_side():
    assert set(WEIGHTS) == set(FEATURES) and EVIDENCE_AGAINST <= set(FEATURES)
    for name, w in WEIGHTS.items():
        assert (w <= 0) if name in EVIDENCE_AGAINST else (w >= 0), (name, w)


def test_training_keeps_each_weight_on_its_side_and_is_deterministic():
    train = load_bench("train_filter")
    names = list(FEATURES)
    ui, tables = names.index("ui_run"), names.index("tables")
    xs, ys = [], []
    for k in range(40):  # ui_run says "relevant"; tables says "relevant" too here, against its design
        x = [0.0] * len(names)
        x[ui] = x[tables] = float(k % 2)
        x[names.index("steps")] = (k % 5) / 4
        xs.append(x)
        ys.append(k % 2 if k % 7 else 1 - k % 2)
    w = train.fit(xs, ys, 0.3)
    assert w == train.fit(xs, ys, 0.3)
    assert w[1 + ui] > 0 and w[1 + tables] == 0.0

def test_precision_and_recall_on_the_labelled_sample_stay_above_floors():
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"{corpora} is absent: the labelled sample points into ../shared/corpora")
    bench = load_bench("filter_quality")
    rows = [r for r in bench.load_labels() if r["split"] == "test"]
    docs = bench.load_documents(rows, corpora)
    flt = OfflineFilter()
    m = bench.metrics([(flt.score(docs[r["id"]]), r["relevant"]) for r in rows], DEFAULT_THRESHOLD)
    # measured (round 2): precision 0.742, recall 0.821 on the 99 test documents (28 relevant); v1 is
    # training data of the model since bench/train_filter.py, so this guards against regressions only
    assert m["precision"] >= 0.70 and m["recall"] >= 0.70, m


def test_held_out_v12_sample_is_scored_when_labelled():
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"{corpora} is absent: the labelled sample points into ../shared/corpora")
    bench = load_bench("filter_quality")
    v12 = bench.held_out(corpora)
    if "skipped" in v12:
        pytest.skip(v12["skipped"])
    rows = bench.load_labels(bench.LABELS_V12)
    assert v12["missing"] == 0 and v12["n"] == len(rows) and v12["all"]["tp"] + v12["all"]["fn"] == sum(
        r["relevant"] for r in rows), v12
    # measured once (round 46), after training on v1 to v11 only: P 0.806, R 0.725, F1 0.763 (350
    # documents, 330 of them wikiHow goal-steps, 40 relevant, labelled blind before the model work;
    # 0.857 without the 17 doubtful labels); round 39's model scored 0.741 on it — below the 0.9
    # target; a regression floor only
    assert v12["f1"] >= 0.75, v12


def test_held_out_v13_sample_is_scored_when_labelled():
    corpora = SHARED / "corpora"
    if not corpora.is_dir():
        pytest.skip(f"{corpora} is absent: the labelled sample points into ../shared/corpora")
    bench = load_bench("filter_quality")
    v13 = bench.held_out(corpora, bench.LABELS_V13)
    rows = bench.load_labels(bench.LABELS_V13)
    assert v13["missing"] == 0 and v13["n"] == len(rows) == 300
    assert v13["all"]["tp"] + v13["all"]["fn"] == sum(r["relevant"] for r in rows) == 31
    # measured once (round 54), the round-46 model (trained on v1 to v11): P 0.833, R 0.968, F1 0.896
    # (0.941 without the 16 doubtful labels); with v12, pooled: 0.825 -- below the 0.9 target; a
    # regression floor only
    assert v13["f1"] >= 0.85, v13
    both = bench.pooled(bench.held_out(corpora), v13)
    assert both["tp"] + both["fn"] == 40 + 31 and both["f1"] >= 0.8, both


def test_v11_is_training_data_and_v12_never_is():
    train = load_bench("train_filter")
    bench = load_bench("filter_quality")
    trained = {r["id"] for r in train.training_rows()}
    assert {r["id"] for r in bench.load_labels(bench.LABELS_V11)} <= trained
    assert not trained & {r["id"] for r in bench.load_labels(bench.LABELS_V12)}
    assert not trained & {r["id"] for r in bench.load_labels(bench.LABELS_V13)}


def test_labeller_agreement_is_kappa_and_f1_of_one_labeller_against_the_other(tmp_path):
    bench = load_bench("filter_quality")
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    labels_a = [True, True, False, False, False, False, True, False]
    labels_b = [True, False, False, False, False, False, True, True]
    for path, labels in ((first, labels_a), (second, labels_b)):
        rows = [{"_meta": {}}] + [{"id": f"d{k}", "relevant": v} for k, v in enumerate(labels)]
        path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = bench.labeller_agreement(first, second)
    # 6 of 8 agree; each labeller says relevant 3 times: chance 3/8*3/8 + 5/8*5/8 = 34/64
    assert out["agreement"] == 0.75 and out["cohen_kappa"] == round((0.75 - 34 / 64) / (1 - 34 / 64), 3)
    assert out["second_vs_first"]["tp"] == 2 and out["second_vs_first"]["f1"] == round(2 / 3, 3)
    assert bench.labeller_agreement(first, first)["cohen_kappa"] == 1.0


def test_label_samples_hold_ids_and_labels_only_and_never_overlap():
    data = ROOT / "bench" / "data"
    samples = {}
    for name in ("filter_labels.jsonl", "filter_labels_v2.jsonl", "filter_labels_v3.jsonl", "filter_labels_v4.jsonl",
                 "filter_labels_v5.jsonl", "filter_labels_v6.jsonl", "filter_labels_v7.jsonl",
                 "filter_labels_v8.jsonl", "filter_labels_v9.jsonl", "filter_labels_v10.jsonl",
                 "filter_labels_v11.jsonl", "filter_labels_v12.jsonl", "filter_labels_v13.jsonl"):
        lines = (data / name).read_text(encoding="utf-8").splitlines()
        samples[name] = (json.loads(lines[0])["_meta"], [json.loads(x) for x in lines[1:]])
    for name, size in (("filter_labels_v3.jsonl", 150), ("filter_labels_v4.jsonl", 160),
                       ("filter_labels_v5.jsonl", 160), ("filter_labels_v6.jsonl", 160),
                       ("filter_labels_v7.jsonl", 250), ("filter_labels_v8.jsonl", 250),
                       ("filter_labels_v9.jsonl", 290), ("filter_labels_v10.jsonl", 230),
                       ("filter_labels_v11.jsonl", 250), ("filter_labels_v12.jsonl", 350),
                       ("filter_labels_v13.jsonl", 300)):
        meta, rows = samples[name]
        assert meta["criterion"] == samples["filter_labels_v2.jsonl"][0]["criterion"]
        assert len(rows) >= size and all(set(r) <= {"id", "file", "relevant", "doubtful", "reason"} for r in rows)
        assert all(r["reason"] and isinstance(r["relevant"], bool) for r in rows)
    ids = [{r["id"] for r in rows} for _, rows in samples.values()]
    assert all(not (a & b) for n, a in enumerate(ids) for b in ids[n + 1:])
    second = [json.loads(x) for x in (data / "filter_labels_v4_second.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    assert {r["id"] for r in second} == {r["id"] for r in samples["filter_labels_v4.jsonl"][1]}
    assert all(r["reason"] and isinstance(r["relevant"], bool) for r in second)
    second_v7 = [json.loads(x) for x in (data / "filter_labels_v7_second.jsonl").read_text(encoding="utf-8").splitlines()[1:]]
    assert {r["id"] for r in second_v7} <= {r["id"] for r in samples["filter_labels_v7.jsonl"][1]}


def test_v7_label_decisions_are_exactly_where_the_two_labellers_disagree():
    train = load_bench("train_filter")
    bench = load_bench("filter_quality")
    first = {r["id"]: r["relevant"] for r in bench.load_labels(bench.LABELS_V7)}
    second = {r["id"]: r["relevant"] for r in bench.load_labels(bench.LABELS_V7_SECOND)}
    disagreed = {i for i in first.keys() & second.keys() if first[i] != second[i]}
    assert set(train.V7_AFTER_SECOND_OPINION) == disagreed
    kept = {r["id"]: r["relevant"] for r in train.training_rows()}
    for doc_id, (relevant, reason) in train.V7_AFTER_SECOND_OPINION.items():
        assert reason and (doc_id not in kept if relevant is None else kept[doc_id] == relevant)


def test_v1_labels_file_holds_ids_and_labels_only():
    lines = (ROOT / "bench" / "data" / "filter_labels.jsonl").read_text(encoding="utf-8").splitlines()
    meta, rows = json.loads(lines[0])["_meta"], [json.loads(x) for x in lines[1:]]
    assert "relevant" in meta and len(rows) == 200
    assert all(set(r) == {"id", "file", "relevant", "procedure", "split", "rationale"} for r in rows)


# ---------------------------------------------------------------- text.features


def test_segment_steps_numbered_list_with_wrapped_items():
    text = "# Return an item\n\nIntro.\n\n1. Sign in.\n2. Find the order by its\n   order number.\n3. Select Return.\n"
    steps = tf.segment_steps(text)
    assert [(s.number, s.verb) for s in steps] == [(1, "sign"), (2, "find"), (3, "select")]
    assert steps[1].text == "Find the order by its order number."
    assert text[steps[1].start:steps[1].end].startswith("Find the order")
    assert steps[0].section == "Return an item"


def test_segment_steps_prefers_a_procedure_over_a_tips_list():
    text = ("## Tips\n- Keep receipts.\n- Review statements monthly.\n- Use alerts.\n\n"
            "## How to cancel\n- Open Activity and select the payment.\n- Choose Cancel.\n")
    assert [s.verb for s in tf.segment_steps(text)] == ["open", "choose"]


def test_segment_steps_from_sequencing_prose():
    text = "First, log in to the portal. Then open Settings. Finally, click Save. It is quick."
    steps = tf.segment_steps(text)
    assert [s.marker for s in steps] == ["sequence", "sequence", "sequence"]
    assert [s.verb for s in steps] == ["log", "open", "click"]


def test_leading_verb_finds_instructions_only():
    assert tf.leading_verb("If the order is pending, cancel it.") == "cancel"
    assert tf.leading_verb("[Verify Identity] (kb query): Ask for the order ID") == "verify"
    assert tf.leading_verb("[Shipping Status] (interaction): Ask for the status") == "ask"
    assert tf.leading_verb("Insufficient funds: Add funds and retry.") == "add"
    assert tf.leading_verb("Please enter your email address") == "enter"
    assert tf.leading_verb("Prepare the shot cups.") == "prepare"  # not curated, but has an object
    for text in ("Cancelled orders are refunded.", "Order number: LG-1", "Order ID", "Annual fee: $20",
                 "Only the owner can do it."):
        assert tf.leading_verb(text) is None, text


def test_a_remark_a_caption_or_code_is_no_instruction():
    """Debian's prose: a preposition, connective or determiner before an object ("Through this
    mechanism", "Such a method"), a remark verb before "that" or a comma, a caption's label and a
    line of code were taken for verbs (tools `through_mechanism`, `likewise_right` setting the
    status 'likewised', `figure_file_2`, `type_myapp_t`)."""
    for text in ("Likewise, some rights are in fact sets of rights.", "Through this mechanism, AppArmor confines programs.",
                 "Beware that adding third party repositories poses a risk!", "Imagine, that the Falcot Corp. runs a mirror.",
                 "Voilà: the package is created.", "Attention, the package has been created here.",
                 "Note, however, that you can use interfaces.", "Notice that this access request is not part of it.",
                 "With the --paranoid option you get all unconfined processes.", "Such a method works.",
                 "In this section we cover the basics.", "Figure 14.1.", "type myapp_t;",
                 "type myapp_exec_t; domain_type(myapp_t)"):
        assert tf.leading_verb(text) is None, text
    for text, verb in (("Note the confirmation number.", "note"), ("With the app open, tap Settings.", "tap"),
                       ("In the app, tap Settings.", "tap"), ("type your password; then press Enter", "type"),
                       ("Like the page.", "like"), ("Figure out the total.", "figure")):
        assert tf.leading_verb(text) == verb, text
    # a two-word subject before its verb is a statement ("read_access_give" was a step); a wh-word
    # after the verb is its object
    for text in ("Read access gives the right to consult the list.", "Return value is zero."):
        assert tf.leading_verb(text) is None, text
    for text, verb in (("Install what is needed.", "install"), ("Decide which is best.", "decide")):
        assert tf.leading_verb(text) == verb, text


def test_verbs_lemmas_and_kinds():
    assert tf.verb_lemma("cancelled") == "cancel" and tf.verb_lemma("Refunds") == "refund"
    assert tf.lemma("orders") == "order"
    assert tf.action_kind("cancel") == "delete" and tf.action_kind("stir") == "physical"
    assert tf.action_kind("place") == "create"  # a system kind wins over "physical"
    system = [set(v) for k, v in tf.VERB_KINDS.items() if k != "physical"]
    assert sum(len(s) for s in system) == len(set().union(*system)), "system verb kinds overlap"


def test_conditions_with_kinds_and_time_windows():
    text = ("- You can only cancel an order while it is pending.\n"
            "- Returns must be started within 30 days of delivery.\n"
            "- Gift cards cannot be returned unless faulty.\n"
            "- Pay before the due date, within the SEPA zone.\n")
    kinds = [(c.kind, c.amount, c.unit) for c in tf.conditions(text)]
    assert kinds == [("only_if", None, None), ("must", None, None), ("within", 30, "day"),
                     ("cannot", None, None), ("unless", None, None), ("before", None, None)]
    assert tf.conditions(text)[2].text == "Returns must be started within 30 days of delivery."


def test_named_fields():
    text = ("Enter your order number (like LG-10482), the card's last four digits and your email "
            "address. Ask for the 'account_class' and press [Verify Identity]; call get_user_details.")
    fields = {(f.name, f.kind) for f in tf.named_fields(text)}
    assert fields >= {("order_number", "named"), ("LG-10482", "code"), ("card_last_four_digits", "named"),
                      ("email_address", "named"), ("account_class", "quoted"),
                      ("verify_identity", "quoted"), ("get_user_details", "identifier")}
    assert not any(f.name.startswith(("your_", "the_", "enter_")) for f in tf.named_fields(text))


def test_lexicon_matches_longest_phrase_by_lemma():
    lex = tf.Lexicon({"cannot": ["cannot", "must not"], "must": ["must", "require"]})
    words = tf.tokens("It must not fail; it requires a PIN and must work.").words
    assert [label for label, _, _ in lex.matches(words)] == ["cannot", "must", "must"]


def test_features_separate_procedures_from_narrative():
    docs = {d.id: d for d in example_docs()}
    proc = tf.features(docs["shop/cancel-an-order.md"].text)
    news = tf.features(docs["reference/harbor-opens-riverside-branch.md"].text)
    assert proc.numbered and proc.steps == 5 and proc.strong_conditions >= 3 and proc.fields >= 4
    assert news.steps == 0 and news.past_tense > proc.past_tense and news.dates >= 4


# ---------------------------------------------------------------- text.signals


def test_task_titles():
    for title in ("How do I stop a recurring payment?", "Automatic Sweep: Setting Up Your Sweep Program",
                  "Canceling a payment", "Cancel an order", "Closing an account"):
        assert is_task_title(title), title
    for title in ("Understanding fees", "Reading Your Sustainability Impact Report", "Bronze Account features",
                  "Why hasn't my group member paid yet?"):
        assert not is_task_title(title), title


def test_question_titles_ask_about_a_fact_not_a_task():
    for title in ("Why was I charged a transfer fee on my Gold Account?", "User Roles: What Can Each Role Access?",
                  "Can I pay with a foreign card?"):
        assert is_question_title(title), title
    for title in ("How do I stop a recurring payment?", "How to add a payee", "Setting up bill pay", "Whatever"):
        assert not is_question_title(title), title


def test_machine_signals_tell_interface_steps_tools_and_commands_from_hands_on_text():
    app = machine_signals("## Cancel a payment\n- Open Activity and select the payment.\n- Choose Cancel.\n"
                          "- Click the [Send Link] button and call get_user_details.\n\n"
                          "Then run:\n\n    # mkdir a\n    # cd a\n")
    assert app.ui_run == 3 and app.tool_actions == 2 and app.command_runs == 1 and app.task_sections == 1
    cook = machine_signals("1. Pour the milk into a bowl.\n2. Whisk in the sugar and the eggs.\n3. Bake in the oven.\n")
    assert cook.ui_run == 0 and cook.tool_actions == 0 and cook.physical_nouns >= 5
    game = machine_signals("How to Get a Golden Shovel in Animal Crossing\n1. Talk to the villager.\n2. Win the battle.")
    assert game.game_words >= 2


def test_machine_signals_for_agent_policies_shell_setups_and_information_pages():
    policy = ("- At the beginning, you have to authenticate the user by locating their user id, even when the "
              "user already gives it; this has to be done every time, before any other action is taken.\n"
              "- You should transfer the user to a human agent if the request is out of scope.\n"
              "- Generally, you can only take action on pending or delivered orders.\n")
    assert machine_signals(policy).agent_directives == 2
    assert machine_signals("There are tricks you can use to gain super-user rights.").agent_directives == 0
    values, counts = feature_values(Document(id="p", text=policy * 2))
    assert counts["step_words"] >= 15 and values["long_steps"] == 0.0 and values["agent_policy"] == 1.0
    chained = machine_signals("# mount -t auto /dev/sdb1 /mnt/foo\n# cd /mnt/foo\n# dd if=/dev/zero of=junk\n"
                              "# sync\n# umount /dev/sdb1\n")
    independent = machine_signals("$ dd if=/dev/zero of=5kb.file bs=1k\n$ dd if=/dev/urandom of=7mb.file bs=1M\n"
                                  "$ touch zero.file\n- List tracked files:\n`git lfs ls-files {{path/to/file}}`\n"
                                  "- Push them:\n`git lfs push {{path/to/file}}`\n")
    assert chained.chained_commands == 2 and independent.chained_commands == 0
    info = machine_signals("## Fees\n- The fee is $5.\n- The bonus is additive.\n- Limits apply daily.\n"
                           "## How to redeem\n- Open Rewards and select Redeem.\n")
    assert (info.statement_items, info.list_items) == (3, 4)


def test_instruction_words_are_the_words_of_the_instructions_only():
    text = ("## Fees\nThe fee is $5 per transfer.\n\n## Steps\n1. Open Settings > Payments.\n"
            "2. Tap Enable and confirm.\n")
    assert instruction_words(text) == {"open", "settings", ">", "payments", "tap", "enable", "and", "confirm"}
    assert instruction_words("Interest is paid monthly. Rates may change.") == frozenset()


def test_reasons_cite_the_wording_on_the_side_it_pulls(monkeypatch):
    """The instructions' wording is cited as evidence for a decision only when its summed weight
    pulls that way, naming words that pull that way."""
    import gem_env.stages.filter as flt
    doc = Document(id="w", text="1. Open the app.\n2. Tap Transfers and select the account.\n3. Submit it.\n")
    monkeypatch.setattr(flt, "TEXT_WORDS", {})  # the whole text's vocabulary is cited on its own
    monkeypatch.setattr(flt, "WORDS", {"tap": 2.0, "transfers": 1.0, "submit": -0.5})
    for_it = OfflineFilter(threshold=0.0).judge(doc)
    assert for_it.relevant and "instructions worded 'tap', 'transfers'" in for_it.reason.split(" (against")[0]
    monkeypatch.setattr(flt, "WORDS", {"tap": -3.0, "open": 0.4})
    against = OfflineFilter(threshold=1.0).judge(doc)
    assert not against.relevant and "instructions worded 'tap'" in against.reason.split(" (against")[0]
    assert "'open'" not in against.reason


def test_word_weights_are_learned_data():
    assert WORDS and all(isinstance(w, str) and w == w.lower() and v for w, v in WORDS.items())


def test_a_title_naming_a_machine_is_evidence_for_it():
    """Short how-to steps ("Craft three wooden planks.") do not say they act on a machine; a title
    "... in Minecraft" or "... on Android" does (round 38)."""
    steps = "1. Craft three wooden planks.\n2. Place them in the grid.\n3. Take the bowl.\n"
    game = feature_values(Document(id="g", title="How to Make a Bowl in Minecraft", text=steps))[0]
    kitchen = feature_values(Document(id="k", title="How to Make a Wooden Bowl", text=steps))[0]
    assert game["title_machine"] == 1.0 and kitchen["title_machine"] == 0.0
    assert WEIGHTS["title_machine"] >= 0 and "title_machine" not in EVIDENCE_AGAINST


def test_reasons_cite_the_texts_vocabulary_on_the_side_it_pulls(monkeypatch):
    import gem_env.stages.filter as flt
    doc = Document(id="v", title="How to Craft a Bed", text="1. Open your inventory.\n2. Craft the bed.\n")
    monkeypatch.setattr(flt, "WORDS", {})
    monkeypatch.setattr(flt, "TEXT_WORDS", {"inventory": 3.0, "bed": -0.2})
    verdict = OfflineFilter(threshold=0.0).judge(doc)
    assert verdict.relevant and "words such as 'inventory'" in verdict.reason and "'bed'" not in verdict.reason
    assert flt.text_words(doc.text + " 42") == {"open", "inventory", "craft", "bed"}  # no "your", "the", "42"


def test_text_word_weights_are_learned_data():
    from gem_env.stages.filter import TEXT_WORDS
    assert TEXT_WORDS and all(isinstance(w, str) and w == w.lower() and v for w, v in TEXT_WORDS.items())


def test_a_draw_can_be_stratified_by_a_field_other_than_the_title():
    sampler = load_bench("sample_filter_labels")
    records = [{"id": "a", "topic": "Hobbies and Crafts", "title": "x"}, {"id": "b", "topic": "Food", "title": "y"},
               {"id": "c", "topic": "Hobbies and Crafts", "title": "z"}]
    strata = sampler.title_strata(records, {"Hobbies and Crafts": 1, "": 1}, "topic")
    assert [[r["id"] for r in rs] for rs, _ in strata] == [["a", "c"], ["b"]]
    assert sampler.DRAWS[10]["prior"][-1] == "filter_labels_v9.jsonl"
    assert sampler.DRAWS[11]["prior"][-1] == "filter_labels_v10.jsonl"
    assert sampler.DRAWS[12]["prior"][-1] == "filter_labels_v11.jsonl"
