-- basic.lua: drive maildesk-milter as Sendmail would (miltertest -s).
--
-- Run by tests/t/0300-miltertest.sh, which creates the store and passes:
--   MILTER         the maildesk-milter binary
--   DESK_STORE     the store (desk init'ed, with support@helpdesk.test)
--   MILTER_SOCKET  a unix socket path for the filter
-- (environment variables; -D NAME=VALUE globals work too).
--
-- Output: "ok - DESC" / "not ok - DESC" lines (the wrapper numbers them),
-- "# ..." diagnostics, and "# expect-log: TEXT" lines: TEXT must appear in
-- the filter's log (its stderr), which the wrapper checks.

local function setting(name)
	local v = os.getenv(name)
	if v == nil or v == "" then
		v = _G[name]
	end
	if v == nil then
		error("missing setting " .. name)
	end
	return v
end

local MILTER = setting("MILTER")
local STORE = setting("DESK_STORE")
local SOCKET = "unix:" .. setting("MILTER_SOCKET")

local failed = 0
local function check(cond, desc, detail)
	if cond then
		print("ok - " .. desc)
	else
		failed = failed + 1
		print("not ok - " .. desc)
		if detail ~= nil then
			print("# " .. tostring(detail))
		end
	end
	return cond
end

-- a reply as a name, for diagnostics
local names = {
	[SMFIR_CONTINUE] = "continue", [SMFIR_ACCEPT] = "accept", [SMFIR_REJECT] = "reject",
	[SMFIR_TEMPFAIL] = "tempfail", [SMFIR_DISCARD] = "discard", [SMFIR_SKIP] = "skip",
	[SMFIR_REPLYCODE] = "replycode",
}
local function rname(r)
	return names[r] or ("reply " .. tostring(r))
end

-- step(DESC, ERR, CONN, WANTED...): the call returned ERR (nil when it
-- worked); check that, then that the filter's reply is one of WANTED.
local function step(desc, err, conn, ...)
	if not check(err == nil, desc .. " (sent)", err) then
		return nil
	end
	local r = mt.getreply(conn)
	for _, w in ipairs({ ... }) do
		if r == w then
			check(true, desc .. ": " .. rname(r))
			return r
		end
	end
	check(false, desc .. ": reply", "got " .. rname(r))
	return r
end

mt.set_timeout(30)
mt.startfilter(MILTER, "--store", STORE, "--socket", SOCKET, "--foreground", "--debug")

local conn = mt.connect(SOCKET, 50, 0.1)
if not check(conn ~= nil, "connect to the filter") then
	error("mt.connect() failed")
end

-- Offer what Postfix and Sendmail 8.14+ offer (protocol 6, every action
-- and step); the filter says what it wants.
check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate")
check(mt.test_action(conn, SMFIF_ADDHDRS), "the filter asks to add headers (SMFIF_ADDHDRS)")
check(mt.test_option(conn, SMFIP_NOCONNECT), "the filter skips the connect step (SMFIP_NOCONNECT)")
check(mt.test_option(conn, SMFIP_NOHELO), "the filter skips HELO (SMFIP_NOHELO)")
local skips_body = mt.test_option(conn, SMFIP_NOBODY)
local nr_hdr = mt.test_option(conn, SMFIP_NR_HDR)
print("# negotiated: NOBODY=" .. tostring(skips_body) .. " NR_HDR=" .. tostring(nr_hdr) ..
	" SKIP=" .. tostring(mt.test_option(conn, SMFIP_SKIP)))

-- Steps the filter asked to skip are not sent (miltertest would fill in
-- a conninfo/helo otherwise).
if not mt.test_option(conn, SMFIP_NOCONNECT) then
	step("conninfo", mt.conninfo(conn, "client.example.test", "192.0.2.1"), conn, SMFIR_CONTINUE)
end
if not mt.test_option(conn, SMFIP_NOHELO) then
	step("helo", mt.helo(conn, "client.example.test"), conn, SMFIR_CONTINUE)
end

-- one message: HEADERS is a list of {name, value}; returns the eoh reply
local function message(qid, rcpt, headers, body)
	mt.macro(conn, SMFIC_MAIL, "i", qid)
	local err = mt.mailfrom(conn, "<customer@example.test>")
	check(err == nil, qid .. ": MAIL FROM", err)
	err = mt.rcptto(conn, rcpt)
	check(err == nil, qid .. ": RCPT TO " .. rcpt, err)
	for _, h in ipairs(headers) do
		err = mt.header(conn, h[1], h[2])
		if err ~= nil then
			check(false, qid .. ": header " .. h[1], err)
		end
	end
	local r = step(qid .. ": end of headers", mt.eoh(conn), conn, SMFIR_CONTINUE, SMFIR_ACCEPT)
	if r ~= SMFIR_CONTINUE then
		return r
	end
	if not skips_body then
		step(qid .. ": body", mt.bodystring(conn, body), conn, SMFIR_CONTINUE, SMFIR_SKIP)
	end
	step(qid .. ": end of message", mt.eom(conn), conn, SMFIR_CONTINUE, SMFIR_ACCEPT)
	return r
end

-- 1. A new question to the desk: our four headers, on top, a new ticket.
message("MTQID1", "<support@helpdesk.test>", {
	{ "From", "Customer <customer@example.test>" },
	{ "To", "support@helpdesk.test" },
	{ "Subject", "My printer is on fire" },
	{ "Date", "Tue, 22 Dec 2009 13:04:12 -0800" },
	{ "Message-ID", "<mt-1@example.test>" },
}, "It really is.\r\nPlease help.\r\n")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Ticket"), "MTQID1: X-Desk-Ticket is inserted")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Ticket", "1", 0), "MTQID1: X-Desk-Ticket: 1, at the top (index 0)")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Match", "new"), "MTQID1: X-Desk-Match: new")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Queue", "support"), "MTQID1: X-Desk-Queue: support")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Seal"), "MTQID1: X-Desk-Seal is inserted")
check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"), "MTQID1: the Subject is left alone (subject_tag_add = false)")
check(not mt.eom_check(conn, MT_SMTPREPLY, "451"), "MTQID1: no SMTP reply of its own (451)")
print("# expect-log: MTQID1: message-id=<mt-1@example.test> ticket=1 match=new queue=support")

-- 2. Not for the desk: accepted at end of headers, untouched.
local r = message("MTQID2", "<someone@elsewhere.test>", {
	{ "From", "Customer <customer@example.test>" },
	{ "To", "someone@elsewhere.test" },
	{ "Subject", "Lunch?" },
	{ "Message-ID", "<mt-2@example.test>" },
}, "Noon?\r\n")
check(r == SMFIR_ACCEPT, "MTQID2: mail not for the desk is accepted at end of headers", "got " .. rname(r))
check(not mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Ticket"), "MTQID2: no X-Desk-Ticket")

-- 3. The requester's reply, before anything was indexed: the milter
--    remembers the ticket it gave, so the reply joins it.
message("MTQID3", "<support@helpdesk.test>", {
	{ "From", "Customer <customer@example.test>" },
	{ "To", "support@helpdesk.test" },
	{ "Subject", "Re: My printer is on fire" },
	{ "Message-ID", "<mt-3@example.test>" },
	{ "In-Reply-To", "<mt-1@example.test>" },
	{ "References", "<mt-1@example.test>" },
}, "Still burning.\r\n")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Ticket", "1"), "MTQID3: a fast reply joins ticket 1",
	"X-Desk-Ticket: " .. tostring(mt.getheader(conn, "X-Desk-Ticket", 0)))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Match", "in-reply-to"), "MTQID3: X-Desk-Match: in-reply-to",
	"X-Desk-Match: " .. tostring(mt.getheader(conn, "X-Desk-Match", 0)))

-- 4. A second queue, a non-ASCII subject: our header values stay ASCII.
message("MTQID4", "<billing@helpdesk.test>", {
	{ "From", "=?utf-8?q?J=C3=BCrgen?= <juergen@example.test>" },
	{ "To", "billing@helpdesk.test" },
	{ "Subject", "=?utf-8?q?Rechnung_f=C3=BCr_M=C3=A4rz?=" },
	{ "Message-ID", "<mt-4@example.test>" },
}, "Zu hoch.\r\n")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Ticket", "2"), "MTQID4: a new ticket, 2",
	"X-Desk-Ticket: " .. tostring(mt.getheader(conn, "X-Desk-Ticket", 0)))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Queue", "billing"), "MTQID4: X-Desk-Queue: billing")
for _, h in ipairs({ "X-Desk-Ticket", "X-Desk-Match", "X-Desk-Queue", "X-Desk-Seal" }) do
	local v = mt.getheader(conn, h, 0)
	check(v ~= nil and not v:find("[\128-\255]"), "MTQID4: " .. h .. " is US-ASCII", tostring(v))
end

-- 5. No Message-ID at all: still a ticket.
message("MTQID5", "<support@helpdesk.test>", {
	{ "From", "Anonymous <anon@example.test>" },
	{ "To", "support@helpdesk.test" },
	{ "Subject", "no id" },
}, "Who am I?\r\n")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Ticket", "3"), "MTQID5: mail without a Message-ID gets a ticket (3)",
	"X-Desk-Ticket: " .. tostring(mt.getheader(conn, "X-Desk-Ticket", 0)))

check(mt.disconnect(conn) == nil, "disconnect")
print("# " .. failed .. " failed")
