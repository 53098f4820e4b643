"""Turn pytest's JUnit XML report into TAP for Automake's tap-driver.sh.

usage: junit2tap.py REPORT.xml

One TAP line per test case, named by its pytest id (file::test[param]);
skips carry "# SKIP reason"; a failure or error (teardown errors included:
a leftover process fails the test) is "not ok" followed by its message as
TAP comments.  Exit status: 0 when every case passed or was skipped, 1
when some failed, 2 when there is no report.
"""

import sys
import xml.etree.ElementTree as ET


def case_id(tc):
    cls = tc.get("classname", "")
    name = tc.get("name", "?")
    # classname is "test_file" or "test_file.TestClass" (dotted path
    # relative to rootdir); make it look like a pytest node id.
    parts = cls.split(".")
    mod = [p for p in parts if p.startswith("test_")]
    file = (mod[0] + ".py") if mod else cls
    rest = parts[parts.index(mod[0]) + 1:] if mod else []
    return "::".join([file, *rest, name])


def clean(s):
    # '#' would turn the description into a TAP directive.
    return " ".join(s.replace("#", "%23").split())


def comment(text, limit=60):
    lines = (text or "").splitlines()
    if len(lines) > limit:
        lines = lines[:limit // 2] + ["[...]"] + lines[-limit // 2:]
    return "".join(f"#   {line}\n" for line in lines)


def main(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"Bail out! no pytest report ({e})")
        return 2
    # A test that fails and then errors in teardown has two <testcase>
    # elements: merge them into one TAP line.
    cases = {}
    for tc in root.iter("testcase"):
        cases.setdefault(clean(case_id(tc)), []).extend(tc)
    print(f"1..{len(cases)}")
    bad = 0
    for n, (tid, results) in enumerate(cases.items(), 1):
        failed = [c for c in results if c.tag in ("failure", "error")]
        skipped = [c for c in results if c.tag == "skipped"]
        if failed:
            bad += 1
            print(f"not ok {n} - {tid}")
            for f in failed:
                # the text (traceback) holds the message; print the
                # message alone only when there is no text
                sys.stdout.write(comment(f.text or
                                         f"{f.tag}: {f.get('message', '')}"))
        elif skipped:
            reason = clean(skipped[0].get("message", "") or "skipped")
            print(f"ok {n} - {tid} # SKIP {reason}")
        else:
            print(f"ok {n} - {tid}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
