#!/usr/bin/env bash
# 0800-gen-store.sh: bench/gen-store at a tiny size: the store says what
# the truth file says (queues, priorities, tags, merged pairs, threads with
# replies, the three languages), each ticket's first message is the one the
# truth names, every sentence of desk show --summary is in its message, and
# the same seed writes the same truth file again.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { skip "bench/gen-store" "no python3"; test_done; }

GEN=$SRCDIR/bench/gen-store
"$GEN" --desk "$DESK" -n 60 -d 20 -s 7 -o "$T/a" >"$T/a.out" 2>"$T/a.err"
check_eq "bench/gen-store -n 60 exits 0" 0 $? || diag "$(tail -5 "$T/a.err")"
tail -1 "$T/a.out" | grep -Eq '^ratio: [0-9.]+$' && ok "it ends on its ratio" || not_ok "it ends on its ratio" "$(tail -3 "$T/a.out")"
STORE=$T/a/store
"$DESK" --store "$STORE" list --status any --limit 0 --format=json >"$T/list.json" 2>"$T/list.err" ||
	"$DESK" --store "$STORE" list --status any --format=json >"$T/list.json"

# compare FIELD: the number of tickets where the store and the truth disagree on FIELD
python3 - "$T/a/truth.jsonl" "$T/list.json" >"$T/cmp" <<'PY'
import json, sys
truth = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
store = {t["ticket"]: t for t in json.load(open(sys.argv[2], encoding="utf-8"))}
bad = {k: [] for k in ("missing", "queue", "priority", "tags", "merged", "thread")}
for t in truth:
    s = store.get(t["ticket"])
    if s is None:
        bad["missing"].append(t["ticket"]); continue
    if t["merged_into"] is not None:
        if s["status"] != "merged" or s["merged_into"] != t["merged_into"]:
            bad["merged"].append(t["ticket"])
        continue
    if s["queue"] != t["queue_now"]:
        bad["queue"].append(t["ticket"])
    if s["priority"] != (t["label_priority"] or "normal"):
        bad["priority"].append(t["ticket"])
    if not set(t["label_tags"] or []) <= set(s["tags"]):
        bad["tags"].append(t["ticket"])
    # customer mail, our replies and the merged duplicates' mail all show
    if s["messages"] < t["customer_messages"] + t["replies"]:
        bad["thread"].append(t["ticket"])
for k, v in bad.items():
    print(k, len(v), " ".join(map(str, v[:10])))
print("tickets", len(truth))
print("dups", sum(1 for t in truth if t["merged_into"] is not None))
print("unmerged", sum(1 for t in truth if t["duplicate_of"] is not None and t["merged_into"] is None and store[t["ticket"]]["status"] == "merged"))
print("threads", sum(1 for t in truth if t["customer_messages"] >= 2 and t["replies"] >= 1))
print("langs", " ".join(sorted(set(t["language"] for t in truth))))
print("noisy", sum(1 for t in truth if t["noisy"]))
PY
field() { awk -v k="$1" '$1 == k { print $2 }' "$T/cmp"; }
check "the truth has 60 tickets and more (duplicates)" test "$(field tickets)" -ge 60
check_eq "every ticket of the truth is in the store" 0 "$(field missing)"
check_eq "queues as the truth says (desk list --format=json)" 0 "$(field queue)" || diag "$(grep ^queue "$T/cmp")"
check_eq "priorities as the truth says" 0 "$(field priority)" || diag "$(grep ^priority "$T/cmp")"
check_eq "tags as the truth says" 0 "$(field tags)" || diag "$(grep ^tags "$T/cmp")"
check "some duplicates were made" test "$(field dups)" -ge 1
check_eq "every known merged pair is merged" 0 "$(field merged)"
check_eq "a duplicate whose merge was not made is not merged" 0 "$(field unmerged)"
check "some tickets have a customer's reply after ours" test "$(field threads)" -ge 3
check_eq "threads hold every message" 0 "$(field thread)" || diag "$(grep ^thread "$T/cmp")"
check_eq "English, German and French" "de en fr" "$(grep ^langs "$T/cmp" | cut -d' ' -f2-)"
check "some labels are noisy" test "$(field noisy)" -ge 1

# a threaded reply: its In-Reply-To names a message of the same ticket
f=$(grep -l '^In-Reply-To:' "$STORE"/mail/cur/* | head -1)
irt=$(sed -n 's/^In-Reply-To: <\(.*\)>$/\1/p' "$f" | head -1)
parent=$(grep -l "^Message-ID: <$irt>" "$STORE"/mail/cur/* | head -1)
check_eq "a customer's reply joins the ticket of the message it answers" \
	"$(sed -n 's/^X-Desk-Ticket: //p' "$parent" | head -1)" "$(sed -n 's/^X-Desk-Ticket: //p' "$f" | head -1)"

# the first message of each ticket is the truth's
n=$(python3 -c 'import json,sys; t=[json.loads(l) for l in open(sys.argv[1])]; x=[r for r in t if r["language"]=="de" and not r["merged_into"]][0]; print(x["ticket"], x["message_id"])' "$T/a/truth.jsonl")
"$DESK" --store "$STORE" show "${n% *}" --format=json >"$T/show.json"
check_eq "a German ticket's first message is the truth's" "${n#* }" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"][0]["message_id"])' "$T/show.json")"

# desk show --summary on every ticket of the generated store (en, de, fr;
# greetings, signatures, quoted replies): each sentence a run of the text
# of the message it cites, never a line of a quote or a signature
bad=0
mkdir -p "$T/sum"
for t in $("$DESK" --store "$STORE" list --status any --format ids); do
	"$DESK" --store "$STORE" show "$t" --format=json >"$T/sum/$t.show" &&
		"$DESK" --store "$STORE" show "$t" --summary --format=json >"$T/sum/$t.sum" || bad=$((bad + 1))
done
r=$(python3 - "$T/sum" <<'PY'
import glob, json, os, sys
bad = n = 0
for f in glob.glob(os.path.join(sys.argv[1], "*.sum")):
    show = json.load(open(f[:-4] + ".show")); s = json.load(open(f))
    text = {m["number"]: m["text"] for m in show["messages"] if m["number"] is not None}
    for k in ("first", "last", "answers"):
        for l in s[k]:
            n += k != "answers"
            t = text.get(l["message"], "")
            if l["text"] not in t:
                bad += 1; continue
            before = t[:t.index(l["text"])]
            if before.rsplit("\n", 1)[-1].lstrip().startswith(">") or "\n-- \n" in before:
                bad += 1
print(bad, n)
PY
)
bad=$((bad + ${r% *})) n=${r#* }
check_eq "every summary sentence of the generated store is in its message, outside quotes and signatures" 0 "$bad"
check "the summaries quote something ($n sentences)" test "$n" -ge 60

# the same seed, the same truth; another seed, another
"$GEN" --desk "$DESK" -n 12 -d 6 -s 3 -o "$T/b" >/dev/null 2>&1
"$GEN" --desk "$DESK" -n 12 -d 6 -s 3 -o "$T/c" >/dev/null 2>&1
check "the same seed writes the same truth file" cmp "$T/b/truth.jsonl" "$T/c/truth.jsonl"
check "the truth is not empty" test -s "$T/b/truth.jsonl"
"$GEN" --desk "$DESK" -n 12 -d 6 -s 4 -o "$T/d" >/dev/null 2>&1
check "another seed writes another" test "$(cmp -s "$T/b/truth.jsonl" "$T/d/truth.jsonl"; echo $?)" = 1
out=$("$GEN" --desk "$DESK" -n 5 -o "$T/a" 2>&1)
check_eq "a directory not empty is refused (64)" 64 $?
test_done
