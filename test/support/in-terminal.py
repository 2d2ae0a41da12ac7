"""Runs a command in a pseudo-terminal, as a person at a terminal would: this process's stdin is
what they type, its stdout what the terminal shows (the terminal's own echo included). Exits with
the command's exit status. Used by test/cli.test.ts; needs only Python 3's standard library."""
import os
import pty
import sys

status = pty.spawn(sys.argv[1:])
sys.exit(os.waitstatus_to_exitcode(status))
