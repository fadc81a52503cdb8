#!/bin/bash
# Every C file we wrote is clang-formatted with the repo's .clang-format.
cd "$(dirname "$0")/../.."
files=$(find src tests fuzz bench -name '*.[ch]' -not -path 'src/gen/*' | sort)
bad=0
for f in $files; do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "FAIL - $f is not clang-formatted (run 'make format')"
        bad=$((bad + 1))
    fi
done
echo "$(($(echo "$files" | wc -l) - bad)) passed, $bad failed"
[ $bad -eq 0 ]
