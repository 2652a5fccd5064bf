#!/usr/bin/env python3
"""mail-expect.py FILE CHECK...: read a captured outbound message as a mail
client would (Python's email package, policy=default: RFC 2047 words
decoded, each text part decoded with the charset it declares) and compare
what it shows with what was written, as Unicode, character for character.

Always checked: every header is 7-bit ASCII (anything else RFC 2047-encoded);
every text/* part declares a charset and its bytes, transfer encoding
undone, decode in it without an error.

A CHECK is FIELD OP VALUE in one argument:
  subject=TEXT  subject~TEXT       the decoded Subject is / contains TEXT
  from-name=TEXT                   the display name of the (first) From
  to-name=TEXT                     the display name of the (first) To
  to=ADDR  reply-to~TEXT           the first To address / a Reply-To contains TEXT
  text=TEXT  text~TEXT             the first text/plain part that is not an
                                   attachment is / contains TEXT
  attachment=TEXT                  the first attachment's text is TEXT
  header:NAME=TEXT                 the decoded header NAME is TEXT
TEXT may hold \\n for a newline. Prints what differs (with repr() of both
sides); exit 1 when a check fails, 2 on bad usage.
"""
import email.parser
import email.policy
import sys


def strict_text(part):
    """The part's text decoded strictly with its declared charset, or an
    error message."""
    cs = part.get_param("charset")
    if cs is None:
        return None, "%s part declares no charset" % part.get_content_type()
    raw = part.get_payload(decode=True)
    try:
        return raw.decode(cs, "strict"), None
    except (LookupError, UnicodeDecodeError) as e:
        return None, "%s part (charset=%s, %s): %s" % (
            part.get_content_type(), cs, part.get("Content-Transfer-Encoding", "7bit"), e)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(data)
    problems = []
    head = data.split(b"\n\n", 1)[0]
    for line in head.split(b"\n"):
        if any(b > 0x7E or (b < 0x20 and b != 0x09) for b in line):
            problems.append("a header line is not 7-bit ASCII: %r" % line[:120])
    texts, attachments = [], []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        text, err = strict_text(part)
        if err:
            problems.append(err)
            continue
        if part.get_content() != text:
            problems.append("get_content() differs from the strict decoding: %r" % part.get_content()[:200])
        (attachments if part.is_attachment() else texts).append(text)

    def addr(field, what):
        h = msg[field]
        if h is None or not h.addresses:
            return None
        a = h.addresses[0]
        return a.display_name if what == "name" else a.addr_spec

    for check in argv[2:]:
        field, op, want = None, None, None
        for i, c in enumerate(check):
            if c in "=~":
                field, op, want = check[:i], c, check[i + 1:].replace("\\n", "\n")
                break
        if field is None:
            print("mail-expect: bad check %r" % check, file=sys.stderr)
            return 2
        if field == "subject":
            got = str(msg["subject"] or "")
        elif field == "from-name":
            got = addr("from", "name")
        elif field == "to-name":
            got = addr("to", "name")
        elif field == "to":
            got = addr("to", "addr")
        elif field == "reply-to":
            got = str(msg["reply-to"] or "")
        elif field == "text":
            got = texts[0] if texts else None
        elif field == "attachment":
            got = attachments[0] if attachments else None
        elif field.startswith("header:"):
            got = msg[field[7:]]
            got = str(got) if got is not None else None
        else:
            print("mail-expect: unknown field %r" % field, file=sys.stderr)
            return 2
        good = got is not None and (got == want if op == "=" else want in got)
        if not good:
            problems.append("%s: expected %s %r, got %r" % (field, "==" if op == "=" else "to contain", want, got))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
