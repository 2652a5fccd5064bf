#!/usr/bin/env python3
"""stored-check.py: which sent message is each stored file?

  stored-check.py STORED_DIR SENT_FILE...
  stored-check.py --count SENT_FILE...   (how many distinct messages)

For each file of STORED_DIR (a Maildir's cur/ or new/), find the sent
message it holds: the stored file must end with the sent bytes exactly
(line endings as LF, as Postfix stores them), and what comes before them
must be header fields that the MTA or maildesk put on top:
Return-Path, X-Original-To, Delivered-To, Received, X-Desk-*, and a
Message-ID of maildesk's own making (…@reused.maildesk.invalid or
…@derived.maildesk.invalid).

Sent messages are the same message when their Message-ID and their
content apart from trace headers are the same (DESIGN.md: one message,
one ticket; a redelivery adds no copy; a reused Message-ID with other
content is kept). The check: every distinct sent message is stored
exactly once, and nothing else is stored.

Prints one line per problem and a summary "stored N files for N distinct
messages"; exit 1 when there is a problem.
"""
import hashlib
import os
import re
import sys

TRACE = {b"received", b"return-path", b"delivered-to", b"x-original-to"}
OUR_ID = re.compile(rb"<[^>]*@(reused|derived)\.maildesk\.invalid>")


# Header fields Postfix's cleanup(8) removes from mail it receives
# (message_drop_headers, default).
DROPPED = {b"bcc", b"content-length", b"resent-bcc", b"return-path"}


def normalize(data):
    """The bytes Postfix stores for DATA: LF line endings, without the
    header fields of message_drop_headers."""
    data = re.sub(rb"\r\n", b"\n", data)
    if not data.endswith(b"\n"):
        data += b"\n"
    head, sep, body = data.partition(b"\n\n")
    kept = [raw for name, raw in fields(head) if name not in DROPPED]
    if len(kept) != len(fields(head)):
        data = b"\n".join(kept) + (b"\n" if not sep else sep) + body
    return data


def fields(header_block):
    """[(lowercase name, raw field bytes)] of a header block."""
    out = []
    for line in header_block.split(b"\n"):
        if line[:1] in (b" ", b"\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + b"\n" + line)
        elif b":" in line:
            out.append((line.split(b":", 1)[0].strip().lower(), line))
        elif line:
            out.append((None, line))
    return out


def identity(data):
    """(Message-ID, hash of the content without trace headers)."""
    head, sep, body = data.partition(b"\n\n")
    mid = None
    kept = []
    for name, raw in fields(head):
        if name in TRACE:
            continue
        if name == b"message-id" and mid is None:
            mid = b" ".join(raw.split(b":", 1)[1].split())
        kept.append(raw)
    h = hashlib.sha256(b"\n".join(kept) + sep + body).hexdigest()
    return mid, h


def allowed_prefix(prefix):
    if not prefix:
        return True
    for name, raw in fields(prefix.rstrip(b"\n")):
        if name is None:
            return False
        if name in TRACE or name.startswith(b"x-desk-"):
            continue
        if name == b"message-id" and OUR_ID.search(raw):
            continue
        return False
    return True


def count_distinct(sent):
    ids = set()
    for f in sent:
        with open(f, "rb") as fh:
            ids.add(identity(normalize(fh.read())))
    return len(ids)


def main(argv):
    if argv[:1] == ["--count"]:
        print(count_distinct(argv[1:]))
        return 0
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    stored_dir, sent = argv[0], argv[1:]
    by_bytes = {}       # sha256 of normalized sent bytes -> sent file
    distinct = {}       # identity -> first sent file
    for f in sent:
        with open(f, "rb") as fh:
            data = normalize(fh.read())
        by_bytes.setdefault(hashlib.sha256(data).hexdigest(), f)
        distinct.setdefault(identity(data), f)
    problems = []
    stored_for = {}     # identity -> [stored files]
    names = sorted(os.listdir(stored_dir))
    for name in names:
        path = os.path.join(stored_dir, name)
        with open(path, "rb") as fh:
            data = fh.read()
        # try every header line boundary of the stored file's header block
        head_end = data.find(b"\n\n")
        limit = len(data) if head_end < 0 else head_end + 1
        found = None
        pos = 0
        while pos <= limit:
            digest = hashlib.sha256(data[pos:]).hexdigest()
            if digest in by_bytes and allowed_prefix(data[:pos]):
                found = by_bytes[digest]
                break
            nl = data.find(b"\n", pos, limit)
            if nl < 0:
                break
            pos = nl + 1
        if found is None:
            problems.append("%s: not one of the sent messages with only trace and X-Desk-* headers on top" % name)
            continue
        with open(found, "rb") as fh:
            stored_for.setdefault(identity(normalize(fh.read())), []).append(name)
    for ident, f in sorted(distinct.items(), key=lambda kv: kv[1]):
        copies = stored_for.get(ident, [])
        if len(copies) != 1:
            problems.append("%s (Message-ID %s): stored %d times %s" %
                            (f, (ident[0] or b"none").decode("utf-8", "replace"), len(copies), " ".join(copies)))
    for p in problems:
        print(p)
    print("stored %d files for %d distinct messages" % (len(names), len(distinct)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
