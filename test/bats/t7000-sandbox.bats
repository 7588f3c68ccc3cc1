#!/usr/bin/env bats
# The sandbox end to end: a hostile cell (test/sandbox/probe.c, a static
# binary built by `cell build` with a custom build command, speaking the
# frame protocol on fd 3 without libcell) tries what a compromised cell
# would; each attempt fails the expected way, and afterwards the stem
# still answers and echo and brain -> retina still work.
load helpers
load runtime
load sandbox

setup_file() { sandbox_setup_file; }
setup() { sandbox_setup; }
teardown() { sandbox_teardown; }

@test "a cell runs as pid 1 of its namespace, its own uid, no capabilities, seccomp" {
	run probe hostile status
	assert_success
	uid=$(jq -r .uid "$CELL_HOME/run/hostile.json")
	[ "$uid" -ge 100000 ]
	assert_output "$(printf '%s\n' 'pid: 1' 'session leader: yes' \
		'hostname: hostile' \
		"Uid:	$uid	$uid	$uid	$uid" "Gid:	$uid	$uid	$uid	$uid" \
		'Groups:	 ' 'SigBlk:	0000000000000000' \
		'SigIgn:	0000000000000000' 'CapInh:	0000000000000000' \
		'CapPrm:	0000000000000000' 'CapEff:	0000000000000000' \
		'CapBnd:	0000000000000000' 'CapAmb:	0000000000000000' \
		'NoNewPrivs:	1' 'Seccomp:	2' 'exit 0')"
	run jq -r .confinement "$CELL_HOME/run/hostile.json"
	assert_output "ns user,mnt,pid,ipc,uts,net; uid $uid; caps dropped; no_new_privs; seccomp"
	stem_healthy
}

@test "/etc/shadow cannot be read" {
	[ -e /etc/shadow ]
	run probe hostile "read /etc/shadow"
	assert_success
	assert_output "$(printf 'read: No such file or directory\nexit 1')"
	stem_healthy
}

@test "the user's home cannot be read" {
	[ -r "$HOME/.gitconfig" ]
	run probe hostile "read $HOME/.gitconfig"
	assert_output "$(printf 'read: No such file or directory\nexit 1')"
	run probe hostile "ls $HOME"
	assert_output "$(printf 'ls: No such file or directory\nexit 1')"
	stem_healthy
}

@test "of the home, a cell sees only run/, its state dir, stem.sock and its object" {
	run probe hostile "ls $CELL_HOME"
	assert_output "$(printf 'dna\nrun\nstate\nstem.sock\nexit 0')"
	run probe hostile "ls $CELL_HOME/state"
	assert_output "$(printf 'hostile\nexit 0')"
	# Of the store, only its own executable: no meta, refs, keys, logs.
	hash=$(cat "$CELL_HOME/dna/refs/hostile")
	run probe hostile "ls $CELL_HOME/dna"
	assert_output "$(printf 'objects\nexit 0')"
	run probe hostile "ls $CELL_HOME/dna/objects/${hash:0:2}"
	assert_output "$(printf '%s\nexit 0' "${hash:2}")"
	stem_healthy
}

@test "writing outside the state dir fails with EROFS" {
	run probe hostile "write /x"
	assert_output "$(printf 'write: Read-only file system\nexit 1')"
	run probe hostile "write /usr/x"
	assert_output "$(printf 'write: Read-only file system\nexit 1')"
	run probe hostile "write $CELL_HOME/run/x"
	assert_output "$(printf 'write: Read-only file system\nexit 1')"
	[ ! -e /usr/x ] && [ ! -e "$CELL_HOME/run/x" ]
	stem_healthy
}

@test "the state dir is writable and the file is the cell's on the host" {
	run probe hostile "write $CELL_HOME/state/hostile/f"
	assert_output "$(printf 'write: ok\nexit 0')"
	run stat -c '%u %s' "$CELL_HOME/state/hostile/f"
	assert_output "$(jq -r .uid "$CELL_HOME/run/hostile.json") 1"
	stem_healthy
}

@test "/proc shows only the cell itself" {
	start_stem
	cell germinate echo retina >/dev/null
	run probe hostile pids
	assert_output "$(printf '1\nexit 0')"
	stem_healthy
}

@test "a TCP connection fails without network" {
	port=$(tcp_listener)
	# The listener is reachable from the host...
	run "$REPO/build/sandbox/probe" tcp "$port"
	assert_output 'connect: ok'
	# ...not from a cell in its empty network namespace.
	run probe hostile "tcp $port"
	assert_output "$(printf 'connect: Network is unreachable\nexit 1')"
	stem_healthy
}

@test "a TCP connection works with \"net\": \"host\"" {
	port=$(tcp_listener)
	run probe hostnet "tcp $port"
	assert_output "$(printf 'connect: ok\nexit 0')"
	run jq -r .net "$CELL_HOME/run/hostnet.json"
	assert_output host
	stem_healthy
}

# forbidden CALL: the call kills the cell; the stem names it in its log,
# to the caller in flight and to every later caller (ERROR frames), and
# stays healthy.
forbidden() {
	local call=$1
	# The caller in flight gets an ERROR frame naming the call...
	run probe hostile "$call"
	assert_failure 1
	assert_output "cell: cell 'hostile' failed to start: killed by signal KILL (forbidden system call $call)"
	# ...and so does the next one, not a hang.
	run probe hostile status
	assert_failure 1
	assert_output "cell: cell 'hostile' failed to start: killed by signal KILL (forbidden system call $call)"
	run grep -c "cell 'hostile' killed: forbidden system call $call\$" "$CELL_HOME/logs/stem.log"
	assert_output 1
	run jq -r '.state + ": " + .cause' "$CELL_HOME/run/hostile.json"
	assert_output "failed: killed by signal KILL (forbidden system call $call)"
	stem_healthy
}

@test "ptrace kills the cell and the stem names it" {
	forbidden ptrace
}

@test "mount kills the cell and the stem names it" {
	forbidden mount
}

@test "keyctl kills the cell and the stem names it" {
	forbidden keyctl
}

@test "allocating past limits.memory fails" {
	run probe hostile "alloc 8"
	assert_output "$(printf 'alloc: ok\nexit 0')"
	run probe hostile "alloc 128"
	# cgroups: the OOM killer ends the allocating child; rlimit: malloc fails.
	assert_output --regexp '^(alloc: killed by signal 9|alloc: Cannot allocate memory)
exit 1$'
	stem_healthy
}

@test "forking past limits.pids fails" {
	run probe hostile "fork 64"
	assert_output --regexp '^forked [0-9]+ of 64: Resource temporarily unavailable
exit 1$'
	n=$(echo "$output" | awk 'NR == 1 { print $2 }')
	[ "$n" -lt 16 ]
	stem_healthy
}

@test "limits.nofile caps open files" {
	run probe hostile limits
	assert_line --index 0 'nofile: 64'
	stem_healthy
}

@test "ps shows which mechanism enforces each limit" {
	probe hostile status >/dev/null
	run cell ps
	assert_line --regexp "^hostile +[0-9]+ +running .* on mem:32M/(cg2|cg1|rl) pids:16/(cg2|cg1|rl) nofile:64/rl$"
	run bash -c "cell ps --json | jq -c '.[] | select(.name == \"hostile\") | [.sandbox, .net, .limits.memory.value, .limits.pids.value, .limits.nofile]'"
	assert_output '[true,"none",33554432,16,{"value":64,"by":"rlimit"}]'
	run bash -c "cell ps --json | jq -r '.[] | select(.name == \"hostile\") | .limits.memory.by, .limits.pids.by'"
	assert_output --regexp '^(cgroup2|cgroup1|rlimit)
(cgroup2|cgroup1|rlimit)$'
}

@test "a cell may germinate through stem.sock but not stop or list" {
	start_stem
	run probe hostile 'stem {"op":"germinate","name":"echo"}'
	assert_line --index 0 --regexp '^reply: \{"ok":true,"pid":[0-9]+,'
	uid=$(jq -r .uid "$CELL_HOME/run/hostile.json")
	run probe hostile 'stem {"op":"stop","name":"echo"}'
	assert_output "$(printf '%s\n' "reply: {\"ok\":false,\"error\":\"op 'stop' refused: uid $uid is not the stem's (a cell may only germinate)\",\"code\":\"denied\"}" 'exit 0')"
	run probe hostile 'stem {"op":"ps"}'
	assert_line --index 0 --partial '"code":"denied"'
	run jq -r .state "$CELL_HOME/run/echo.json"
	assert_output running
}

@test "\"sandbox\": false is refused by a stem without --allow-unconfined" {
	start_stem
	run probe unconfined status
	assert_failure 1
	assert_output "cell: cannot reach 'unconfined': cell 'unconfined' failed to start: it asks for no sandbox; start the stem with --allow-unconfined"
	stem_healthy
}

@test "\"sandbox\": false runs with --allow-unconfined and ps marks it" {
	start_stem --allow-unconfined
	run probe unconfined status
	assert_success
	assert_line 'Seccomp:	0'
	assert_line --regexp "^Uid:	$(id -u)	"
	run cell ps
	assert_line --regexp '^unconfined +[0-9]+ +running .* off!$'
	run bash -c "cell ps --json | jq -c '.[] | select(.name == \"unconfined\") | .sandbox'"
	assert_output false
	# Confined cells stay confined beside it.
	run probe hostile "read /etc/shadow"
	assert_output "$(printf 'read: No such file or directory\nexit 1')"
}

@test "a sandbox step that fails is the cause callers get" {
	[ ! -e /nonexistent-cell-path ]
	run probe badpath status
	assert_failure 1
	assert_output "cell: cannot reach 'badpath': cell 'badpath' failed to start: sandbox: open /nonexistent-cell-path: No such file or directory"
	run jq -r '.state + ": " + .cause' "$CELL_HOME/run/badpath.json"
	assert_output "failed: sandbox: open /nonexistent-cell-path: No such file or directory"
	stem_healthy
}

@test "a cell whose bytes were last built as another cell does not take its sandbox" {
	# Meta is per hash: twin1 and twin2 are the same bytes, so the meta
	# holds the manifest of whichever was built last.
	hash=$(cat "$CELL_HOME/dna/refs/twin1")
	[ "$hash" = "$(cat "$CELL_HOME/dna/refs/twin2")" ]
	owner=$(jq -r .name "$CELL_HOME/dna/meta/$hash.json")
	other=twin1
	[ "$owner" = twin1 ] && other=twin2
	start_stem --allow-unconfined
	run probe "$other" status
	assert_failure 1
	assert_output "cell: cannot reach '$other': cell '$other' failed to start: manifest: the DNA of '$other' was last built as cell '$owner', whose sandbox and limits do not apply to it; rebuild it"
}

@test "sandbox and limits errors are one-line errors at build time" {
	git init -q .
	hostile_cell cells/bad ',"limits":{"memory":"lots"}'
	run cell build
	assert_failure 1
	assert_output --partial 'cells/bad/cell.json: limits.memory: expected bytes or a size like "64M"'
	hostile_cell cells/bad ',"sandbox":{"syscalls":["unshare"]}'
	run cell build
	assert_failure 1
	assert_output --partial "cells/bad/cell.json: sandbox.syscalls: 'unshare' cannot be allowed"
	hostile_cell cells/bad ',"sandbox":{"net":"all"}'
	run cell build
	assert_failure 1
	assert_output --partial 'cells/bad/cell.json: sandbox.net: expected "none" or "host"'
}
