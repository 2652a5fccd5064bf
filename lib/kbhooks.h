static const char kb_hook_pre_receive[] =
"#!/bin/sh\n"
"# pre-receive: refuse a push to the maildesk knowledge base when a ref it\n"
"# updates does not pass `desk kb lint` or goes over the KB's caps\n"
"# (desk-kb(1)). The lines \"OLD NEW REF\" go to desk on stdin.\n"
"# maildesk-kb-hook: desk init wrote the paths below; nothing here comes\n"
"# from git's config or the environment (maildesk-kb-receive(8)).\n"
"exec @DESK@ --store @STORE@ kb lint --pre-receive\n"
;
static const char kb_hook_post_receive[] =
"#!/bin/sh\n"
"# post-receive: bring the maildesk KB's search index up to the pushed\n"
"# commit (desk-kb(1)). A failure here is reported and left to the next\n"
"# `desk kb search`, which updates the index too.\n"
"# maildesk-kb-hook: desk init wrote the paths below; nothing here comes\n"
"# from git's config or the environment (maildesk-kb-receive(8)).\n"
"cat >/dev/null\n"
"@DESK@ --store @STORE@ kb index 2>&1 ||\n"
"	echo \"maildesk: the KB search index was not updated; the next search will\" >&2\n"
"exit 0\n"
;
