#!/usr/bin/env bats
# cell-stem with cells: socket activation, exactly one process, fail
# fast, supervision, idle exit, adoption, draining stops. Spoken through
# the raw control protocol, so these tests need only the stem.
load helpers
load runtime

germinate() {
	control "{\"op\":\"germinate\",\"name\":\"$1\"}"
}

# rawcall NAME DATA: one request on run/NAME.sock, frames printed.
rawcall() {
	frame 0 "$2" | rawclient "$CELL_HOME/run/$1.sock"
}

@test "germinate binds run/NAME.sock, starts the cell and says so" {
	put_cell echo
	start_stem
	run germinate echo
	assert_line --index 0 --regexp "^0 \{\"ok\":true,\"pid\":[0-9]+,\"socket\":\"$CELL_HOME/run/echo.sock\",\"started\":true\}$"
	[ -S "$CELL_HOME/run/echo.sock" ]
	kill -0 "$(pid_of echo)"
	run rawcall echo hello
	assert_output "$(printf '0 echo:hello\nEOF')"
}

@test "the cell gets fd 3 and the socket activation environment" {
	put_cell echo
	start_stem
	germinate echo
	pid=$(pid_of echo)
	run bash -c "tr '\\0' '\\n' </proc/$pid/environ | grep -E '^(LISTEN_FDS|LISTEN_PID|LISTEN_FDNAMES|CELL_NAME|CELL_HOME|CELL_STEM)=' | sort"
	assert_output "$(printf '%s\n' "CELL_HOME=$CELL_HOME" "CELL_NAME=echo" "CELL_STEM=$REPO/bin/cell-stem" "LISTEN_FDNAMES=echo" "LISTEN_FDS=1" "LISTEN_PID=1")"
	# LISTEN_PID is the pid the cell sees: 1, in its own pid namespace.
	run awk '/^NSpid:/ { print $NF }' "/proc/$pid/status"
	assert_output 1
}

@test "germinating a running cell keeps its process" {
	put_cell echo
	start_stem
	germinate echo
	pid=$(pid_of echo)
	run germinate echo
	assert_line --index 0 "0 {\"ok\":true,\"pid\":$pid,\"socket\":\"$CELL_HOME/run/echo.sock\",\"started\":false}"
}

@test "concurrent germinates of one cell make one process" {
	put_cell echo
	start_stem
	rawclient /dev/null </dev/null >/dev/null || true # compiled once
	for i in 1 2 3 4; do
		germinate echo >"$BATS_TEST_TMPDIR/g$i" &
	done
	wait
	run bash -c "cat '$BATS_TEST_TMPDIR'/g? | grep -o '\"pid\":[0-9]*' | sort -u"
	assert_output "\"pid\":$(pid_of echo)"
	run grep -c "cell 'echo' started pid" "$CELL_HOME/logs/stem.log"
	assert_output 1
}

@test "a cell whose binary cannot be executed: callers get the cause at once" {
	printf 'not a program\n' >"$BATS_TEST_TMPDIR/bad"
	chmod +x "$BATS_TEST_TMPDIR/bad"
	"$CELL_TEST" dna-put bad "$BATS_TEST_TMPDIR/bad" >/dev/null
	start_stem
	germinate bad
	run timeout 10 bash -c "$(declare -f frame rawclient); BATS_TEST_TMPDIR='$BATS_TEST_TMPDIR' CELLS_SRC='$CELLS_SRC'; frame 0 hi | rawclient '$CELL_HOME/run/bad.sock'"
	assert_output "$(printf "1 cell 'bad' failed to start: exec: Exec format error\nEOF")"
	wait_for state_is bad failed
}

@test "a cell that crashes at start: callers get the signal" {
	put_cell crash '{"name":"crash","version":"1","restart":"no"}' -DCRASH
	start_stem
	germinate crash
	wait_for state_is crash failed
	run timeout 10 bash -c "$(declare -f frame rawclient); BATS_TEST_TMPDIR='$BATS_TEST_TMPDIR' CELLS_SRC='$CELLS_SRC'; frame 0 hi | rawclient '$CELL_HOME/run/crash.sock'"
	assert_output "$(printf "1 cell 'crash' failed to start: killed by signal SEGV\nEOF")"
}

@test "a corrupt DNA object is never executed" {
	put_cell echo
	start_stem
	hash=$(cat "$CELL_HOME/dna/refs/echo")
	obj="$CELL_HOME/dna/objects/${hash:0:2}/${hash:2}"
	chmod u+w "$obj"
	printf 'x' >>"$obj"
	run germinate echo
	assert_line --index 0 "0 {\"ok\":false,\"error\":\"cell 'echo' failed to start: DNA object $hash is corrupt\",\"code\":\"failed\"}"
	[ ! -e "$CELL_HOME/run/echo.pid" ]
	run timeout 10 bash -c "$(declare -f frame rawclient); BATS_TEST_TMPDIR='$BATS_TEST_TMPDIR' CELLS_SRC='$CELLS_SRC'; frame 0 hi | rawclient '$CELL_HOME/run/echo.sock'"
	assert_output "$(printf "1 cell 'echo' failed to start: DNA object $hash is corrupt\nEOF")"
}

@test "a crashing cell is restarted with backoff, then marked failed" {
	put_cell flaky "" -DEXIT_CODE=3
	CELL_STEM_BACKOFF_MS=5 start_stem
	germinate flaky
	wait_for state_is flaky failed
	run jq -r '"\(.restarts) \(.cause)"' "$CELL_HOME/run/flaky.json"
	assert_output "5 exited with status 3"
	run grep -c "cell 'flaky': restart in" "$CELL_HOME/logs/stem.log"
	assert_output 5
	run grep -o "restart in [0-9]* ms" "$CELL_HOME/logs/stem.log"
	assert_output "$(printf 'restart in %s ms\n' 5 10 20 40 80)"
}

@test "a failed cell is tried again by the next germinate" {
	put_cell flaky '{"name":"flaky","version":"1","restart":"no"}' -DEXIT_CODE=3
	start_stem
	germinate flaky
	wait_for state_is flaky failed
	put_cell flaky
	run germinate flaky
	assert_line --index 0 --partial '"started":true'
	run rawcall flaky again
	assert_output "$(printf '0 echo:again\nEOF')"
}

@test "an idle cell exits and the next connection germinates it again" {
	put_cell idle '{"name":"idle","version":"1","idle_exit":"200ms"}'
	start_stem
	germinate idle
	first=$(pid_of idle)
	run rawcall idle one
	assert_output "$(printf '0 echo:one\nEOF')"
	wait_gone "$first"
	wait_for state_is idle stopped
	[ -S "$CELL_HOME/run/idle.sock" ]
	run rawcall idle two
	assert_output "$(printf '0 echo:two\nEOF')"
	second=$(pid_of idle)
	[ "$first" != "$second" ]
}

@test "a stem started after kill -9 adopts the running cells" {
	put_cell echo
	start_stem
	germinate echo
	pid=$(pid_of echo)
	wait_for state_is echo running
	since=$(jq .since "$CELL_HOME/run/echo.json")
	kill -9 "$(cat "$CELL_HOME/stem.pid")"
	wait_gone "$(cat "$CELL_HOME/stem.pid")"
	start_stem
	run control '{"op":"ps"}'
	assert_line --index 0 --partial "{\"name\":\"echo\",\"pid\":$pid,\"state\":\"running\",\"restarts\":0,\"since\":$since,"
	run germinate echo
	assert_line --index 0 --partial "\"pid\":$pid,"
	grep -q "adopted cell 'echo' pid $pid\$" "$CELL_HOME/logs/stem.log"
	run rawcall echo still
	assert_output "$(printf '0 echo:still\nEOF')"
}

@test "an adopted cell keeps its socket across its exit" {
	put_cell echo
	start_stem
	germinate echo
	pid=$(pid_of echo)
	kill -9 "$(cat "$CELL_HOME/stem.pid")"
	start_stem
	kill -TERM "$pid"
	wait_gone "$pid"
	wait_for state_is echo stopped
	run rawcall echo back
	assert_output "$(printf '0 echo:back\nEOF')"
	[ "$(pid_of echo)" != "$pid" ]
}

@test "a stale socket and pid file left by killed processes are replaced" {
	put_cell echo
	start_stem
	germinate echo
	pid=$(pid_of echo)
	kill -9 "$(cat "$CELL_HOME/stem.pid")" "$pid"
	wait_gone "$pid"
	[ -S "$CELL_HOME/run/echo.sock" ]
	start_stem
	[ ! -e "$CELL_HOME/run/echo.pid" ]
	run germinate echo
	assert_line --index 0 --partial '"started":true'
	run rawcall echo fresh
	assert_output "$(printf '0 echo:fresh\nEOF')"
}

@test "stop drains the request in flight, then removes socket and pid file" {
	put_cell slow "" -DSLOW_MS=700
	start_stem
	germinate slow
	rawcall slow inflight >"$BATS_TEST_TMPDIR/call" &
	caller=$!
	wait_for grep -q 'got 8 bytes' "$CELL_HOME/logs/slow.log"
	run control '{"op":"stop","name":"slow"}'
	assert_output "$(printf '0 {"ok":true}\nEOF')"
	wait "$caller"
	run cat "$BATS_TEST_TMPDIR/call"
	assert_output "$(printf '0 echo:inflight\nEOF')"
	[ ! -e "$CELL_HOME/run/slow.sock" ]
	[ ! -e "$CELL_HOME/run/slow.pid" ]
	run state_of slow
	assert_output stopped
}

@test "garbage and oversized frames close that connection only" {
	put_cell echo
	start_stem
	germinate echo
	run rawclient "$CELL_HOME/run/echo.sock" < <(printf '\xff\xff\xff\xff\x00')
	refute_line --partial 'echo:'
	run rawclient "$CELL_HOME/run/echo.sock" < <(printf '\x00\x00\x00\x01\x09x')
	refute_line --partial 'echo:'
	run rawcall echo fine
	assert_output "$(printf '0 echo:fine\nEOF')"
}

@test "restart always restarts a cell that exits cleanly" {
	put_cell clean '{"name":"clean","version":"1","restart":"always"}' -DEXIT_CODE=0
	CELL_STEM_BACKOFF_MS=5 start_stem
	germinate clean
	wait_for state_is clean failed
	run jq -r '"\(.restarts) \(.cause)"' "$CELL_HOME/run/clean.json"
	assert_output "5 exited with status 0"
}

@test "a cell waiting out a backoff stops at once" {
	put_cell flaky '' -DEXIT_CODE=3
	CELL_STEM_BACKOFF_MS=600000 start_stem
	germinate flaky
	wait_for state_is flaky backoff
	run control '{"op":"stop","name":"flaky"}'
	assert_output "$(printf '0 {"ok":true}\nEOF')"
	run state_of flaky
	assert_output stopped
	[ ! -e "$CELL_HOME/run/flaky.sock" ]
}

@test "a symlink planted in run/ at the old temp names is not followed" {
	put_cell echo
	start_stem
	printf 'precious\n' >"$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$CELL_HOME/run/echo.json.tmp"
	ln -s "$BATS_TEST_TMPDIR/victim" "$CELL_HOME/run/echo.pid.tmp"
	run germinate echo
	assert_line --index 0 --partial '"ok":true'
	wait_for state_is echo running
	pid_of echo >/dev/null
	run cat "$BATS_TEST_TMPDIR/victim"
	assert_output precious
	[ -L "$CELL_HOME/run/echo.json.tmp" ]
	[ ! -L "$CELL_HOME/run/echo.json" ]
}

@test "a run/NAME.json that is a symlink is not read" {
	mkdir -p -m 0700 "$CELL_HOME/run"
	printf '{"state":"running","pid":1,"restarts":0}\n' >"$BATS_TEST_TMPDIR/echo.json"
	ln -s "$BATS_TEST_TMPDIR/echo.json" "$CELL_HOME/run/echo.json"
	run bash -c 'cell ps --json | jq -r ".[0].state, .[0].cause"'
	assert_output "$(printf '%s\n' unknown 'cannot read run/echo.json: Too many levels of symbolic links')"
}

@test "a recorded pid now running with another start time is not adopted" {
	put_cell echo
	mkdir -p -m 0700 "$CELL_HOME/run"
	sleep 1000 &
	other=$!
	track_pid "$other"
	printf '{"state":"running","pid":%d,"starttime":1,"restarts":0}\n' "$other" >"$CELL_HOME/run/echo.json"
	printf '%d\n' "$other" >"$CELL_HOME/run/echo.pid"
	start_stem
	run grep -c "adopted cell 'echo'" "$CELL_HOME/logs/stem.log"
	assert_output 0
	[ ! -e "$CELL_HOME/run/echo.pid" ]
	kill -0 "$other"
	run germinate echo
	assert_line --index 0 --partial '"started":true'
	[ "$(pid_of echo)" != "$other" ]
}

@test "requests queued behind a stop beyond the input buffer are all answered" {
	local i
	put_cell slow "" -DSLOW_MS=1500
	start_stem
	germinate slow
	rawcall slow inflight >/dev/null &
	wait_for grep -q 'got 8 bytes' "$CELL_HOME/logs/slow.log"
	# The stop waits for the request in flight; 4096 version requests
	# behind it (86 KB) fill the stem's 64 KiB input buffer meanwhile.
	frame 0 '{"op":"version"}' >"$BATS_TEST_TMPDIR/reqs"
	for i in $(seq 12); do
		cat "$BATS_TEST_TMPDIR/reqs" "$BATS_TEST_TMPDIR/reqs" >"$BATS_TEST_TMPDIR/reqs2"
		mv "$BATS_TEST_TMPDIR/reqs2" "$BATS_TEST_TMPDIR/reqs"
	done
	{ frame 0 '{"op":"stop","name":"slow"}'; cat "$BATS_TEST_TMPDIR/reqs"; } |
		rawclient "$CELL_HOME/stem.sock" >"$BATS_TEST_TMPDIR/out"
	run head -n 1 "$BATS_TEST_TMPDIR/out"
	assert_output '0 {"ok":true}'
	run grep -c '"version"' "$BATS_TEST_TMPDIR/out"
	assert_output 4096
	run tail -n 1 "$BATS_TEST_TMPDIR/out"
	assert_output EOF
}

@test "an unparsable run/NAME.json does not keep its stale pid file" {
	mkdir -p -m 0700 "$CELL_HOME/run"
	printf '{"state":' >"$CELL_HOME/run/echo.json"
	printf '999999\n' >"$CELL_HOME/run/echo.pid"
	start_stem
	[ ! -e "$CELL_HOME/run/echo.pid" ]
	run grep -c "cannot adopt cell 'echo': unreadable run/echo.json\$" "$CELL_HOME/logs/stem.log"
	assert_output 1
}
