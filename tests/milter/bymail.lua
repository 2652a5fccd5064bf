-- bymail.lua: agents known only from the MTA's word (miltertest -s).
--
-- The SASL login ({auth_authen}, a macro of MAIL FROM) picks the agent,
-- whatever the From header; a SASL user who is not an agent is not one,
-- whatever the From; without SASL, only a client in
-- milter.trusted_networks (IPv4 or IPv6) makes the From's agent count.
-- An agent's mail whose From is not theirs, or that carries Resent-*
-- headers, is a comment whose commands don't run (X-Desk-Set
-- "commands=no-from" / "commands=no-resent"), also to support+N-reply@.
--
-- Run by tests/t/0300-miltertest.sh (see basic.lua for the settings); DESK
-- is the desk binary (tests/run exports it).

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
local DESK = setting("DESK")
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

-- The agents (alice's SASL login is her own; carol's is carol@corp) and
-- the trusted networks, before the filter starts.
check(os.execute(DESK .. " --store '" .. STORE .. "' agent add alice alice@helpdesk.test --name Alice >/dev/null"),
	"desk agent add alice")
check(os.execute(DESK .. " --store '" .. STORE .. "' agent add carol carol@helpdesk.test --sasl carol@corp >/dev/null"),
	"desk agent add carol --sasl carol@corp")
local conf = io.open(STORE .. "/maildesk.conf", "a")
conf:write("\n[milter]\ntrusted_networks = 192.0.2.0/24; 2001:db8::/32\n")
conf:close()

mt.set_timeout(30)
mt.startfilter(MILTER, "--store", STORE, "--socket", SOCKET, "--foreground", "--debug")

-- connect(IP): a connection from client IP, negotiated.
local function connect(ip)
	local conn = mt.connect(SOCKET, 50, 0.1)
	if not check(conn ~= nil, "connect to the filter (client " .. ip .. ")") then
		error("mt.connect() failed")
	end
	check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate")
	check(not mt.test_option(conn, SMFIP_NOCONNECT),
		"with trusted networks the filter wants the connect step (the client's address)")
	check(mt.conninfo(conn, "client.example.test", ip) == nil, "conninfo " .. ip)
	mt.getreply(conn) -- none when SMFIP_NR_CONN was agreed; harmless otherwise
	if not mt.test_option(conn, SMFIP_NOHELO) then
		mt.helo(conn, "client.example.test")
	end
	return conn
end

-- message(CONN, QID, SASL, RCPT, FROM, SUBJECT[, EXTRA]): one message;
-- SASL may be nil (no {auth_authen}); EXTRA, more headers ({ {name,
-- value}, ... }); returns the reply at end of message.
local function message(conn, qid, sasl, rcpt, from, subject, extra)
	if sasl ~= nil then
		mt.macro(conn, SMFIC_MAIL, "i", qid, "{auth_authen}", sasl)
	else
		mt.macro(conn, SMFIC_MAIL, "i", qid)
	end
	check(mt.mailfrom(conn, "<" .. from .. ">") == nil, qid .. ": MAIL FROM")
	mt.getreply(conn)
	check(mt.rcptto(conn, "<" .. rcpt .. ">") == nil, qid .. ": RCPT TO " .. rcpt)
	mt.getreply(conn)
	for _, h in ipairs({ { "From", from }, { "To", rcpt }, { "Subject", subject },
		{ "Message-ID", "<" .. qid .. "@example.test>" } }) do
		mt.header(conn, h[1], h[2])
		mt.getreply(conn)
	end
	for _, h in ipairs(extra or {}) do
		mt.header(conn, h[1], h[2])
		mt.getreply(conn)
	end
	mt.eoh(conn)
	mt.getreply(conn)
	if not mt.test_option(conn, SMFIP_NOBODY) then
		mt.bodystring(conn, "#close\r\nText.\r\n")
		mt.getreply(conn)
	end
	check(mt.eom(conn) == nil, qid .. ": end of message")
	return mt.getreply(conn)
end

local function header(conn, name)
	return tostring(mt.getheader(conn, name, 0))
end

local conn = connect("198.51.100.7")

-- 1. A customer's question: ticket 1.
message(conn, "Q1", nil, "support@helpdesk.test", "customer@example.test", "Printer on fire")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Ticket", "1"), "Q1: a new ticket 1", header(conn, "X-Desk-Ticket"))

-- 2. alice, by SASL, to support+1@: a comment by alice; the From is someone
-- else's, so its commands don't run.
message(conn, "Q2", "alice", "support+1@helpdesk.test", "mallory@example.test", "note")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Ticket", "1"), "Q2: SASL alice to support+1@: ticket 1",
	header(conn, "X-Desk-Ticket"))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Event", "mail-comment"), "Q2: X-Desk-Event: mail-comment",
	header(conn, "X-Desk-Event"))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Set", "by=alice; commands=no-from"),
	"Q2: X-Desk-Set: by=alice; commands=no-from (alice's, but not From her)", header(conn, "X-Desk-Set"))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Match", "agent; sasl"), "Q2: X-Desk-Match: agent; sasl",
	header(conn, "X-Desk-Match"))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Seal"), "Q2: X-Desk-Seal")
print("# expect-log: Q2: message-id=<Q2@example.test> ticket=1 match=agent queue=support event=mail-comment by=alice; commands=no-from (sasl)")

-- 2b. alice, by SASL, From her own address (domain in capitals): commands may run.
message(conn, "Q2b", "alice", "support+1@helpdesk.test", "alice@HELPDESK.test", "note")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Set", "by=alice"), "Q2b: From alice: X-Desk-Set: by=alice",
	header(conn, "X-Desk-Set"))
print("# expect-log: Q2b: message-id=<Q2b@example.test> ticket=1 match=agent queue=support event=mail-comment by=alice (sasl)")

-- 2c. alice, by SASL, to support+1-reply@ with someone else's From: a comment, not a reply.
message(conn, "Q2c", "alice", "support+1-reply@helpdesk.test", "mallory@example.test", "Re: [#1]")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Event", "mail-comment"),
	"Q2c: SASL alice, From mallory, to support+1-reply@: mail-comment", header(conn, "X-Desk-Event"))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Set", "by=alice; commands=no-from"),
	"Q2c: X-Desk-Set: by=alice; commands=no-from", header(conn, "X-Desk-Set"))

-- 3. carol's SASL login is carol@corp: a public reply by carol.
message(conn, "Q3", "carol@corp", "support+1-reply@helpdesk.test", "carol@helpdesk.test", "Re: [#1]")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Event", "mail-reply"), "Q3: SASL carol@corp to support+1-reply@: mail-reply",
	header(conn, "X-Desk-Event"))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Set", "by=carol"), "Q3: by=carol", header(conn, "X-Desk-Set"))

-- 4. An authenticated user who is not an agent, with alice's From: not an agent.
message(conn, "Q4", "mallory", "support+1-reply@helpdesk.test", "alice@helpdesk.test", "Re: [#1] close it")
check(not mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Event"), "Q4: SASL mallory with alice's From: no event",
	header(conn, "X-Desk-Event"))
check(not mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Match", "agent; sasl") and
	not mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Match", "agent; trusted-network"),
	"Q4: not matched as an agent's", header(conn, "X-Desk-Match"))

-- 5. No SASL, untrusted client, alice's From: an ordinary customer message.
message(conn, "Q5", nil, "support+1@helpdesk.test", "alice@helpdesk.test", "Re: [#1] forged")
check(not mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Event"), "Q5: forged agent From from outside: no event",
	header(conn, "X-Desk-Event"))

-- 6. alice to a ticket that does not exist: 550 5.1.1 at end of message.
local r = message(conn, "Q6", "alice", "support+42@helpdesk.test", "alice@helpdesk.test", "about 42")
check(r == SMFIR_REPLYCODE, "Q6: SASL alice to support+42@ (no such ticket) gets a reply code", "reply " .. tostring(r))
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.1.1", "maildesk: no ticket 42"), "Q6: 550 5.1.1 maildesk: no ticket 42")
check(mt.disconnect(conn) == nil, "disconnect")

-- 7. A trusted IPv4 client: alice's From makes it alice's; [#1] in the subject to support@: a comment.
conn = connect("192.0.2.5")
message(conn, "Q7", nil, "support@helpdesk.test", "alice@helpdesk.test", "Re: [#1] Printer on fire")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Event", "mail-comment"), "Q7: trusted 192.0.2.5, From alice, [#1]: mail-comment",
	header(conn, "X-Desk-Event"))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Match", "agent; trusted-network"), "Q7: X-Desk-Match: agent; trusted-network",
	header(conn, "X-Desk-Match"))
-- alice's mail redirected by bob (Resent-From): hers, but a comment without commands
message(conn, "Q7b", nil, "support+1-reply@helpdesk.test", "alice@helpdesk.test", "Re: [#1] Printer on fire",
	{ { "Resent-From", "bob@example.test" }, { "Resent-Date", "Wed, 18 Nov 2009 09:00:00 +0600" } })
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Event", "mail-comment"),
	"Q7b: trusted, From alice, Resent-From bob, to support+1-reply@: mail-comment", header(conn, "X-Desk-Event"))
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Set", "by=alice; commands=no-resent"),
	"Q7b: X-Desk-Set: by=alice; commands=no-resent", header(conn, "X-Desk-Set"))
-- a trusted client whose From is nobody's agent: a customer
message(conn, "Q8", nil, "support+1@helpdesk.test", "customer@example.test", "Re: [#1]")
check(not mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Event"), "Q8: trusted client, From not an agent: no event",
	header(conn, "X-Desk-Event"))
check(mt.disconnect(conn) == nil, "disconnect")

-- 9. A trusted IPv6 client.
conn = connect("2001:db8::5")
message(conn, "Q9", nil, "support+1@helpdesk.test", "alice@helpdesk.test", "note")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Desk-Event", "mail-comment"), "Q9: trusted 2001:db8::5, From alice: mail-comment",
	header(conn, "X-Desk-Event"))
check(mt.disconnect(conn) == nil, "disconnect")

print("# " .. failed .. " failed")
