#!/bin/sh
# lint.sh - static checks, as TAP: mdoc man pages through mandoc -Tlint,
# and no banned string functions anywhere in our C sources.
set -u
cd "$(dirname "$0")/.."
n=0
for m in man/*.[1358]; do
	[ -e "$m" ] || continue
	n=$((n + 1))
	if out=$(mandoc -Tlint -Wwarning "$m" 2>&1) && [ -z "$out" ]; then
		echo "ok $n - lint: mandoc $m"
	else
		echo "not ok $n - lint: mandoc $m"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done
n=$((n + 1))
hits=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|gets)[[:space:]]*\(' \
	$(find sdk dna cli stem cells templates test/unit -name '*.[ch]') 2>/dev/null)
if [ -z "$hits" ]; then
	echo "ok $n - lint: no banned functions (strcpy strcat sprintf strtok gets)"
else
	echo "not ok $n - lint: banned functions used"
	printf '%s\n' "$hits" | sed 's/^/# /'
fi
