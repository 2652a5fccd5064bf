#!/usr/bin/env bash
# 0500-kb.sh: the knowledge base: articles pushed with git through the
# hooks (lint refuses bad pushes, the search index follows), list, show,
# log across a rename, diff, search with stemming and citations, suggest for
# a ticket, drafts on a branch, and bad input: empty KB, unknown revision,
# binary, huge, invalid UTF-8, headerless, corrupt index, foreign owner.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
"$DESK" init --address support@helpdesk.test "$STORE" >/dev/null || bail_out "desk init"
store_conf ack false || bail_out "store_conf"  # acknowledgements are 0420's
D() { "$DESK" --store "$STORE" "$@"; }
G() { git -C "$T/work" -c user.name="Ann Author" -c user.email=ann@helpdesk.test "$@"; }

# article SLUG TITLE AUDIENCE STATUS TEXT: write articles/SLUG.txt in the clone
article() {
	mkdir -p "$T/work/articles"
	printf 'Title: %s\nTags: help\nAudience: %s\nStatus: %s\n\n%s\n' "$2" "$3" "$4" "$5" \
		>"$T/work/articles/$1.txt"
}

# --- desk init: a bare repository with our hooks
check "desk init installs an executable pre-receive hook" test -x "$STORE/kb/hooks/pre-receive"
check "desk init installs an executable post-receive hook" test -x "$STORE/kb/hooks/post-receive"
check "the hooks name this desk and the store" grep -qF "'$DESK' --store '$STORE'" "$STORE/kb/hooks/pre-receive"

# --- an empty KB: a clear message, no crash
out=$(D kb list 2>&1)
rc=$?
check_eq "kb list on an empty KB exits 66" 66 "$rc"
case $out in *"is empty"*) ok "it says the KB is empty" ;; *) not_ok "it says the KB is empty" "$out" ;; esac
out=$(D kb search password 2>&1)
check_eq "kb search on an empty KB exits 66" 66 $?

# --- the first articles, pushed through the hooks
git clone -q "$STORE/kb" "$T/work" 2>/dev/null || bail_out "git clone"
article reset-password "Resetting your password" public published \
	"If you forgot your password, open the login page and choose Forgot password.
We mail you a link that resets it within ten minutes.

See: cannot-log-in"
article cannot-log-in "When you cannot log in" public published \
	"Check caps lock first. Accounts lock after five failed attempts for one hour."
article invoices "Invoices and receipts" public published \
	"Every invoice is mailed as a PDF on the first day of the month. Receipts are in the billing portal."
article refunds "Refunds" public published \
	"A refund reaches your card within five working days after we approve it."
article vpn-setup "Setting up the VPN" internal published \
	"Agents only: the VPN profile is on the intranet; import it into the client."
article shipping "Shipping times" public draft \
	"Parcels leave the warehouse within two days and travel with the national post."
article two-factor "Two-factor authentication" public published \
	"Scan the QR code with an authenticator app and type the six digit code."
article delete-account "Deleting your account" public published \
	"Write to us from the address of the account; we delete it within thirty days."
G add -A && G commit -qm "First articles" || bail_out "git commit"
out=$(G push origin HEAD:main 2>&1)
check "a push of good articles is accepted" test $? -eq 0
case $out in *"kb index at"*"built, 8 articles"*) ok "post-receive built the search index" ;;
*) not_ok "post-receive built the search index" "$out" ;; esac
check_eq "the index is group-writable, nothing for others (0660)" 660 "$(stat -c %a "$STORE/var/kb-index.sqlite")"
main=$(git -C "$STORE/kb" rev-parse main)

# --- list, show
check_eq "kb list shows the 8 articles" 8 "$(D kb list | wc -l)"
slugs=$(D kb list --format=json | python3 -c 'import json,sys; print(" ".join(a["slug"] for a in json.load(sys.stdin)))')
check_eq "kb list --format=json: the slugs in order" \
	"cannot-log-in delete-account invoices refunds reset-password shipping two-factor vpn-setup" "$slugs"
check_eq "kb show prints the file as committed" "$(git -C "$STORE/kb" show main:articles/refunds.txt)" \
	"$(D kb show refunds)"

# --- search: stemming, ranking, snippet, citation
json=$(D kb search --format=json passwords reset)
read -r first cite snippet < <(printf '%s' "$json" | python3 -c '
import json, sys
h = json.load(sys.stdin)[0]
print(h["slug"], h["citation"], h["snippet"].replace("\n", " "))')
check_eq "search 'passwords reset' finds reset-password first (porter stemming)" reset-password "$first"
case $main in "${cite#reset-password@}"*) ok "the citation is SLUG@COMMIT of main ($cite)" ;;
*) not_ok "the citation is SLUG@COMMIT of main" "$cite vs $main" ;; esac
case $snippet in *"[password]"*) ok "the snippet marks the matching words" ;;
*) not_ok "the snippet marks the matching words" "$snippet" ;; esac
out=$(D kb search invoice)
case $out in *"Invoices and receipts"*"(invoices@"*) ok "text search output: title and citation" ;;
*) not_ok "text search output: title and citation" "$out" ;; esac
check_eq "no match: no output, exit 0" "" "$(D kb search xylophone)"
check_eq "search --scope public leaves out internal articles" "" \
	"$(D kb search --scope public vpn --format=json | python3 -c 'import json,sys; print(" ".join(h["slug"] for h in json.load(sys.stdin)))')"

# --- an unpushed commit and a dirty checkout do not show
article refunds "Refunds" public published "Zanzibar refunds take longer."
echo "dirty kumquat" >"$T/work/articles/dirty.txt"
G commit -qam "not pushed"
check_eq "an unpushed commit is not searched" "" "$(D kb search zanzibar)"
check_eq "a dirty checkout is not searched" "" "$(D kb search kumquat)"
rm -f "$T/work/articles/dirty.txt"
G reset -q --hard origin/main

# --- incremental update when the ref moves
article refunds "Refunds" public published "A refund reaches your card within five working days; Zanzibar accounts take ten."
G commit -qam "Refunds: Zanzibar"
out=$(G push origin HEAD:main 2>&1)
case $out in *"kb index at"*"1 files changed"*) ok "post-receive updated the index from the diff (1 file)" ;;
*) not_ok "post-receive updated the index from the diff (1 file)" "$out" ;; esac
check_eq "the pushed change is searchable" refunds \
	"$(D kb search zanzibar --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["slug"])')"

# --- log across a rename, diff
G mv articles/cannot-log-in.txt articles/login-trouble.txt
sed -i 's/See: cannot-log-in/See: login-trouble/' "$T/work/articles/reset-password.txt"
G commit -qam "Rename cannot-log-in"
printf 'Passwords expire after a year.\n' >>"$T/work/articles/login-trouble.txt"
G commit -qam "Expiry"
G push -q origin HEAD:main 2>/dev/null || not_ok "push of a rename"
log=$(D kb log login-trouble)
check_eq "kb log follows the rename back to the first commit" 3 "$(printf '%s\n' "$log" | grep -c '^[0-9a-f]\{7,\} ')"
case $log in *"renamed from articles/cannot-log-in.txt"*"First articles"*) ok "kb log says where it was renamed from" ;;
*) not_ok "kb log says where it was renamed from" "$log" ;; esac
diff=$(D kb diff login-trouble main~1 main)
case $diff in *"+Passwords expire after a year."*) ok "kb diff shows the added line" ;;
*) not_ok "kb diff shows the added line" "$diff" ;; esac
check_eq "kb show --at an older commit shows the old text" "See: cannot-log-in" \
	"$(D kb show reset-password --at "$main" | tail -1)"

# --- pushes refused by lint (pre-receive), each with its reason
# refused WHAT EXPECTED: commit the work tree, push, expect a refusal saying EXPECTED
refused() {
	local out before
	before=$(git -C "$STORE/kb" rev-parse main)
	G add -A && G commit -qm "$1" >/dev/null
	out=$(G push origin HEAD:main 2>&1)
	if [ $? -ne 0 ] && [ "$(git -C "$STORE/kb" rev-parse main)" = "$before" ]; then
		case $out in *"$2"*) ok "push refused: $1" ;; *) not_ok "push refused: $1: says '$2'" "$out" ;; esac
	else
		not_ok "push refused: $1" "$out"
	fi
	G reset -q --hard origin/main
}
printf 'Just some text without any header.\n' >"$T/work/articles/no-header.txt"
refused "no header block" "no header block"
printf 'Title: Bad\nTags: x\nAudience: public\nStatus: published\n\ncaf\xe9 latin-1\n' >"$T/work/articles/bad-utf8.txt"
refused "invalid UTF-8" "invalid UTF-8"
head -c 3000 /dev/urandom >"$T/work/articles/blob.txt"
refused "binary file" "binary"
{ printf 'Title: Huge\nTags: x\nAudience: public\nStatus: published\n\n'; head -c 1100000 /dev/zero | tr '\0' 'a'; } >"$T/work/articles/huge.txt"
refused "file over 1 MB" "too large"
article broken "Broken link" public published "See: no-such-article"
refused "broken See: link" "broken link"
article refunds-again "Refunds" public published "Same title as refunds."
refused "duplicate title" "duplicate title"
article status "Bad status" public finished "text"
refused "invalid Status:" "Status: must be draft or published"
printf 'x\n' >"$T/work/articles/Upper-Case.txt"
refused "a file name that is no slug" "is not a slug"

# --- bad input in the repository itself (fetched past the hooks): reported, skipped
(cd "$T/work" && printf 'Just text.\n' >articles/no-header.txt &&
	head -c 3000 /dev/urandom >articles/blob.txt &&
	printf 'Title: Bad\nTags: x\nAudience: public\nStatus: published\n\ncaf\xe9\n' >articles/bad-utf8.txt &&
	{ printf 'Title: Huge\nTags: x\nAudience: public\nStatus: published\n\n'; head -c 1100000 /dev/zero | tr '\0' 'a'; } >articles/huge.txt)
G add -A && G commit -qm "bad files" && git -C "$STORE/kb" fetch -q "$T/work" HEAD:refs/heads/bad 2>/dev/null
out=$(D kb list --at bad 2>"$T/err")
check_eq "kb list at a commit with bad files exits 0" 0 $?
check_eq "kb list lists only the readable articles" 8 "$(printf '%s\n' "$out" | wc -l)"
for why in "no-header.txt: no header block" "blob.txt: a binary file" "bad-utf8.txt: invalid UTF-8 at byte" "huge.txt: too large"; do
	check "kb list warns: $why" grep -q "desk: kb list: articles/$why" "$T/err"
done
D kb lint bad >"$T/lint" 2>&1
check_eq "kb lint of that commit exits 65" 65 $?
check_eq "kb lint names the four files" 4 "$(grep -c '^articles/' "$T/lint")"
check "kb lint of main passes" D kb lint
G reset -q --hard origin/main

# --- unknown revisions and slugs
out=$(D kb show refunds --at no-such-rev 2>&1)
check_eq "an unknown revision exits 66" 66 $?
case $out in *"unknown revision 'no-such-rev'"*) ok "it says the revision is unknown" ;; *) not_ok "it says the revision is unknown" "$out" ;; esac
out=$(D kb show no-such-article 2>&1)
check_eq "an unknown article exits 66" 66 $?
out=$(D kb diff refunds main no-such-rev 2>&1)
check_eq "kb diff with an unknown revision exits 66" 66 $?
out=$(D kb show ../etc/passwd 2>&1)
check_eq "a slug that is no slug is refused (64)" 64 $?

# --- a corrupt or missing index is rebuilt
head -c 8192 /dev/urandom >"$STORE/var/kb-index.sqlite"
check_eq "search after the index was overwritten with garbage" refunds \
	"$(D kb search zanzibar --format=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["slug"])')"
check_eq "the index is an SQLite database again" "SQLite format 3" "$(head -c 15 "$STORE/var/kb-index.sqlite")"
size=$(stat -c %s "$STORE/var/kb-index.sqlite")
truncate -s $((size / 2)) "$STORE/var/kb-index.sqlite"
out=$(D kb search zanzibar 2>&1)
case $out in *"(refunds@"*) ok "search after the index was truncated" ;; *) not_ok "search after the index was truncated" "$out" ;; esac
head -c 8192 /dev/urandom >"$STORE/var/kb-index.sqlite"
out=$(D kb index 2>&1)
case $out in *"(it was corrupt)"*) ok "kb index says why it rebuilt a corrupt index" ;; *) not_ok "kb index says why it rebuilt a corrupt index" "$out" ;; esac
rm -f "$STORE/var/kb-index.sqlite"
out=$(D kb index)
case $out in *"built, 8 articles (it did not exist)"*) ok "kb index rebuilds a missing index" ;; *) not_ok "kb index rebuilds a missing index" "$out" ;; esac
check_eq "kb index on a current index changes nothing" "kb index at $(git -C "$STORE/kb" rev-parse --short main): 0 files changed" "$(D kb index)"

# --- drafts on a branch
out=$(D kb new how-to-pay)
check_eq "kb new prints the branch" drafts/how-to-pay "$out"
check "the branch exists in the KB" git -C "$STORE/kb" rev-parse -q --verify refs/heads/drafts/how-to-pay
check_eq "the draft has Status: draft" "Status: draft" "$(D kb show how-to-pay --at drafts/how-to-pay | grep '^Status:')"
out=$(D kb show how-to-pay 2>&1)
check_eq "main does not have the draft" 66 $?
out=$(D kb new how-to-pay 2>&1)
check_eq "a second draft of the same slug is refused (64)" 64 $?
printf 'no header here\n' | D kb new --file - broken-draft >/dev/null 2>&1
check_eq "kb new refuses an article without header block (65)" 65 $?

# --- suggest for a ticket; the requester's quoted text and signature do not count
cat >"$T/q1.eml" <<-'EOM'
From: Carol <carol@example.test>
To: support@helpdesk.test
Subject: I forgot my password
Message-ID: <q1@example.test>
Date: Tue, 17 Nov 2009 22:00:00 +0600

Hello, I cannot remember my password. How do I reset it?

> an old quote about invoices and receipts in the billing portal
--
Carol, from the refunds department
EOM
D ingest --envelope-to support@helpdesk.test <"$T/q1.eml" || bail_out "ingest"
t=$(D list --status any --format ids | head -1)
sugg=$(D kb suggest "$t" --format=json | python3 -c 'import json,sys; print(" ".join(h["slug"] for h in json.load(sys.stdin)))')
check_eq "kb suggest: reset-password first" reset-password "${sugg%% *}"
case " $sugg " in *" invoices "*|*" refunds "*) not_ok "quoted text and the signature are not searched" "$sugg" ;;
*) ok "quoted text and the signature are not searched" ;; esac
case " $sugg " in *" shipping "*|*" vpn-setup "*) not_ok "kb suggest leaves out drafts" "$sugg" ;;
*) ok "kb suggest leaves out drafts" ;; esac
score=$(D kb suggest "$t" --format=json | python3 -c 'import json,sys; h=json.load(sys.stdin)[0]; print(h["score"] > 0, "@" in h["citation"])')
check_eq "suggestions have a positive score and a citation" "True True" "$score"
out=$(D show "$t" --suggest)
case $out in *"suggested articles"*"(reset-password@"*) ok "desk show --suggest lists the suggestions" ;;
*) not_ok "desk show --suggest lists the suggestions" "$out" ;; esac

# --- a draft from the ticket once the desk answered (a message from the desk's address)
out=$(D kb new --from-ticket "$t" 2>&1)
check_eq "kb new --from-ticket without an answer exits 65" 65 $?
cat >"$T/a1.eml" <<-'EOM'
From: Support <support@helpdesk.test>
To: carol@example.test
Subject: Re: I forgot my password
Message-ID: <a1@helpdesk.test>
In-Reply-To: <q1@example.test>
References: <q1@example.test>
Date: Tue, 17 Nov 2009 23:00:00 +0600

Open the login page and choose Forgot password; we mail you a link.

Carol wrote:
> Hello, I cannot remember my password.
EOM
D ingest --envelope-to support@helpdesk.test <"$T/a1.eml" || bail_out "ingest answer"
out=$(D kb new --from-ticket "$t")
check_eq "kb new --from-ticket prints the branch" drafts/i-forgot-my-password "$out"
draft=$(D kb show i-forgot-my-password --at drafts/i-forgot-my-password)
case $draft in *"Title: I forgot my password"*"I cannot remember my password"*"Answer:"*"choose Forgot password"*)
	ok "the draft holds the question and the answer" ;;
*) not_ok "the draft holds the question and the answer" "$draft" ;; esac
case $draft in *"> "*|*"wrote:"*|*"refunds department"*) not_ok "the draft has no quoting and no signature" "$draft" ;;
*) ok "the draft has no quoting and no signature" ;; esac

# --- a repository of another user: refused plainly; allowed with safe.directory
ensure_maildesk_user || bail_out "maildesk user"
chown -R maildesk "$STORE/kb"
out=$(HOME=$T/home D kb list 2>&1)
check_eq "a KB owned by another user exits 78" 78 $?
case $out in *"belongs to another user"*"safe.directory"*) ok "it says so plainly" ;; *) not_ok "it says so plainly" "$out" ;; esac
mkdir -p "$T/home"
HOME=$T/home git config --global --add safe.directory "$STORE/kb"
check_eq "allowed by safe.directory, it is read" 8 "$(HOME=$T/home D kb list | wc -l)"
chown -R root "$STORE/kb"

test_done
