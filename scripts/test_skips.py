#!/usr/bin/env python3
"""Prints, after ctest, every test that skipped itself and why.

ctest shows a skipped test as "***Skipped" (exit 77) or, for a skipped case
inside a passing test binary, not at all; the reason stays in
Testing/Temporary/LastTest.log. A skipped test proves nothing, so `make test`
says so in its own output: usage: test_skips.py BUILD_DIR.
"""
import re
import sys


def skips_in(name, output):
    """The reasons a test's output gives for skipping, one line each."""
    found = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        gtest = re.match(r"\[  SKIPPED \] (\S+) \(", line)
        if gtest:
            # gtest prints "file:line: Skipped", the reason, a blank line,
            # then the test's SKIPPED line.
            reason = ""
            for j in range(i - 1, max(-1, i - 12), -1):
                if lines[j].endswith(": Skipped"):
                    reason = " ".join(l.strip() for l in lines[j + 1:i] if l.strip())
                    break
            found.append("%s: %s: %s" % (name, gtest.group(1), reason or "(no reason given)"))
        elif "SKIPPED" in line and not line.startswith("[  SKIPPED ]") and \
                not re.match(r"\[  SKIPPED \] \d+ tests?", line):
            found.append("%s: %s" % (name, line.strip()))
        else:
            unit = re.search(r"\.\.\. skipped '(.*)'$", line)
            if unit and "SKIPPED" not in unit.group(1):
                case = line.split(" ... ")[0]
                dotted = re.match(r"\w+ \((?:__main__\.)?(\S+)\)$", case)
                found.append("%s: %s: %s" % (name, dotted.group(1) if dotted else case,
                                             unit.group(1)))
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_skips.py BUILD_DIR")
    path = sys.argv[1] + "/Testing/Temporary/LastTest.log"
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    except OSError:
        return 0
    found = []
    blocks = re.split(r"^\d+/\d+ Test: ", log, flags=re.M)[1:]
    for block in blocks:
        name = block.split("\n", 1)[0].strip()
        match = re.search(r"^Output:\n-+\n(.*?)<end of output>", block, flags=re.M | re.S)
        if match:
            found.extend(skips_in(name, match.group(1)))
    if found:
        bar = "=" * 78
        print(bar)
        print("SKIPPED: %d test%s did not run here, so %s nothing:" %
              (len(found), "" if len(found) == 1 else "s", "it proves" if len(found) == 1
               else "they prove"))
        for line in found:
            # A reason may carry a whole server log; the full text stays in
            # Testing/Temporary/LastTest.log.
            print("  " + (line if len(line) <= 200 else line[:197] + "..."))
        print(bar)
    return 0


if __name__ == "__main__":
    sys.exit(main())
