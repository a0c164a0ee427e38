#!/usr/bin/env python3
"""Source limits of the project: every file under src/ at most 500 lines, every
function at most 80 lines (from the line of its opening brace to its closing
brace), and the clang-format style of .clang-format.

Usage: scripts/check_source.py [--no-format] [ROOT]
Prints one line per violation and exits 1 when there is any, 0 otherwise.

Functions are found by a small scanner, not a compiler: comments, string and
character literals (raw strings included) are blanked, then every brace block
whose header looks like a function (ends with ')' and optional qualifiers, or
holds a constructor's initializer list) and that is not inside another function
is measured. Lambdas count as part of the function that holds them.
"""
import os
import re
import shutil
import subprocess
import sys

MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80


def blank(text):
    """Returns text with comments and literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and i + 1 < n and text[i + 1] == '"' and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i + m.end())
            end = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:end]))
            i = end
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator 1'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


FUNC_TAIL = re.compile(r"\)\s*(const|override|final|noexcept|mutable|&|&&|->\s*[\w:<>,\s*&]+|\s)*$")
CTOR_INIT = re.compile(r"\)\s*(noexcept\s*)?:\s*[\w:]+\s*[({]")
NAMESPACE = re.compile(r"(^|\s)(namespace\b[\w:\s]*|extern\s*\"\"\s*)$")
TYPE_BODY = re.compile(r"(^|\s)(class|struct|union|enum)\b")


def functions(text):
    """Yields (first_line, last_line, header) for each function body in text."""
    code = blank(text)
    stack = []  # one entry per open brace: "ns", "type", "func", "other"
    header_start = 0
    line = 1
    open_lines = []
    headers = []
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            header = " ".join(code[header_start:i].split())
            inside_func = "func" in stack
            if inside_func:
                kind = "other"
            elif NAMESPACE.search(header) or header.endswith('extern ""'):
                kind = "ns"
            elif TYPE_BODY.search(header) and "(" not in header.split("=")[0].split(":")[0]:
                kind = "type"
            elif FUNC_TAIL.search(header) or CTOR_INIT.search(header):
                kind = "func"
            else:
                kind = "other"
            stack.append(kind)
            open_lines.append(line)
            headers.append(header)
            header_start = i + 1
        elif c == "}":
            if stack:
                kind = stack.pop()
                first = open_lines.pop()
                header = headers.pop()
                if kind == "func":
                    yield first, line, header
            header_start = i + 1
        elif c == ";" and "func" not in stack:
            header_start = i + 1
        elif c == ";":
            pass


def name_of(header):
    while True:
        stripped = re.sub(r"<[^<>]*>", "", header)
        if stripped == header:
            break
        header = stripped
    m = re.search(r"([\w:~]+)\s*\(", header)
    return m.group(1) if m else header[:60]


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    check_format = "--no-format" not in argv
    problems = []
    files = []
    for folder in ("src",):
        for dirpath, _, names in os.walk(os.path.join(root, folder)):
            for name in sorted(names):
                if name.endswith((".cc", ".h")):
                    files.append(os.path.join(dirpath, name))
    files.sort()
    for path in files:
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = text.count("\n")
        if lines > MAX_FILE_LINES:
            problems.append(f"{rel}: {lines} lines (limit {MAX_FILE_LINES})")
        for first, last, header in functions(text):
            length = last - first + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(f"{rel}:{first}: function {name_of(header)} is {length} lines (limit {MAX_FUNCTION_LINES})")
    if check_format:
        tool = shutil.which("clang-format-14") or shutil.which("clang-format")
        if tool is None:
            problems.append("clang-format not installed (apt-get install clang-format-14)")
        else:
            for path in files:
                r = subprocess.run([tool, "--style=file", "--dry-run", "-Werror", path], capture_output=True, text=True)
                if r.returncode != 0:
                    problems.append(f"{os.path.relpath(path, root)}: not clang-format clean "
                                    f"(run: {os.path.basename(tool)} -i {os.path.relpath(path, root)})")
    for p in problems:
        print(p)
    print(f"check_source: {len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
