/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PROCMAP_H
#define FWD_PROCMAP_H

/*
 * Which process owns a socket inode: walk /proc/PID/fd for "socket:[INODE]",
 * then read /proc/PID/exe. Reading other users' entries needs CAP_SYS_PTRACE
 * and CAP_DAC_READ_SEARCH, so the daemon asks a small helper process that
 * holds only those (procmap_spawn) and answers only this question.
 *
 * Several processes may hold one socket (fork after listen, socket
 * activation). The answer is the lowest pid among the processes whose
 * /proc/PID owner is one of the uids given for the sockets of the request,
 * or, if none of those holds it, the lowest pid among all. With socket activation
 * that is systemd, which keeps its copy. A cached answer stays while that
 * process runs and keeps the socket (see procmap_cache_recheck), even if a
 * lower pid gets the socket later.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum owner_state {
	OWNER_OK,
	OWNER_DELETED,          /* exe replaced or deleted while running:
				   "(deleted)"; exe is the old path */
	OWNER_UNREADABLE,       /* /proc entry could not be read (pid is set if
				   the holder is known but its exe is not) */
	OWNER_NOT_FOUND,        /* no process holds the inode (vanished, or
				   socket held only by the kernel) */
};

#define PROCMAP_EXE_MAX     4096
#define PROCMAP_MAX_INODES  65536   /* per request */
#define PROCMAP_TIMEOUT_MS  2000    /* one helper exchange */

struct proc_owner {
	uint64_t inode;
	pid_t pid;                      /* 0 when not known */
	enum owner_state state;
	char exe[PROCMAP_EXE_MAX];      /* "" unless OK or DELETED; never
					   ends in " (deleted)" */
};

const char *procmap_state_name(enum owner_state s);

/*
 * An interpreter or loader runs code it does not contain: an app rule for
 * /usr/bin/python3 covers every Python script. Matches the base name
 * (python3.11, perl, ruby, node, java, bash, sh, dash, ld-linux*, ...).
 */
bool procmap_is_interpreter(const char *exe);

/*
 * The lookup in this process (tests, --foreground debugging, and the
 * helper itself). out[i] answers inodes[i]; uids[i] is the socket's uid
 * from inet_diag, used to visit likely owners first (NULL or (uid_t)-1:
 * no hint). Processes and descriptors vanishing mid-walk are normal.
 * One readdir of /proc per call, none when every inode is still held where
 * the cache says. Returns 0, or -1 (all OWNER_UNREADABLE) when /proc cannot
 * be read or n > PROCMAP_MAX_INODES. Not thread-safe: the cache is global.
 */
int procmap_lookup_local(const uint64_t *inodes, const uid_t *uids, size_t n,
			 struct proc_owner *out);

/* forgets the cache of procmap_lookup_local (the next lookup is cold) */
void procmap_cache_clear(void);

/*
 * A cached holder is trusted to keep the socket on the same descriptor for
 * this many seconds (default 10; 0: check on every lookup) while it runs
 * with the same start time; its exe is re-read on every lookup anyway.
 * A helper spawned afterwards inherits the value.
 */
void procmap_cache_recheck(unsigned int seconds);

struct procmap;

/*
 * Forks the helper. Call it while the process still holds CAP_SYS_PTRACE and
 * CAP_DAC_READ_SEARCH in its permitted set and before starting threads; the
 * helper keeps only those two (it stays uid 0 when started as root). A
 * helper started without them can read only its own uid's processes and
 * answers OWNER_UNREADABLE for the others.
 */
struct procmap *procmap_spawn(char *err, size_t errlen);

/*
 * procmap_lookup_local through the helper, blocking at most
 * PROCMAP_TIMEOUT_MS per attempt. A helper that died, timed out or answered
 * nonsense is killed and respawned once; if that fails too, or n is over
 * PROCMAP_MAX_INODES, every out[i] is OWNER_UNREADABLE and -1 is returned
 * (fail closed). 0 on success. The helper's failures are logged (log.h).
 */
int procmap_lookup(struct procmap *pm, const uint64_t *inodes,
		   const uid_t *uids, size_t n, struct proc_owner *out);

/* the helper's pid, 0 when none is running */
pid_t procmap_helper_pid(const struct procmap *pm);

/* closes the channel, lets the helper exit (SIGKILL after 1 s) and reaps it */
void procmap_free(struct procmap *pm);

/*
 * The helper's loop, for tests: answers requests on fd until the peer
 * closes it (0) or sends a malformed request (-1).
 */
int procmap_serve(int fd);

/*
 * For tests and fuzzers: checks one response message of the helper (call
 * seq, answering inodes[0..n), records from index got on) and fills out[got..].
 * Returns the number of records taken, or -1 if anything is off.
 */
int procmap_decode_response(const uint8_t *buf, size_t len, uint32_t seq,
			    const uint64_t *inodes, size_t n, size_t got,
			    struct proc_owner *out);

#endif
