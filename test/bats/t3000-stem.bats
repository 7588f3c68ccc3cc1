#!/usr/bin/env bats
# cell-stem: one per home, the control socket, the control protocol.
load helpers
load runtime

@test "a second stem exits 1 naming the running one" {
	start_stem
	run cell-stem 3>&-
	assert_failure 1
	assert_output "cell-stem: another stem is running (pid $(cat "$CELL_HOME/stem.pid"))"
}

@test "stem.sock is a socket of mode 0666 inside a 0700 home" {
	# Cells (other uids) germinate each other through it; only the
	# home's owner reaches it on the host, cells through their binds.
	start_stem
	[ -S "$CELL_HOME/stem.sock" ]
	run stat -c %a "$CELL_HOME/stem.sock" "$CELL_HOME" "$CELL_HOME/run"
	assert_output "$(printf '666\n700\n711')"
}

@test "version answers with the version and protocol" {
	start_stem
	run control '{"op":"version"}'
	assert_success
	assert_output "$(printf '0 {"ok":true,"version":"0.1.0","protocol":2}\nEOF')"
}

@test "an unknown op is refused with code op" {
	start_stem
	run control '{"op":"fly"}'
	assert_output "$(printf '%s\nEOF' "0 {\"ok\":false,\"error\":\"unknown op 'fly'\",\"code\":\"op\"}")"
}

@test "malformed JSON is refused and the stem keeps serving" {
	start_stem
	run control '{"op":'
	assert_line --index 0 '0 {"ok":false,"error":"malformed request: not a JSON object","code":"op"}'
	run control '{"op":"version"}'
	assert_line --index 0 --partial '"ok":true'
}

@test "an oversized control frame is refused and the connection closed" {
	start_stem
	run rawclient "$CELL_HOME/stem.sock" < <(printf '\x00\x10\x00\x00\x00')
	assert_output "$(printf '0 {"ok":false,"error":"request too large","code":"op"}\nEOF')"
	run control '{"op":"version"}'
	assert_line --index 0 --partial '"ok":true'
}

@test "germinate of a name without DNA is refused with code nodna" {
	start_stem
	run control '{"op":"germinate","name":"ghost"}'
	assert_line --index 0 "0 {\"ok\":false,\"error\":\"no DNA for 'ghost'; run cell build\",\"code\":\"nodna\"}"
	[ ! -e "$CELL_HOME/run/ghost.sock" ]
}

@test "germinate of an invalid name is refused with code name" {
	start_stem
	run control '{"op":"germinate","name":"../x"}'
	assert_line --index 0 --partial '"code":"name"'
}

@test "the stem writes its log to logs/stem.log as time level message" {
	start_stem
	run cat "$CELL_HOME/logs/stem.log"
	assert_line --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z info stem 0\.1\.0 started pid [0-9]+'
}

@test "SIGTERM stops the stem and removes stem.sock and stem.pid" {
	start_stem
	pid=$(cat "$CELL_HOME/stem.pid")
	kill -TERM "$pid"
	wait_gone "$pid"
	[ ! -e "$CELL_HOME/stem.sock" ]
	[ ! -e "$CELL_HOME/stem.pid" ]
}

@test "a stem replaces the stem.sock a killed stem left" {
	start_stem
	kill -9 "$(cat "$CELL_HOME/stem.pid")"
	wait_gone "$(cat "$CELL_HOME/stem.pid")"
	[ -S "$CELL_HOME/stem.sock" ]
	start_stem
	run control '{"op":"version"}'
	assert_line --index 0 --partial '"ok":true'
}

@test "cell stem --daemon runs cell-stem in the background" {
	run cell stem --daemon 3>&-
	assert_success
	track_pid "$(cat "$CELL_HOME/stem.pid")"
	kill -0 "$(cat "$CELL_HOME/stem.pid")"
	run control '{"op":"version"}'
	assert_line --index 0 --partial '"ok":true'
}

@test "cell stem takes no arguments" {
	run cell stem extra
	assert_failure 2
}

@test "a home made 0755 is set to 0700 when the stem starts" {
	mkdir -m 0755 "$CELL_HOME"
	start_stem
	run stat -c %a "$CELL_HOME"
	assert_output "700"
	run grep -c "info home $CELL_HOME had mode 755; set to 0700\$" "$CELL_HOME/logs/stem.log"
	assert_output 1
}

@test "a home that is a symlink is refused" {
	mkdir -m 0700 "$BATS_TEST_TMPDIR/real"
	ln -s "$BATS_TEST_TMPDIR/real" "$CELL_HOME"
	run cell-stem 3>&-
	assert_failure 1
	assert_output "cell-stem: refusing home '$CELL_HOME': it is a symlink"
	[ ! -e "$BATS_TEST_TMPDIR/real/stem.sock" ]
}

@test "a home owned by another uid is refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	mkdir -m 0700 "$CELL_HOME"
	chown 4242 "$CELL_HOME"
	run cell-stem 3>&-
	assert_failure 1
	assert_output "cell-stem: refusing home '$CELL_HOME': owned by uid 4242, not 0"
	[ ! -e "$CELL_HOME/stem.sock" ]
}

@test "a peer of the stem's uid in another user namespace may not list" {
	# What a cell of a stem that is not root is: its uid mapped 1:1.
	unshare --user --map-current-user true 2>/dev/null ||
		skip "cannot create a user namespace"
	start_stem
	rawclient "$CELL_HOME/stem.sock" </dev/null >/dev/null # compile it
	run unshare --user --map-current-user \
		"$BATS_TEST_TMPDIR/rawclient" "$CELL_HOME/stem.sock" < <(frame 0 '{"op":"ps"}')
	assert_output "$(printf '%s\nEOF' "0 {\"ok\":false,\"error\":\"op 'ps' refused: the peer is not in the stem's user namespace (a cell may only germinate)\",\"code\":\"denied\"}")"
	run control '{"op":"ps"}'
	assert_line --index 0 --partial '"ok":true'
}

version_ok() {
	control '{"op":"version"}' | grep -q '"ok":true'
}

@test "with few descriptors, held connections do not block the stem" {
	(ulimit -n 64 && start_stem)
	cc -O1 -o "$BATS_TEST_TMPDIR/holdconns" "$CELLS_SRC/holdconns.c"
	rawclient "$CELL_HOME/stem.sock" </dev/null >/dev/null # compile it
	mkfifo "$BATS_TEST_TMPDIR/hold"
	"$BATS_TEST_TMPDIR/holdconns" "$CELL_HOME/stem.sock" 200 \
		<"$BATS_TEST_TMPDIR/hold" >"$BATS_TEST_TMPDIR/held" &
	track_pid $!
	exec 7>"$BATS_TEST_TMPDIR/hold"
	wait_for grep -qx 200 "$BATS_TEST_TMPDIR/held"
	# Every slot taken: refused at once with EOF, not left waiting.
	run timeout 10 "$BATS_TEST_TMPDIR/rawclient" "$CELL_HOME/stem.sock" < <(frame 0 '{"op":"version"}')
	assert_output EOF
	exec 7>&-
	wait_for version_ok
	run control '{"op":"version"}'
	assert_line --index 0 --partial '"ok":true'
}

@test "out of descriptors, the stem sheds clients instead of spinning" {
	# 16 descriptors: fewer than the stem's own plus its 8 connections.
	(ulimit -n 16 && start_stem)
	stem=$(cat "$CELL_HOME/stem.pid")
	cc -O1 -o "$BATS_TEST_TMPDIR/holdconns" "$CELLS_SRC/holdconns.c"
	mkfifo "$BATS_TEST_TMPDIR/hold"
	"$BATS_TEST_TMPDIR/holdconns" "$CELL_HOME/stem.sock" 50 \
		<"$BATS_TEST_TMPDIR/hold" >"$BATS_TEST_TMPDIR/held" &
	track_pid $!
	exec 7>"$BATS_TEST_TMPDIR/hold"
	wait_for grep -qx 50 "$BATS_TEST_TMPDIR/held"
	wait_for grep -q "out of file descriptors: control connection refused" "$CELL_HOME/logs/stem.log"
	sleep 1
	# A spinning listener would have burnt about a second of CPU
	# (100 ticks); an idle stem, almost none.
	run awk '{ print ($14 + $15 < 50) ? "idle" : "busy " $14 + $15 }' "/proc/$stem/stat"
	assert_output idle
	exec 7>&-
	wait_for version_ok
}
