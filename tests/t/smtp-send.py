#!/usr/bin/env python3
"""smtp-send.py: send message files through SMTP to 127.0.0.1 (tests only).

  smtp-send.py PORT RCPT FROM FILE
      one message; prints the final reply "CODE TEXT"; exit 0 on 2xx,
      4 on 4xx, 5 on 5xx, 1 when SMTP could not be spoken at all.
  smtp-send.py --many PORT RCPT FROM FILE...
      one session, one message per file (RSET after a refusal); prints
      "CODE<TAB>FILE<TAB>TEXT" per file; exit 0 when every one got 2xx,
      else 4 (or 5 when a 5xx and no 4xx came).
  --auth USER:PASSWORD (before PORT, with or without --many)
      SASL AUTH after EHLO, over plain SMTP (smtplib's login: it tries
      CRAM-MD5, PLAIN, LOGIN in that order, those the server offers,
      until one succeeds). When AUTH is refused no mail is sent: the last
      reply ("535 5.7.8 ...") is printed once as "CODE TEXT" and the exit
      status is 5 on 5xx, 4 on 4xx; 1 when the server offers no AUTH.

The bytes of FILE go on the wire as they are, except that line endings
become CRLF (the SMTP form; Postfix stores LF) and smtplib dot-stuffs.
RCPT may hold several addresses separated by commas. Only ever 127.0.0.1.
"""
import re
import smtplib
import sys


def wire(data):
    data = re.sub(rb"\r?\n", b"\r\n", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def send_one(s, sender, rcpts, data):
    """Returns (code, text) of the reply that decided the message's fate."""
    code, text = s.mail(sender)
    if code >= 400:
        s.rset()
        return code, text
    accepted = 0
    last = (code, text)
    for r in rcpts:
        code, text = s.rcpt(r)
        last = (code, text)
        if code < 400:
            accepted += 1
    if accepted == 0:
        s.rset()
        return last
    code, text = s.data(data)
    if code >= 400:
        s.rset()
    return code, text


def connect(port, auth):
    """A session after EHLO (and AUTH when AUTH is "USER:PASSWORD").
    Returns (session, None), or (None, exit status) after printing why."""
    try:
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.example.test", timeout=600)
        s.ehlo()
    except (OSError, smtplib.SMTPException) as e:
        print("000 cannot connect: %s" % e)
        return None, 1
    if auth is None:
        return s, None
    user, _, password = auth.partition(":")
    try:
        s.login(user, password)
    except smtplib.SMTPResponseException as e:
        print("%d %s" % (e.smtp_code, e.smtp_error.decode("utf-8", "replace").replace("\n", " ")))
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            pass
        return None, 5 if e.smtp_code >= 500 else 4 if e.smtp_code >= 400 else 1
    except (OSError, smtplib.SMTPException) as e:
        print("000 cannot authenticate: %s" % e)
        return None, 1
    return s, None


def main(argv):
    many = False
    auth = None
    while argv[:1] in (["--many"], ["--auth"]):
        if argv[0] == "--many":
            many = True
            argv = argv[1:]
        elif len(argv) > 1 and ":" in argv[1]:
            auth = argv[1]
            argv = argv[2:]
        else:
            sys.stderr.write(__doc__)
            return 2
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    port, rcpts, sender, files = int(argv[0]), argv[1].split(","), argv[2], argv[3:]
    worst = 0
    s, rc = connect(port, auth)
    if s is None:
        return rc
    for f in files:
        with open(f, "rb") as fh:
            data = wire(fh.read())
        try:
            code, text = send_one(s, sender, rcpts, data)
        except smtplib.SMTPServerDisconnected as e:
            code, text = 421, str(e).encode()
        except smtplib.SMTPResponseException as e:
            code, text = e.smtp_code, e.smtp_error
            try:
                s.rset()
            except (OSError, smtplib.SMTPException):
                pass
        except (OSError, smtplib.SMTPException) as e:
            print("000\t%s\t%s" % (f, e) if many else "000 %s" % e)
            return 1
        text = text.decode("utf-8", "replace").replace("\n", " ")
        if many:
            print("%d\t%s\t%s" % (code, f, text))
        else:
            print("%d %s" % (code, text))
        sys.stdout.flush()
        if code >= 500:
            worst = max(worst, 5) if worst != 4 else 4
        elif code >= 400:
            worst = 4
        if code == 421:
            # the server closed the session: a new one for the rest
            try:
                s.close()
            except (OSError, smtplib.SMTPException):
                pass
            s, rc = connect(port, auth)
            if s is None:
                return rc
    try:
        s.quit()
    except (OSError, smtplib.SMTPException):
        pass
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
