#!/usr/bin/env bash
# 0505-kb-security.sh: the knowledge base against its own agents. The
# repository belongs to the store's owner and nobody else can write it;
# an agent (a real unprivileged user in the group maildesk) pushes only
# through maildesk-kb-receive, setuid to the owner, which always runs the
# hooks; the hooks run the desk that desk init named, whatever git's config
# or the pusher's environment say; a push over the caps (files, bytes) is
# refused cheaply, and the search index stops at its size.
# Proves maildesk-security(7), "The store's owner (the KB's hooks)".
. "$(dirname "$0")/lib.sh"

ensure_maildesk_user || bail_out "maildesk user"
AGENT=mdkb$$
OUTSIDER=mdkbo$$
_users_del() {
	userdel "$AGENT" 2>/dev/null
	userdel "$OUTSIDER" 2>/dev/null
	_cleanup
}
trap _users_del EXIT
useradd -M -d "$T/agent" -s /bin/sh -G maildesk "$AGENT" || bail_out "useradd $AGENT"
useradd -M -d "$T/outsider" -s /bin/sh "$OUTSIDER" || bail_out "useradd $OUTSIDER"

# root's own git reads the repository of maildesk too
printf '[safe]\n\tdirectory = *\n' >"$T/root.gitconfig"
export GIT_CONFIG_GLOBAL=$T/root.gitconfig
store_init "$T/store" || bail_out "store_init"
KB=$STORE/kb
W=$T/libexec/maildesk-kb-receive
mkdir -p "$T/libexec" "$T/agent"
cp "$BUILDDIR/maildesk-kb-receive" "$W" && chown maildesk:maildesk "$W" && chmod 4750 "$W" ||
	bail_out "install the wrapper"
cat >"$T/agent/.gitconfig" <<EOF
[safe]
	directory = $KB
[user]
	name = Agent
	email = agent@helpdesk.test
EOF
chown -R "$AGENT" "$T/agent"

# A CMD...: run CMD as the agent, with an environment of its own
A() {
	setpriv --reuid="$AGENT" --regid="$AGENT" --init-groups -- env -i HOME="$T/agent" USER="$AGENT" \
		PATH="$PATH" MAILDESK_KB_RECEIVE="$W" ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} "$@"
}
G() { A git -C "$T/agent/work" "$@"; }
main() { git -C "$KB" rev-parse -q --verify main 2>/dev/null || echo none; }
# article SLUG TITLE TEXT: write articles/SLUG.txt in the agent's clone
article() {
	A mkdir -p "$T/agent/work/articles"
	printf 'Title: %s\nTags: x\nAudience: public\nStatus: published\n\n%s\n' "$2" "$3" |
		A tee "$T/agent/work/articles/$1.txt" >/dev/null
}
# commit_push MSG: commit everything, push to main; git's output in $out
commit_push() {
	G add -A && G commit -qm "$1" >/dev/null
	out=$(G push origin HEAD:main 2>&1)
}
# $EVIL: a program no push may run; it leaves $MARKS/evil-ran, whoever runs it
EVIL=$T/evil
MARKS=$T/marks
mkdir -p "$MARKS" && chmod 1777 "$MARKS"
printf '#!/bin/sh\ntouch %s/evil-ran\nexit 0\n' "$MARKS" >"$EVIL" && chmod 0755 "$EVIL"

# --- desk init refuses to write hooks that would run a desk others can change
mkdir -m 0777 "$T/open" && cp "$DESK" "$T/open/desk"
out=$("$T/open/desk" init --address support@helpdesk.test "$T/store2" 2>&1)
check_eq "desk init run from a directory anyone can write exits 78" 78 $?
case $out in *"the hooks would run $T/open/desk"*) ok "saying which program" ;; *) not_ok "saying which program" "$out" ;; esac
check "and writes no hook" test ! -e "$T/store2/kb/hooks/pre-receive"

# --- the repository belongs to its owner; nothing in it is the group's to write
check_eq "STORE/kb belongs to maildesk, mode 2750" "maildesk 2750" "$(stat -c '%U %a' "$KB")"
check_eq "its config is 0640" 640 "$(stat -c %a "$KB/config")"
check_eq "its hooks are 0750" "750 750" "$(stat -c %a "$KB/hooks/pre-receive" "$KB/hooks/post-receive" | xargs)"
check_eq "nothing in STORE/kb is writable by the group or others" "" "$(find "$KB" -perm /022)"
check "the pre-receive hook runs this desk, by its absolute path" grep -qF "exec '$DESK' --store '$STORE' kb lint --pre-receive" "$KB/hooks/pre-receive"
check "no hook reads git's config or \$MAILDESK_DESK" sh -c "! grep -E 'git config|MAILDESK_DESK' '$KB/hooks/pre-receive' '$KB/hooks/post-receive'"
check_eq "desk init records no program in git's config" "" "$(git -C "$KB" config --get-regexp '^maildesk\.' 2>/dev/null)"

# --- an agent cannot change the repository's config, hooks or refs directly
A git config -f "$KB/config" core.hooksPath "$T" 2>/dev/null
check_eq "an agent cannot change the repository's config" "" "$(git config -f "$KB/config" core.hooksPath)"
A sh -c "echo '$EVIL' >>'$KB/hooks/pre-receive'" 2>/dev/null
check "an agent cannot change a hook" sh -c "! grep -q evil '$KB/hooks/pre-receive'"
A sh -c "echo x >'$KB/hooks/update'" 2>/dev/null
check "an agent cannot add a hook" test ! -e "$KB/hooks/update"

# --- the agent clones with desk kb clone: pushes go through the wrapper
A sh -c "cd '$T/agent' && '$DESK' --store '$STORE' kb clone work" >/dev/null 2>&1
check_eq "desk kb clone sets the wrapper as receive-pack" "$W" "$(G config remote.origin.receivepack)"
article reset "Resetting your password" "Open the login page."
commit_push "first article"
check "a push through the wrapper is accepted" test "$(main)" = "$(G rev-parse HEAD)"
case $out in *"kb index at"*"built, 1 articles"*) ok "post-receive ran and built the index" ;;
*) not_ok "post-receive ran and built the index" "$out" ;; esac
check_eq "what the push wrote belongs to maildesk, nothing to the agent" "" "$(find "$KB" "$STORE/var/kb-index.sqlite" ! -user maildesk)"
check_eq "and is still not writable by the group" "" "$(find "$KB" -perm /022)"

before=$(main)
A git -C "$KB" update-ref refs/heads/main "$(G rev-parse HEAD)" 2>/dev/null
A git -C "$KB" update-ref refs/heads/evil "$before" 2>/dev/null
check_eq "an agent cannot write a ref directly" "$before none" \
	"$(main) $(git -C "$KB" rev-parse -q --verify refs/heads/evil || echo none)"
printf 'no header here\n' | A tee "$T/agent/work/articles/bad.txt" >/dev/null
G add -A && G commit -qm "bad" >/dev/null
out=$(G push --receive-pack=git-receive-pack origin HEAD:main 2>&1)
check "a push without the wrapper fails" test $? -ne 0
check_eq "and leaves main as it was" "$before" "$(main)"
out=$(G push origin HEAD:main 2>&1)
case $out in *"no header block"*) ok "through the wrapper, lint refuses the bad article, saying why" ;;
*) not_ok "through the wrapper, lint refuses the bad article, saying why" "$out" ;; esac
check_eq "main has not moved" "$before" "$(main)"
G reset -q --hard origin/main

# --- git's config and the pusher's environment name no program
git -C "$KB" config maildesk.desk "$EVIL"
git -C "$KB" config maildesk.store "$T"
article refunds "Refunds" "Within five days."
G add -A && G commit -qm "refunds" >/dev/null
mkdir -p "$T/evilhooks" && cp "$EVIL" "$T/evilhooks/pre-receive" && cp "$EVIL" "$T/evilhooks/post-receive"
mkdir -p "$T/owners" && chown maildesk "$T/owners"  # where maildesk, not the agent, can write
out=$(A env MAILDESK_DESK="$EVIL" GIT_TRACE="$T/owners/trace" GIT_CONFIG_PARAMETERS="'core.hookspath'='$T/evilhooks'" \
	git -C "$T/agent/work" push origin HEAD:main 2>&1)
case $out in *"kb index at"*) ok "with maildesk.desk=$EVIL in the repository's config (written by root), our hooks run" ;;
*) not_ok "with maildesk.desk=$EVIL in the repository's config (written by root), our hooks run" "$out" ;; esac
check "and $EVIL never ran (nor \$MAILDESK_DESK or core.hooksPath of the pusher)" test ! -e "$MARKS/evil-ran"
check "nothing of the pusher's environment reached git-receive-pack (\$GIT_TRACE)" test ! -e "$T/owners/trace"
git -C "$KB" config core.hooksPath "$T/evilhooks"
article refunds "Refunds" "Within five working days."
commit_push "refunds again"
check "a core.hooksPath in the repository's config is overridden: the KB's own hooks run" \
	test ! -e "$MARKS/evil-ran"
case $out in *"kb index at"*) ok "(post-receive ran from STORE/kb/hooks)" ;; *) not_ok "(post-receive ran from STORE/kb/hooks)" "$out" ;; esac
git -C "$KB" config --unset core.hooksPath
git -C "$KB" config --remove-section maildesk

# --- the wrapper itself: one repository argument, ours, nobody else's to write
out=$(A "$W" --upload-pack="$EVIL" 2>&1)
check_eq "the wrapper refuses an option (64)" 64 $?
out=$(A "$W" "$KB" "$KB" 2>&1)
check_eq "the wrapper refuses two arguments (64)" 64 $?
git init -q --bare "$T/other.git" && chown -R maildesk:maildesk "$T/other.git" && chmod -R g-w "$T/other.git"
out=$(A "$W" "$T/other.git" 2>&1 </dev/null)
check_eq "another repository of maildesk, without our hooks, is refused (77)" 77 $?
case $out in *"not a maildesk KB"*) ok "saying it is no maildesk KB" ;; *) not_ok "saying it is no maildesk KB" "$out" ;; esac
out=$(A "$W" "$STORE" 2>&1 </dev/null)
check_eq "the store directory is refused (77)" 77 $?
A mkdir -p "$T/agent/fake/hooks" "$T/agent/fake/objects" "$T/agent/fake/refs"
out=$(A "$W" "$T/agent/fake" 2>&1 </dev/null)
check_eq "a repository of the agent is refused (77)" 77 $?
mkdir -m 0700 "$T/private" && cp -a "$KB" "$T/private/kb" && chown maildesk "$T/private"
out=$(A "$W" "$T/private/kb" 2>&1 </dev/null)
check_eq "a KB only the owner can reach is not opened for the agent (77)" 77 $?
case $out in *"Permission denied"*) ok "the name is looked up with the agent's rights" ;;
*) not_ok "the name is looked up with the agent's rights" "$out" ;; esac
A ln -s "$KB" "$T/agent/link"
out=$(A "$W" "$T/agent/link" </dev/null 2>&1 | head -c 200 | tr -d '\0')
case $out in *" refs/heads/main"*) ok "a symbolic link to the KB leads to the KB, checked as such" ;;
*) not_ok "a symbolic link to the KB leads to the KB, checked as such" "$out" ;; esac
chmod g+w "$KB/refs/heads/main"
out=$(G push origin HEAD:main 2>&1)
case $out in *"refs/heads/main: writable by the group"*) ok "one group-writable file in the KB: the wrapper refuses, naming it" ;;
*) not_ok "one group-writable file in the KB: the wrapper refuses, naming it" "$out" ;; esac
chmod g-w "$KB/refs/heads/main"
cp "$W" "$T/libexec/open-wrapper" && chown maildesk:maildesk "$T/libexec/open-wrapper" && chmod 4755 "$T/libexec/open-wrapper"
cp -a "$KB" "$T/public-kb" && chmod -R o+rX "$T/public-kb"  # a KB others may read, by mistake too
out=$(setpriv --reuid="$OUTSIDER" --regid="$OUTSIDER" --clear-groups -- "$T/libexec/open-wrapper" "$T/public-kb" 2>&1 </dev/null)
check_eq "installed 4755 by mistake, it still refuses a user outside the group (77)" 77 $?
case $out in *"not in the repository's group"*) ok "saying so" ;; *) not_ok "saying so" "$out" ;; esac

# --- a tree that lists one large blob many times: refused cheaply
big=$T/agent/big.txt
{ printf 'Title: Big\nTags: x\nAudience: public\nStatus: published\n\n'; head -c 1000000 /dev/zero | tr '\0' a; } |
	A tee "$big" >/dev/null
blob=$(G hash-object -w "$big")
# tree_commit N: a commit whose articles/ lists the big blob N times
tree_commit() {
	local sub top
	sub=$(for i in $(seq 1 "$1"); do printf '100644 blob %s\ta%05d.txt\n' "$blob" "$i"; done | G mktree)
	top=$(printf '040000 tree %s\tarticles\n' "$sub" | G mktree)
	G commit-tree -p HEAD -m "$1 copies" "$top"
}
before=$(main)
c=$(tree_commit 1000)
if [ -x /usr/bin/time ]; then
	out=$(A /usr/bin/time -f 'maxrss=%MkB' git -C "$T/agent/work" push origin "$c:refs/heads/main" 2>&1)
	rss=$(printf '%s\n' "$out" | sed -n 's/^maxrss=\([0-9]*\)kB$/\1/p')
	diag "push of 1000 names of one 1 MB blob: largest process $rss kB"
	check "it costs less than 100 MB (each blob read once; it was 1 MiB a name)" test "${rss:-999999}" -lt 100000
else
	out=$(G push origin "$c:refs/heads/main" 2>&1)
	skip "memory of the push" "no /usr/bin/time"
fi
case $out in *"duplicate title"*) ok "1000 names of one blob: refused, duplicate titles" ;;
*) not_ok "1000 names of one blob: refused, duplicate titles" "$out" ;; esac
c=$(tree_commit 12000)
out=$(G push origin "$c:refs/heads/main" 2>&1)
case $out in *"too many files: 12000 in articles/"*"kb.max_articles"*) ok "12000 files: refused, over kb.max_articles" ;;
*) not_ok "12000 files: refused, over kb.max_articles" "$out" ;; esac
check_eq "main has not moved" "$before" "$(main)"

store_conf max_mb 2 || bail_out "store_conf"
for i in 1 2 3; do
	article "large-$i" "Large $i" "$(head -c 900000 /dev/zero | tr '\0' "$i")"
done
commit_push "three large articles"
case $out in *"too large: more than 2 MiB of articles"*"kb.max_mb"*) ok "2.7 MB of articles: refused, over kb.max_mb=2" ;;
*) not_ok "2.7 MB of articles: refused, over kb.max_mb=2" "$out" ;; esac
check_eq "main has not moved" "$before" "$(main)"
store_conf max_mb 64 || bail_out "store_conf"
G reset -q --hard origin/main

# --- the search index stops at kb.index_max_mb
store_conf index_max_mb 1 || bail_out "store_conf"
for i in 1 2 3 4; do
	article "random-$i" "Random $i" "$(head -c 300000 /dev/urandom | base64 -w 76)"
done
commit_push "1.6 MB of text"
check "lint accepts 1.6 MB of good articles" test "$(main)" = "$(G rev-parse HEAD)"
case $out in *"full at kb.index_max_mb (1 MiB)"*) ok "the index does not take them: full at kb.index_max_mb" ;;
*) not_ok "the index does not take them: full at kb.index_max_mb" "$out" ;; esac
size=$(stat -c %s "$STORE/var/kb-index.sqlite")
check "the index file stayed within 1 MiB ($size bytes)" test "$size" -le 1048576
store_conf index_max_mb 256 || bail_out "store_conf"
out=$(as_maildesk "$DESK" --store "$STORE" kb index 2>&1)
case $out in *"kb index at"*"4 files changed"*) ok "with a larger cap, kb index catches up" ;; *) not_ok "with a larger cap, kb index catches up" "$out" ;; esac

# --- the index, in the group's directory, cannot send the owner's writes elsewhere
A rm -f "$STORE/var/kb-index.sqlite"
A ln -s "$T/owners/planted" "$STORE/var/kb-index.sqlite"
article refunds "Refunds" "Within five working days, sometimes four."
commit_push "refunds, index planted"
check "a symbolic link the agent put in place of the index: the owner's desk writes nothing there" \
	test ! -e "$T/owners/planted"
check_eq "the index is a file of the owner's again" "regular file maildesk" "$(stat -c '%F %U' "$STORE/var/kb-index.sqlite")"

# --- desk kb new as the agent: the draft is pushed through the wrapper
out=$(A "$DESK" --store "$STORE" kb new how-to-pay 2>&1)
check_eq "kb new by the agent prints the branch" drafts/how-to-pay "$out"
check "the branch is in the KB" git -C "$KB" rev-parse -q --verify refs/heads/drafts/how-to-pay
check_eq "nothing in the KB belongs to the agent" "" "$(find "$KB" -user "$AGENT")"
printf 'Title: Resetting your password\nTags: x\nAudience: public\nStatus: draft\n\nagain\n' >"$T/dup.txt"
chmod 0644 "$T/dup.txt"
out=$(A "$DESK" --store "$STORE" kb new --file "$T/dup.txt" reset-again 2>&1)
check_eq "a draft lint refuses is not made (65)" 65 $?
case $out in *"duplicate title"*) ok "and the hook's reason is shown" ;; *) not_ok "and the hook's reason is shown" "$out" ;; esac

# --- desk kb hooks brings a KB of an earlier version up to date
before=$(main)
printf '#!/bin/sh\n# an old hook\n"$(git config maildesk.desk)" --store "$(git config maildesk.store)" kb lint\n' \
	>"$KB/hooks/pre-receive"
git -C "$KB" config maildesk.desk "$EVIL"
chmod -R g+w "$KB"
article refunds "Refunds" "Within five working days, usually three."
commit_push "refunds, third"
case $out in *"refused (run 'desk kb hooks' as the owner)"*) ok "a KB of an earlier version: the wrapper refuses" ;;
*) not_ok "a KB of an earlier version: the wrapper refuses" "$out" ;; esac
check_eq "main has not moved" "$before" "$(main)"
out=$(as_maildesk "$DESK" --store "$STORE" kb hooks 2>&1)
check "desk kb hooks (as the owner) sets it up" test $? -eq 0
check_eq "nothing is group-writable any more" "" "$(find "$KB" -perm /022)"
check_eq "maildesk.desk is gone from git's config" "" "$(git -C "$KB" config maildesk.desk)"
check "the hook is ours again" grep -q "kb lint --pre-receive" "$KB/hooks/pre-receive"
out=$(G push origin HEAD:main 2>&1)
check "the push goes through" test "$(main)" = "$(G rev-parse HEAD)"
check "and $EVIL never ran" test ! -e "$MARKS/evil-ran"

test_done
