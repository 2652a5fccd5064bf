#!/usr/bin/env python3
"""check-stored.py CORPUS_DIR STORE_MAILDIR: every corpus message is stored
byte for byte (our headers on top, the original below), or is a redelivery:
a stored message has its Message-ID and the same body. Prints one line per
problem and a summary 'stored=N dup=N missing=N'; exit 1 on any problem."""
import hashlib, os, re, sys

OURS = re.compile(rb'^(X-Desk-[A-Za-z-]+: .*|Subject: \(no subject\)|Message-ID: <[0-9a-f]{32}@(derived|reused)\.maildesk\.invalid>)\n')

def strip_ours(data):
    while True:
        m = OURS.match(data)
        if not m:
            return data
        data = data[m.end():]

def msgid(data):
    head = data.split(b'\n\n', 1)[0]
    m = re.search(rb'^message-id:\s*<([^>\s]+)>', head, re.I | re.M)
    return m.group(1) if m else None

def body(data):
    parts = data.replace(b'\r\n', b'\n').split(b'\n\n', 1)
    return parts[1] if len(parts) == 2 else b''

def files(top):
    for d, dirs, names in os.walk(top):
        dirs[:] = [x for x in dirs if x != 'tmp' and not x.startswith('.')]
        for n in names:
            if not n.startswith('.'):
                yield os.path.join(d, n)

stored = {}
by_id = {}
for p in files(sys.argv[2]):
    data = strip_ours(open(p, 'rb').read())
    stored[hashlib.sha256(data).hexdigest()] = p
    by_id.setdefault(msgid(data), []).append(body(data))

ok = dup = bad = 0
for p in sorted(files(sys.argv[1])):
    data = open(p, 'rb').read()
    if hashlib.sha256(data).hexdigest() in stored:
        ok += 1
    elif msgid(data) and body(data) in by_id.get(msgid(data), []):
        dup += 1
    else:
        bad += 1
        print('not stored byte for byte:', p)
print('stored=%d dup=%d missing=%d' % (ok, dup, bad))
sys.exit(1 if bad else 0)
