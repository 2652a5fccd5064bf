#!/usr/bin/env python3
# pty-run.py COLUMNS CMD...: run CMD with its standard output and error on
# a pseudo-terminal COLUMNS wide (24 lines), standard input /dev/null, as
# a user's shell would; print what it wrote (the terminal's CR LF made LF)
# and exit with its exit status.
import fcntl
import os
import struct
import sys
import termios

cols, cmd = int(sys.argv[1]), sys.argv[2:]
master, slave = os.openpty()
# the size before the child starts: it asks for it first thing
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
pid = os.fork()
if pid == 0:
    try:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
        os.dup2(slave, 1)
        os.dup2(slave, 2)
        os.close(slave)
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
os.close(slave)
fd = master
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:  # EIO: the child closed the terminal
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
sys.exit(os.waitstatus_to_exitcode(status))
