#!/bin/sh
# Print the path of a Python >= 3.12 interpreter, or fail with a clear message.
# Candidates are *run*, not just looked up: a pyenv shim exists for every version
# pyenv knows but only runs the one selected, so `command -v` would lie.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for p in ${PYTHON:-} python3.14 python3.13 python3.12 python3; do
    [ -n "$p" ] || continue
    if ok "$p"; then
        "$p" -c 'import sys; print(sys.executable)'
        exit 0
    fi
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do
    if ok "$p"; then echo "$p"; exit 0; fi
done
echo "minqing needs Python 3.12 or newer; none was found (tried python3.14..python3, pyenv versions)." >&2
echo "Install one (e.g. apt-get install python3.12 or pyenv install 3.12) or set PYTHON=/path/to/python." >&2
exit 1
